import type { EnvOptions } from '../../models/env.js';

/** How a batch runner reaches its provider (keys and base URLs as for the chat providers). */
export type BatchRunnerSettings = EnvOptions & {
  /** Overrides OPENAI_BASE_URL / ANTHROPIC_BASE_URL. */
  baseUrl?: string;
  /** The SDK's own retries of one HTTP call (default as for chat models). */
  maxRetries?: number;
  /** The SDK's timeout of one HTTP call in milliseconds. */
  timeoutMs?: number;
};
