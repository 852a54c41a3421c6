/** One request of a batch: a whole conversation for one model call. */
export interface BatchRequest {
  customId: string;
  /** The system prompt, or null for none. */
  system: string | null;
  messages: { role: 'user' | 'assistant'; content: string }[];
  maxTokens?: number;
  temperature?: number;
}

export type BatchStatus = 'succeeded' | 'errored' | 'canceled' | 'expired';

export interface BatchResult {
  customId: string;
  status: BatchStatus;
  /** The reply's text when status is succeeded. */
  text?: string;
  usage?: { inputTokens: number; outputTokens: number };
  /** At the batch price. */
  costUsd?: number;
  /** Why the request failed, when it did. */
  error?: string;
}

export interface BatchRunOptions {
  /** Where batch ids and state are written the moment they exist (resume polls, never resubmits). */
  stateDir: string;
  pollIntervalMs?: number;
  /** Failed or expired requests are resubmitted up to this many times (default 2). */
  retries?: number;
  signal?: AbortSignal;
  onEvent?: (event: { type: 'submitted' | 'polled' | 'completed' | 'retrying'; batchId: string; detail: string }) => void;
}

export interface BatchRunner {
  readonly provider: 'openai' | 'anthropic';
  /** Runs every request to a final result; returns one result per customId. */
  run(requests: readonly BatchRequest[], options: BatchRunOptions): Promise<Map<string, BatchResult>>;
}
