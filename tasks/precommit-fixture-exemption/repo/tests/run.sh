#!/usr/bin/env bash
# Runs the pre-commit hook on every diff in tests/cases/ and checks its exit status only:
# block-*.diff must exit 1 (commit blocked), pass-*.diff must exit 0 (commit goes through).
# Each diff is checked three times: a hook must give the same answer every time.
cd "$(dirname "$0")/.." || exit 2
fail=0
count=0
for diff in tests/cases/*.diff; do
  name=$(basename "$diff")
  case "$name" in
    block-*) expected=1 ;;
    pass-*) expected=0 ;;
    *) echo "FAIL $name: a case must be named block-*.diff or pass-*.diff"; fail=1; continue ;;
  esac
  got=""
  for _ in 1 2 3; do
    env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 node hooks/pre-commit.js <"$diff" >/dev/null 2>&1
    got="$got $?"
  done
  count=$((count + 1))
  if [ "$got" != " $expected $expected $expected" ]; then
    echo "FAIL $name: exit statuses$got, expected $expected each time"
    fail=1
  else
    echo "ok   $name"
  fi
done
if [ "$count" -eq 0 ]; then echo "FAIL no cases ran"; exit 1; fi
exit $fail
