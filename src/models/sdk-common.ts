import { HarnessError, errorMessage } from '../util/errors.js';
import type { EnvOptions } from './env.js';
import { logger } from '../util/log.js';

/** What an SDK client is made from: keys and base URL from the environment, retries, timeout. */
export type SdkClientSettings = EnvOptions & {
  /** Overrides OPENAI_BASE_URL / ANTHROPIC_BASE_URL. */
  baseUrl?: string;
  /** The SDK's own retries of one HTTP call. */
  maxRetries?: number;
  /** The SDK's timeout of one HTTP call in milliseconds. */
  timeoutMs?: number;
};

export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_TIMEOUT_MS = 600_000;

/** Routes an SDK's own log lines (retries, request ids) to our logger, tagged with the model spec. */
export function sdkLogger(spec: string): {
  error: (message: string, ...rest: unknown[]) => void;
  warn: (message: string, ...rest: unknown[]) => void;
  info: (message: string, ...rest: unknown[]) => void;
  debug: (message: string, ...rest: unknown[]) => void;
} {
  const line = (message: string): string => `${spec}: ${message}`;
  return {
    error: (message) => logger.warn(line(message)),
    warn: (message) => logger.warn(line(message)),
    // "... failed with status 429 ... retrying, 3 attempts remaining" is an info line of both SDKs.
    info: (message) => (/retrying/.test(message) ? logger.info(line(message)) : logger.debug(line(message))),
    debug: (message) => logger.debug(line(message)),
  };
}

export function checkRetries(value: number | undefined): number {
  const n = value ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(n) || n < 0) throw new HarnessError(`maxRetries must be a whole number >= 0, got ${String(value)}`);
  return n;
}

export function checkTimeout(value: number | undefined): number {
  const n = value ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(n) || n <= 0) throw new HarnessError(`timeoutMs must be a whole number > 0, got ${String(value)}`);
  return n;
}

interface ApiErrorLike {
  status?: number | undefined;
  name: string;
  message: string;
}

/**
 * An SDK failure after its retries, as a one-line HarnessError (the episode is an `error`, not the
 * model's fault). An abort through the caller's signal is passed on untouched.
 */
export function providerError(spec: string, err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted === true) return signal.reason ?? err;
  if (!(err instanceof Error)) return new HarnessError(`${spec}: ${errorMessage(err)}`);
  const e = err as Error & ApiErrorLike;
  const status = typeof e.status === 'number' ? ` (HTTP ${e.status})` : '';
  const hint =
    e.status === 401 || e.status === 403
      ? ': check the API key'
      : e.status === 404
        ? ': check the model name and the base URL'
        : '';
  const message = e.message.split('\n')[0] ?? e.message;
  const out = new HarnessError(`${spec}: ${e.name}${status}: ${message}${hint}`);
  (out as Error & { cause?: unknown }).cause = err;
  return out;
}
