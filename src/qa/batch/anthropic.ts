/**
 * Anthropic's Message Batches through the official SDK: `messages.batches.create` with
 * `requests[{custom_id, params}]` (the system prompt as the top-level `system` parameter), polled
 * on `processing_status`, results read from the SDK's results stream.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { z } from 'zod';
import { HarnessError } from '../../util/errors.js';
import { anthropicClient, DEFAULT_ANTHROPIC_MAX_TOKENS, fromAnthropicMessage, toAnthropicMessages } from '../../models/anthropic.js';
import { batchCostOf } from '../../models/prices.js';
import { anthropicMessageSchema, replyErrorLine } from '../../models/reply-schema.js';
import { providerError } from '../../models/sdk-common.js';
import type { ChatMessage } from '../../models/types.js';
import { oneResultEach, type BatchBackend } from './runner.js';
import type { BatchRunnerSettings } from './settings.js';
import type { BatchRequest, BatchResult } from './types.js';

/** Message Batches take at most 100,000 requests and 256 MB in one batch. */
export const ANTHROPIC_MAX_BATCH_REQUESTS = 100_000;
/** A little under 256 MB, for the envelope around the requests. */
export const ANTHROPIC_MAX_BATCH_BYTES = 255 * 1024 * 1024;
/** What the Message Batches API accepts as a custom id. */
export const ANTHROPIC_CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** A line of the results stream (the SDK parses the JSON but checks nothing). */
const resultLineSchema = z.object({
  custom_id: z.string(),
  result: z.discriminatedUnion('type', [
    z.object({ type: z.literal('succeeded'), message: z.object({ content: z.array(z.unknown()), usage: z.object({}).passthrough() }).passthrough() }),
    z.object({
      type: z.literal('errored'),
      error: z.object({ error: z.object({ type: z.string(), message: z.string() }).passthrough() }).passthrough(),
    }),
    z.object({ type: z.literal('canceled') }),
    z.object({ type: z.literal('expired') }),
  ]),
});

/** The Messages API params of one batch request (the same choices as AnthropicModel makes for a turn). */
export function anthropicBatchParams(model: string, request: BatchRequest): MessageCreateParamsNonStreaming {
  const chat: ChatMessage[] = request.messages.map((m) =>
    m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: m.content, toolCalls: [] },
  );
  const { messages } = toAnthropicMessages(chat, { native: false });
  if (messages.length === 0) throw new HarnessError(`batch request ${JSON.stringify(request.customId)}: no user or assistant message with text`);
  const params: MessageCreateParamsNonStreaming = {
    model,
    max_tokens: request.maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    messages,
  };
  if (request.system !== null) params.system = request.system;
  if (request.temperature !== undefined) params.temperature = request.temperature;
  return params;
}

export class AnthropicBatchBackend implements BatchBackend {
  readonly provider = 'anthropic' as const;
  readonly modelSpec: string;
  readonly maxRequestsPerBatch = ANTHROPIC_MAX_BATCH_REQUESTS;
  readonly maxBytesPerBatch = ANTHROPIC_MAX_BATCH_BYTES;
  private readonly client: Anthropic;

  constructor(
    readonly model: string,
    settings: BatchRunnerSettings = {},
  ) {
    this.modelSpec = `anthropic:${model}`;
    this.client = anthropicClient(this.modelSpec, settings);
  }

  checkCustomId(customId: string): string | undefined {
    return ANTHROPIC_CUSTOM_ID.test(customId) ? undefined : 'Anthropic takes custom ids of 1 to 64 letters, digits, "_" and "-"';
  }

  requestBytes(request: BatchRequest): number {
    // The request as it travels, plus its comma in the array.
    return Buffer.byteLength(JSON.stringify({ custom_id: request.customId, params: anthropicBatchParams(this.model, request) })) + 1;
  }

  async submit(requests: readonly BatchRequest[], signal?: AbortSignal): Promise<string> {
    const body = { requests: requests.map((r) => ({ custom_id: r.customId, params: anthropicBatchParams(this.model, r) })) };
    try {
      const batch = await this.client.messages.batches.create(body, signal === undefined ? {} : { signal });
      return batch.id;
    } catch (err) {
      throw providerError(this.modelSpec, err, signal);
    }
  }

  async poll(batchId: string, signal?: AbortSignal): Promise<{ ended: boolean; detail: string }> {
    let batch: MessageBatch;
    try {
      batch = await this.client.messages.batches.retrieve(batchId, {}, signal === undefined ? {} : { signal });
    } catch (err) {
      throw providerError(this.modelSpec, err, signal);
    }
    const c = batch.request_counts;
    const detail = `${batch.processing_status}: ${c.processing} processing, ${c.succeeded} succeeded, ${c.errored} errored, ${c.canceled} canceled, ${c.expired} expired`;
    return { ended: batch.processing_status === 'ended', detail };
  }

  async results(batchId: string, customIds: readonly string[], signal?: AbortSignal): Promise<BatchResult[]> {
    const wanted = new Set(customIds);
    const found = new Map<string, BatchResult>();
    let lineNo = 0;
    try {
      const stream = await this.client.messages.batches.results(batchId, {}, signal === undefined ? {} : { signal });
      for await (const raw of stream) {
        lineNo += 1;
        const parsed = resultLineSchema.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new HarnessError(`${this.modelSpec}: results of batch ${batchId}, line ${lineNo}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
        }
        const line = parsed.data;
        if (wanted.has(line.custom_id)) found.set(line.custom_id, this.resultOfLine(line.custom_id, line.result, raw));
      }
    } catch (err) {
      if (err instanceof HarnessError) throw err;
      throw providerError(this.modelSpec, err, signal);
    }
    return oneResultEach(customIds, found, (customId) => ({
      customId,
      status: 'errored',
      error: `the results of batch ${batchId} have no line for this request`,
    }));
  }

  private resultOfLine(customId: string, result: z.infer<typeof resultLineSchema>['result'], raw: unknown): BatchResult {
    switch (result.type) {
      case 'succeeded': {
        const body = (raw as { result: { message: unknown } }).result.message;
        const message = anthropicMessageSchema.safeParse(body);
        if (!message.success) return { customId, status: 'errored', error: replyErrorLine(`anthropic:${this.model}`, body, message.error) };
        const reply = fromAnthropicMessage(this.model, message.data, [], { native: false }, 0);
        const out: BatchResult = { customId, status: 'succeeded', text: reply.text, usage: reply.usage };
        const cost = batchCostOf(this.model, reply.usage);
        if (cost !== undefined) out.costUsd = cost;
        return out;
      }
      case 'errored':
        return { customId, status: 'errored', error: `${result.error.error.type}: ${result.error.error.message}` };
      case 'canceled':
        return { customId, status: 'canceled', error: 'the batch was canceled before this request ran' };
      case 'expired':
        return { customId, status: 'expired', error: 'the batch expired before this request ran' };
    }
  }
}
