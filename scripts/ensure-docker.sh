#!/usr/bin/env bash
# Makes sure a Docker daemon is reachable: installs docker.io (and debootstrap, for the offline
# image builder) when missing and we are root with apt-get; starts dockerd in the background when
# it is installed but not running. Idempotent; prints nothing when all is fine.
# Used by scripts/setup.sh and CI. Exit status 0 when `docker info` works at the end.
set -uo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log_dir="${IBENCH_CACHE_DIR:-$root_dir/.cache}"
mkdir -p "$log_dir" 2>/dev/null || log_dir=/tmp
log_file="$log_dir/dockerd.log"

say() { echo "ensure-docker: $*" >&2; }
is_root() { [ "$(id -u)" -eq 0 ]; }
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
reachable() { docker info >/dev/null 2>&1; }

missing=()
have docker || missing+=(docker.io)
if [ -z "${DOCKER_HOST:-}" ]; then
  have dockerd || { [[ " ${missing[*]-} " == *" docker.io "* ]] || missing+=(docker.io); }
fi
have debootstrap || missing+=(debootstrap)

if [ "${#missing[@]}" -gt 0 ]; then
  if is_root && have apt-get; then
    say "installing ${missing[*]}"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
      say "apt-get install ${missing[*]} failed"
    fi
  elif [[ " ${missing[*]} " == *" docker.io "* ]]; then
    say "Docker is not installed. Install it (e.g. \`sudo apt-get install -y docker.io debootstrap\`, or Docker Desktop), then run this again."
    exit 1
  fi
  # debootstrap only matters for the offline image build: not fatal.
fi

if reachable; then exit 0; fi

if [ -n "${DOCKER_HOST:-}" ]; then
  say "Cannot reach the Docker daemon at $DOCKER_HOST. Start it there, or unset DOCKER_HOST."
  exit 1
fi
if ! have dockerd; then
  say "dockerd is not installed and the daemon is not reachable. Install docker.io, then run this again."
  exit 1
fi
if ! is_root; then
  say "The Docker daemon is not running (or your user may not use /var/run/docker.sock). Start it as root (\`sudo dockerd &\` or \`sudo systemctl start docker\`), or add yourself to the docker group."
  exit 1
fi

dockerd_bin=$(command -v dockerd || echo /usr/sbin/dockerd)
say "starting dockerd (log: $log_file)"
(nohup "$dockerd_bin" >>"$log_file" 2>&1 &)
for _ in $(seq 1 60); do
  if reachable; then exit 0; fi
  sleep 1
done
say "dockerd did not answer within 60 s; see $log_file:"
tail -n 20 "$log_file" >&2
exit 1
