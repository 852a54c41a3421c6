#!/usr/bin/env bash
# Builds a sandbox image without any registry: debootstrap a Debian root filesystem from the
# package mirror, add the unprivileged user, then `docker import` it.
#
#   docker/build-offline.sh BUILD_DIR IMAGE_NAME BUILD_HASH
#
# BUILD_DIR holds packages.txt (one Debian package a line). Environment (all optional):
#   AGENT_USER=agent AGENT_UID=1000 AGENT_GID=1000
#   IBENCH_DEBIAN_SUITE=bookworm IBENCH_DEBIAN_MIRROR=http://deb.debian.org/debian
# Needs root, debootstrap and the docker CLI.
set -euo pipefail

if [ "$#" -ne 3 ]; then
  echo "usage: $0 BUILD_DIR IMAGE_NAME BUILD_HASH" >&2
  exit 2
fi
build_dir=$1
image=$2
hash=$3
user=${AGENT_USER:-agent}
uid=${AGENT_UID:-1000}
gid=${AGENT_GID:-1000}
suite=${IBENCH_DEBIAN_SUITE:-bookworm}
mirror=${IBENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" -ne 0 ]; then
  echo "build-offline.sh: must run as root (debootstrap needs it)" >&2
  exit 1
fi
for tool in debootstrap docker tar; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-offline.sh: '$tool' is not installed (apt-get install -y debootstrap docker.io)" >&2
    exit 1
  fi
done
if [ ! -f "$build_dir/packages.txt" ]; then
  echo "build-offline.sh: $build_dir/packages.txt is missing" >&2
  exit 1
fi
packages=$(grep -v '^[[:space:]]*#' "$build_dir/packages.txt" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')

rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/ibench-rootfs.XXXXXX")
cleanup() { rm -rf --one-file-system "$rootfs"; }
trap cleanup EXIT

echo "debootstrap $suite ($packages) from $mirror"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror"

# The unprivileged user, written straight into the account files.
if ! grep -q "^$user:" "$rootfs/etc/group"; then
  echo "$user:x:$gid:" >>"$rootfs/etc/group"
fi
if ! grep -q "^$user:" "$rootfs/etc/passwd"; then
  echo "$user:x:$uid:$gid::/home/$user:/bin/bash" >>"$rootfs/etc/passwd"
  echo "$user:!:19000:0:99999:7:::" >>"$rootfs/etc/shadow"
fi
mkdir -p "$rootfs/home/$user" "$rootfs/work"
cp -a "$rootfs/etc/skel/." "$rootfs/home/$user/" 2>/dev/null || true
chown -R "$uid:$gid" "$rootfs/home/$user" "$rootfs/work"
chmod 0755 "$rootfs/home/$user"

# git: every repository is safe (the work tree belongs to the agent, root may inspect it).
printf '[safe]\n\tdirectory = *\n' >"$rootfs/etc/gitconfig"

# Smaller image: no package caches, no docs.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*

echo "importing $image"
tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'WORKDIR /work' \
  --change 'CMD ["bash"]' \
  --change "LABEL ibench.build-hash=$hash" \
  --change 'LABEL ibench.build-method=offline' \
  - "$image"
echo "built $image"
