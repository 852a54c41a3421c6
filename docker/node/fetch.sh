#!/usr/bin/env bash
# Downloads the tarballs pinned in downloads.txt from the npm registry into DEST (npm pack), and
# checks each against its pinned integrity. Files already in DEST with the right integrity are kept,
# so a second run needs no network.
#
#   docker/node/fetch.sh DEST
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

if [ "$#" -ne 1 ]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
dest=$1
mkdir -p "$dest"

while read -r name version integrity; do
  file="$dest/$(tarball_name "$name" "$version")"
  if [ -f "$file" ] && integrity_ok "$file" "$integrity"; then continue; fi
  echo "fetching $name@$version"
  tmp=$(mktemp -d "$dest/.fetch.XXXXXX")
  if ! (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null); then
    rm -rf "$tmp"
    echo "fetch.sh: npm pack $name@$version failed (is the npm registry reachable?)" >&2
    exit 1
  fi
  packed=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n 1)
  if [ -z "$packed" ] || ! integrity_ok "$packed" "$integrity"; then
    rm -rf "$tmp"
    echo "fetch.sh: $name@$version does not match its pinned integrity in downloads.txt" >&2
    exit 1
  fi
  mv "$packed" "$file"
  rm -rf "$tmp"
done < <(pins "$here/downloads.txt")
