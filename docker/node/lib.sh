# Shared by fetch.sh (on the host) and rootfs.sh (in either build): the pinned tarballs of
# downloads.txt, their file names and their integrity check. Sourced, not run.

# The pins, as "NAME VERSION INTEGRITY" lines without comments.
pins() {
  grep -v '^[[:space:]]*#' "$1" | grep -v '^[[:space:]]*$'
}

# The file a pinned tarball is kept in: @scope/name 1.2.3 -> scope-name-1.2.3.tgz
tarball_name() {
  local name=${1#@}
  printf '%s-%s.tgz' "${name//\//-}" "$2"
}

# Exits 0 when FILE's sha512 is the one in INTEGRITY (sha512-<base64>, as the registry gives it).
integrity_ok() {
  local file=$1 integrity=$2
  case $integrity in sha512-*) ;; *) echo "unsupported integrity '$integrity' (expected sha512-...)" >&2; return 1 ;; esac
  local want got
  want=$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
  got=$(sha512sum "$file" | cut -d' ' -f1)
  [ -n "$want" ] && [ "$want" = "$got" ]
}
