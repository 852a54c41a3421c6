#!/usr/bin/env bash
# Makes sure /usr/bin/chromium exists for the viewer's browser tests (test/viewer.test.ts) and the
# page benchmark (bench/viewer-page.ts): installs Debian's chromium package when it is missing and
# we are root with apt-get; otherwise says what to do. Idempotent; prints nothing when all is fine.
# Exit status 0 when /usr/bin/chromium is there at the end.
set -uo pipefail

browser=/usr/bin/chromium
say() { echo "ensure-chromium: $*" >&2; }

if [ -x "$browser" ]; then exit 0; fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing chromium (for the viewer's browser tests)"
  if DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq chromium >/dev/null; then
    [ -x "$browser" ] && exit 0
    say "apt-get installed chromium but $browser is not there"
  else
    say "apt-get install chromium failed"
  fi
  exit 1
fi

say "$browser is missing: install Debian's chromium (\`sudo apt-get install -y chromium\`), then run this again. The viewer's browser tests fail without it."
exit 1
