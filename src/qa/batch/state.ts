/**
 * The durable record of a batch runner in its state directory:
 *
 *   batches.json             every batch submitted: its id and the requests it holds (custom id →
 *                            hash of the request), written the moment the provider returns the id
 *   results/<batch>.json     the results of a batch that has ended, written once it is downloaded
 *
 * A batch listed without a results file is still live: a rerun polls it and never resubmits its
 * requests. One state directory belongs to one provider and model.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../util/atomic.js';
import { HarnessError, InputError } from '../../util/errors.js';
import { inputErrorFromZod } from '../../util/zod-error.js';
import type { BatchRequest, BatchResult } from './types.js';

export const LEDGER_FILE = 'batches.json';
export const RESULTS_DIR = 'results';

const batchEntrySchema = z
  .object({
    batchId: z.string().min(1),
    submittedAt: z.string(),
    /** custom id → sha256 of the request as submitted */
    requests: z.record(z.string()),
  })
  .strict();

const ledgerSchema = z
  .object({
    version: z.literal(1),
    /** e.g. openai:gpt-4o-mini */
    modelSpec: z.string(),
    batches: z.array(batchEntrySchema),
  })
  .strict();

export type BatchEntry = z.infer<typeof batchEntrySchema>;
export type Ledger = z.infer<typeof ledgerSchema>;

const batchResultSchema = z
  .object({
    customId: z.string(),
    status: z.enum(['succeeded', 'errored', 'canceled', 'expired']),
    text: z.string().optional(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).strict().optional(),
    costUsd: z.number().optional(),
    error: z.string().optional(),
  })
  .strict();

const resultsFileSchema = z.object({ batchId: z.string(), results: z.array(batchResultSchema) }).strict();

/** A stable fingerprint of a request, so that a reused custom id with other content is caught. */
export function requestHash(request: BatchRequest): string {
  const canonical = {
    system: request.system,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    maxTokens: request.maxTokens ?? null,
    temperature: request.temperature ?? null,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** A file name for a provider's batch id (ids are the provider's: never trusted as a path). */
export function resultsFileName(batchId: string): string {
  if (/^[A-Za-z0-9_-]{1,128}$/.test(batchId)) return `${batchId}.json`;
  return `${createHash('sha256').update(batchId).digest('hex')}.json`;
}

async function readJson(path: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HarnessError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(path, '', `not valid JSON: ${(err as Error).message}`);
  }
}

export class BatchLedger {
  private readonly results = new Map<string, Map<string, BatchResult>>();

  private constructor(
    readonly stateDir: string,
    private readonly ledger: Ledger,
  ) {}

  /** Opens the ledger of `stateDir` (an empty one when there is none yet). */
  static async open(stateDir: string, modelSpec: string): Promise<BatchLedger> {
    const path = join(stateDir, LEDGER_FILE);
    const data = await readJson(path);
    if (data === undefined) return new BatchLedger(stateDir, { version: 1, modelSpec, batches: [] });
    const parsed = ledgerSchema.safeParse(data);
    if (!parsed.success) throw inputErrorFromZod(path, parsed.error);
    if (parsed.data.modelSpec !== modelSpec) {
      throw new InputError(path, 'modelSpec', `holds the batches of ${parsed.data.modelSpec}, not ${modelSpec}: use one state directory per model`);
    }
    return new BatchLedger(stateDir, parsed.data);
  }

  get batches(): readonly BatchEntry[] {
    return this.ledger.batches;
  }

  /** The batches that hold `customId`, oldest first. */
  batchesOf(customId: string): BatchEntry[] {
    return this.ledger.batches.filter((b) => Object.hasOwn(b.requests, customId));
  }

  /** Records a batch the provider has just accepted; on disk before this returns. */
  async addBatch(batchId: string, requests: readonly BatchRequest[]): Promise<BatchEntry> {
    if (this.ledger.batches.some((b) => b.batchId === batchId)) throw new HarnessError(`the provider returned batch id ${batchId} twice`);
    const entry: BatchEntry = {
      batchId,
      submittedAt: new Date().toISOString(),
      requests: Object.fromEntries(requests.map((r) => [r.customId, requestHash(r)])),
    };
    this.ledger.batches.push(entry);
    await writeJsonAtomic(join(this.stateDir, LEDGER_FILE), this.ledger);
    return entry;
  }

  private resultsPath(batchId: string): string {
    return join(this.stateDir, RESULTS_DIR, resultsFileName(batchId));
  }

  /** The saved results of an ended batch, or undefined while it is live. */
  async resultsOf(batchId: string): Promise<Map<string, BatchResult> | undefined> {
    const cached = this.results.get(batchId);
    if (cached !== undefined) return cached;
    const path = this.resultsPath(batchId);
    const data = await readJson(path);
    if (data === undefined) return undefined;
    const parsed = resultsFileSchema.safeParse(data);
    if (!parsed.success) throw inputErrorFromZod(path, parsed.error);
    if (parsed.data.batchId !== batchId) throw new InputError(path, 'batchId', `expected ${batchId}, found ${parsed.data.batchId}`);
    const map = new Map(parsed.data.results.map((r) => [r.customId, r]));
    this.results.set(batchId, map);
    return map;
  }

  /** Saves the results of an ended batch: from now on it is not polled or downloaded again. */
  async saveResults(batchId: string, results: readonly BatchResult[]): Promise<void> {
    await writeJsonAtomic(this.resultsPath(batchId), { batchId, results });
    this.results.set(batchId, new Map(results.map((r) => [r.customId, r])));
  }
}
