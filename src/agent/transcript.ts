import { appendJsonLine } from '../util/atomic.js';
import type { ToolCall, Usage, StopReason } from '../models/types.js';

export type TranscriptEvent =
  | { type: 'system'; content: string }
  | { type: 'user'; content: string; pushback?: boolean }
  | {
      type: 'assistant';
      step: number;
      text: string;
      toolCalls: ToolCall[];
      usage: Usage;
      stopReason: StopReason;
      latencyMs: number;
      costUsd?: number;
      refusal?: string;
    }
  | {
      type: 'tool_result';
      step: number;
      toolCallId: string;
      tool: string;
      isError: boolean;
      /** What the model was shown. */
      content: string;
      /** For bash: the whole run as kept by the sandbox. */
      exec?: {
        exitCode: number;
        stdout: string;
        stderr: string;
        stdoutBytes: number;
        stderrBytes: number;
        timedOut: boolean;
        oomKilled: boolean;
        outputLimitHit: boolean;
        durationMs: number;
      };
    }
  | { type: 'model_error'; step: number; message: string }
  | { type: 'end'; reason: string; steps: number };

export type TimedEvent = TranscriptEvent & { seq: number; t: number };

/** Appends every event to transcript.jsonl as it happens, so a killed episode keeps what happened. */
export class TranscriptWriter {
  private seq = 0;
  private readonly start = Date.now();
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly path: string | null) {}

  record(event: TranscriptEvent): Promise<void> {
    const timed: TimedEvent = { seq: this.seq++, t: Date.now() - this.start, ...event };
    const path = this.path;
    if (path === null) return Promise.resolve();
    this.chain = this.chain.then(() => appendJsonLine(path, timed));
    return this.chain;
  }
}
