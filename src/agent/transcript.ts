import { z } from 'zod';
import { appendJsonLine } from '../util/atomic.js';
import type { ReasoningBlock, ToolCall, Usage, StopReason } from '../models/types.js';
import type { ProxyRecord } from './proxy/server.js';

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
      /** What the model thought before this reply (thinking, redacted thinking, reasoning_content). */
      reasoning?: ReasoningBlock[];
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
  /** A CLI agent's model call as the proxy answered it (request and reply kept whole). */
  | ({ type: 'model_call'; step: number } & ProxyRecord)
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

const toolCallSchema = z
  .object({ id: z.string(), name: z.string(), arguments: z.unknown(), argumentsError: z.string().optional(), rawArguments: z.string().optional() })
  .passthrough();

const execSchema = z
  .object({
    exitCode: z.number(),
    stdout: z.string(),
    stderr: z.string(),
    stdoutBytes: z.number().optional(),
    stderrBytes: z.number().optional(),
    timedOut: z.boolean().optional(),
    oomKilled: z.boolean().optional(),
    outputLimitHit: z.boolean().optional(),
    durationMs: z.number().optional(),
  })
  .passthrough();

const reasoningBlockSchema = z.union([
  z.object({ type: z.literal('thinking'), text: z.string(), signature: z.string().optional() }).passthrough(),
  z.object({ type: z.literal('redacted_thinking'), data: z.string() }).passthrough(),
]);

/** A transcript event as read back, leniently: unknown keys and types pass. */
export const transcriptEventSchema = z
  .object({
    type: z.string(),
    seq: z.number().optional(),
    t: z.number().optional(),
    step: z.number().optional(),
    content: z.string().optional(),
    pushback: z.boolean().optional(),
    text: z.string().optional(),
    toolCalls: z.array(toolCallSchema).optional(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).passthrough().optional(),
    stopReason: z.string().optional(),
    latencyMs: z.number().optional(),
    refusal: z.string().optional(),
    reasoning: z.array(reasoningBlockSchema).optional(),
    toolCallId: z.string().optional(),
    tool: z.string().optional(),
    isError: z.boolean().optional(),
    exec: execSchema.optional(),
    message: z.string().optional(),
    reason: z.string().optional(),
    steps: z.number().optional(),
  })
  .passthrough();

export type ParsedTranscriptEvent = z.infer<typeof transcriptEventSchema>;

/** Parses one line of transcript.jsonl as read back from disk (the show command and the viewer). */
export function parseTranscriptLine(line: string): { event: ParsedTranscriptEvent } | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return { problem: 'not JSON (cut off by a kill?)' };
  }
  const parsed = transcriptEventSchema.safeParse(data);
  return parsed.success ? { event: parsed.data } : { problem: 'not a transcript event' };
}

const modelCallReplySchema = z
  .object({
    // Each part read on its own: one that does not parse is left out, not the whole reply.
    text: z.string().catch(''),
    toolCalls: z.array(toolCallSchema).catch([]),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).passthrough().optional().catch(undefined),
    stopReason: z.string().optional().catch(undefined),
    reasoning: z.array(reasoningBlockSchema).optional().catch(undefined),
  })
  .passthrough();

const modelCallSchema = z
  .object({
    type: z.literal('model_call'),
    step: z.number().optional(),
    at: z.string().optional(),
    api: z.string().default(''),
    path: z.string().default(''),
    status: z.number().nullable().default(null),
    stream: z.boolean().default(false),
    request: z.unknown(),
    omittedBytes: z.number().optional().catch(undefined),
    reply: modelCallReplySchema.nullable().catch(null),
    error: z.string().nullable().default(null),
    latencyMs: z.number().nullable().default(null),
  })
  .passthrough();

/** A `model_call` event as read back (the proxy's record of one call of a CLI agent), leniently. */
export type ModelCallRead = z.infer<typeof modelCallSchema>;

/** The model call an event records, or null when it is not a (readable) model_call event. */
export function readModelCall(event: ParsedTranscriptEvent): ModelCallRead | null {
  if (event.type !== 'model_call') return null;
  const parsed = modelCallSchema.safeParse(event);
  return parsed.success ? parsed.data : null;
}

/** One line for a model call: api, path, status, latency, tokens, stream, and what the reply did. */
export function modelCallSummary(call: ModelCallRead): string {
  const usage = call.reply?.usage;
  const parts = [
    `${call.api} ${call.path}`.trim(),
    `status ${call.status ?? '?'}`,
    call.latencyMs === null ? null : `${Math.round(call.latencyMs)} ms`,
    usage === undefined ? null : `${usage.inputTokens} in / ${usage.outputTokens} out tokens`,
    call.stream ? 'streamed' : null,
    call.reply === null ? null : call.reply.toolCalls.length > 0 ? `tool calls: ${call.reply.toolCalls.map((c) => c.name).join(', ')}` : null,
    call.error === null ? null : `error: ${call.error}`,
    call.omittedBytes === undefined ? null : `request not kept (${call.omittedBytes} bytes)`,
  ];
  return parts.filter((p): p is string => p !== null && p !== '').join(' · ');
}
