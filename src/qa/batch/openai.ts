/**
 * OpenAI's Batch API through the official SDK: the requests as a JSONL file uploaded with purpose
 * `batch`, one batch on `/v1/chat/completions` with a 24h window, polled with `batches.retrieve`;
 * the output file and the error file joined on `custom_id`.
 */
import OpenAI, { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { errorMessage, HarnessError } from '../../util/errors.js';
import { fromOpenAICompletion, isOpenAIReasoningModel, openAIClient, toOpenAIMessages } from '../../models/openai.js';
import { batchCostOf } from '../../models/prices.js';
import { openAICompletionSchema, replyErrorLine } from '../../models/reply-schema.js';
import { providerError } from '../../models/sdk-common.js';
import type { ChatMessage } from '../../models/types.js';
import { oneResultEach, type BatchBackend } from './runner.js';
import type { BatchRunnerSettings } from './settings.js';
import type { BatchRequest, BatchResult } from './types.js';

export const OPENAI_BATCH_ENDPOINT = '/v1/chat/completions';
export const OPENAI_COMPLETION_WINDOW = '24h';
/** The Batch API takes at most 50,000 requests and 200 MB in one file. */
export const OPENAI_MAX_BATCH_REQUESTS = 50_000;
export const OPENAI_MAX_BATCH_BYTES = 200 * 1024 * 1024;

const ENDED: ReadonlySet<Batch['status']> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** A line of a batch's output or error file. */
const outputLineSchema = z.object({
  custom_id: z.string(),
  response: z.object({ status_code: z.number(), body: z.unknown() }).passthrough().nullable().optional(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).passthrough().nullable().optional(),
});
type OutputLine = z.infer<typeof outputLineSchema>;

const errorBodySchema = z.object({ error: z.object({ message: z.string() }).passthrough() }).passthrough();

/** The chat-completions body of one batch request (the same choices as OpenAIModel makes for a turn). */
export function openAIBatchBody(model: string, request: BatchRequest): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatMessage[] = [];
  if (request.system !== null) messages.push({ role: 'system', content: request.system });
  for (const m of request.messages) {
    messages.push(m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: m.content, toolCalls: [] });
  }
  const reasoning = isOpenAIReasoningModel(model);
  const body: ChatCompletionCreateParamsNonStreaming = { model, messages: toOpenAIMessages(messages) };
  if (request.maxTokens !== undefined) {
    if (reasoning) body.max_completion_tokens = request.maxTokens;
    else body.max_tokens = request.maxTokens;
  }
  // A reasoning model takes no temperature.
  if (request.temperature !== undefined && !reasoning) body.temperature = request.temperature;
  return body;
}

export class OpenAIBatchBackend implements BatchBackend {
  readonly provider = 'openai' as const;
  readonly modelSpec: string;
  readonly maxRequestsPerBatch = OPENAI_MAX_BATCH_REQUESTS;
  readonly maxBytesPerBatch = OPENAI_MAX_BATCH_BYTES;
  private readonly client: OpenAI;
  /** The last state seen of each batch polled in this process. */
  private readonly seen = new Map<string, Batch>();

  constructor(
    readonly model: string,
    settings: BatchRunnerSettings = {},
  ) {
    this.modelSpec = `openai:${model}`;
    this.client = openAIClient(this.modelSpec, settings);
  }

  checkCustomId(customId: string): string | undefined {
    return customId === '' ? 'an empty custom id' : undefined;
  }

  private line(request: BatchRequest): string {
    return JSON.stringify({ custom_id: request.customId, method: 'POST', url: OPENAI_BATCH_ENDPOINT, body: openAIBatchBody(this.model, request) });
  }

  requestBytes(request: BatchRequest): number {
    return Buffer.byteLength(this.line(request)) + 1;
  }

  async submit(requests: readonly BatchRequest[], signal?: AbortSignal): Promise<string> {
    const jsonl = requests.map((r) => this.line(r)).join('\n');
    const opts = signal === undefined ? {} : { signal };
    try {
      const file = await this.client.files.create(
        { file: await toFile(Buffer.from(`${jsonl}\n`, 'utf8'), 'ibench-batch.jsonl', { type: 'application/jsonl' }), purpose: 'batch' },
        opts,
      );
      const batch = await this.client.batches.create(
        { input_file_id: file.id, endpoint: OPENAI_BATCH_ENDPOINT, completion_window: OPENAI_COMPLETION_WINDOW },
        opts,
      );
      this.seen.set(batch.id, batch);
      return batch.id;
    } catch (err) {
      throw providerError(this.modelSpec, err, signal);
    }
  }

  async poll(batchId: string, signal?: AbortSignal): Promise<{ ended: boolean; detail: string }> {
    let batch: Batch;
    try {
      batch = await this.client.batches.retrieve(batchId, signal === undefined ? {} : { signal });
    } catch (err) {
      throw providerError(this.modelSpec, err, signal);
    }
    this.seen.set(batchId, batch);
    const c = batch.request_counts;
    const counts = c === undefined ? '' : `: ${c.completed} of ${c.total} done, ${c.failed} failed`;
    return { ended: ENDED.has(batch.status), detail: `${batch.status}${counts}` };
  }

  async results(batchId: string, customIds: readonly string[], signal?: AbortSignal): Promise<BatchResult[]> {
    const batch = this.seen.get(batchId) ?? (await this.retrieve(batchId, signal));
    const found = new Map<string, BatchResult>();
    const wanted = new Set(customIds);
    // Output first, then errors: a request answered in the output file keeps that answer.
    for (const fileId of [batch.output_file_id, batch.error_file_id]) {
      if (fileId === undefined || fileId === null || fileId === '') continue;
      for (const line of await this.readLines(fileId, signal)) {
        if (wanted.has(line.custom_id) && !found.has(line.custom_id)) found.set(line.custom_id, this.resultOfLine(line));
      }
    }
    const batchErrors = (batch.errors?.data ?? []).map((e) => e.message ?? e.code ?? '').filter((m) => m !== '');
    return oneResultEach(customIds, found, (customId): BatchResult => {
      switch (batch.status) {
        case 'expired':
          return { customId, status: 'expired', error: 'the batch expired before this request ran' };
        case 'cancelled':
          return { customId, status: 'canceled', error: 'the batch was cancelled' };
        case 'failed':
          return { customId, status: 'errored', error: `the batch failed${batchErrors.length === 0 ? '' : `: ${batchErrors.join('; ')}`}` };
        default:
          return { customId, status: 'errored', error: `batch ${batchId} (${batch.status}) has no line for this request in its output or error file` };
      }
    });
  }

  private async retrieve(batchId: string, signal?: AbortSignal): Promise<Batch> {
    try {
      return await this.client.batches.retrieve(batchId, signal === undefined ? {} : { signal });
    } catch (err) {
      throw providerError(this.modelSpec, err, signal);
    }
  }

  private async readLines(fileId: string, signal?: AbortSignal): Promise<OutputLine[]> {
    let text: string;
    try {
      const response = await this.client.files.content(fileId, signal === undefined ? {} : { signal });
      text = await response.text();
    } catch (err) {
      throw providerError(this.modelSpec, err, signal);
    }
    const lines: OutputLine[] = [];
    text.split('\n').forEach((raw, index) => {
      if (raw.trim() === '') return;
      let data: unknown;
      try {
        data = JSON.parse(raw);
      } catch (err) {
        throw new HarnessError(`${this.modelSpec}: batch file ${fileId}, line ${index + 1}: not JSON (${errorMessage(err)})`);
      }
      const parsed = outputLineSchema.safeParse(data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new HarnessError(`${this.modelSpec}: batch file ${fileId}, line ${index + 1}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
      }
      lines.push(parsed.data);
    });
    return lines;
  }

  private resultOfLine(line: OutputLine): BatchResult {
    const customId = line.custom_id;
    const { response, error } = line;
    if (error !== null && error !== undefined) {
      const message = error.message ?? error.code ?? 'failed';
      if (error.code === 'batch_expired') return { customId, status: 'expired', error: message };
      if (error.code === 'batch_cancelled') return { customId, status: 'canceled', error: message };
      return { customId, status: 'errored', error: error.code ? `${error.code}: ${message}` : message };
    }
    if (response === null || response === undefined) return { customId, status: 'errored', error: 'neither a response nor an error' };
    if (response.status_code !== 200) {
      const body = errorBodySchema.safeParse(response.body);
      return { customId, status: 'errored', error: `HTTP ${response.status_code}${body.success ? `: ${body.data.error.message}` : ''}` };
    }
    const completion = openAICompletionSchema.safeParse(response.body);
    if (!completion.success) return { customId, status: 'errored', error: replyErrorLine(`openai:${this.model}`, response.body, completion.error) };
    const reply = fromOpenAICompletion(this.model, completion.data, [], 0);
    const result: BatchResult = { customId, status: 'succeeded', text: reply.text, usage: reply.usage };
    const cost = batchCostOf(this.model, reply.usage);
    if (cost !== undefined) result.costUsd = cost;
    return result;
  }
}
