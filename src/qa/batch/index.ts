import { UsageError } from '../../util/errors.js';
import { parseModelSpec } from '../../models/spec.js';
import { AnthropicBatchBackend } from './anthropic.js';
import { OpenAIBatchBackend } from './openai.js';
import { DurableBatchRunner } from './runner.js';
import type { BatchRunnerSettings } from './settings.js';
import type { BatchRunner } from './types.js';

export type { BatchRunnerSettings } from './settings.js';
export type { BatchRequest, BatchResult, BatchRunOptions, BatchRunner, BatchStatus } from './types.js';

/**
 * A batch runner for `openai:<model>` (OpenAI's Batch API, or a compatible endpoint through
 * `baseUrl`) or `anthropic:<model>` (Message Batches). Keys come from the environment or `.env`,
 * as for the chat providers; a missing key is a one-line error naming the variable.
 */
export function createBatchRunner(modelSpec: string, settings: BatchRunnerSettings = {}): BatchRunner {
  const parsed = parseModelSpec(modelSpec);
  switch (parsed.provider) {
    case 'openai':
      return new DurableBatchRunner(new OpenAIBatchBackend(parsed.model, settings));
    case 'anthropic':
      return new DurableBatchRunner(new AnthropicBatchBackend(parsed.model, settings));
    default:
      throw new UsageError(`--batch: ${parsed.spec} has no batch API; --batch takes openai:<model> or anthropic:<model>`);
  }
}
