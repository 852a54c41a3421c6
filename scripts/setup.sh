#!/usr/bin/env bash
# Everything Impossible Bench needs on this machine, idempotent and quiet when all is there:
# Docker (installed and started when we are root on Debian/Ubuntu), the compiled CLI, the sandbox
# images of every profile in sandboxes/ (python, node; built offline when no registry can be reached)
# and the embedded model.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[36msetup\033[0m %s\n' "$*" >&2; }

step "docker: checking the daemon"
bash scripts/ensure-docker.sh

step "chromium: the browser of the viewer's tests"
bash scripts/ensure-chromium.sh

step "build: compiling TypeScript to dist/"
npx tsc -p tsconfig.json

step "images: building sandbox images that are missing or out of date"
node bin/ibench.js images build

step "model: fetching the embedded model (SmolLM2-135M-Instruct)"
bash scripts/fetch-model.sh

step "ready: try \`npx ibench run\` (an episode with the embedded model) or \`npm test\`"
