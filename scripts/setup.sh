#!/usr/bin/env bash
# The repository's set-up (`npm run setup`): compile TypeScript, then `ibench setup --browser` —
# Docker (installed and started when we are root on Debian/Ubuntu), the sandbox images (built
# offline when no registry can be reached), the embedded model, and the chromium of the viewer's
# tests. Idempotent and quiet when all is there. An installed package runs `npx ibench setup`.
set -euo pipefail
cd "$(dirname "$0")/.."

printf '\033[36msetup\033[0m %s\n' "build: compiling TypeScript to dist/" >&2
npx tsc -p tsconfig.json

node bin/ibench.js setup --browser
