/**
 * The durable record of a batch runner in its state directory:
 *
 *   batches/<batch>.json     one per batch submitted: its id and the requests it holds (custom id →
 *                            hash of the request), written the moment the provider returns the id
 *   results/<batch>.json     the results of a batch that has ended, written once it is downloaded
 *
 * A batch without a results file is still live: a rerun polls it and never resubmits its requests.
 * One file per batch, so that several runners (one per condition, say) may share a directory.
 * One state directory belongs to one provider and model.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../util/atomic.js';
import { HarnessError, InputError } from '../../util/errors.js';
import { inputErrorFromZod } from '../../util/zod-error.js';
import type { BatchRequest, BatchResult } from './types.js';

export const BATCHES_DIR = 'batches';
export const RESULTS_DIR = 'results';

const batchEntrySchema = z
  .object({
    version: z.literal(1),
    /** e.g. openai:gpt-4o-mini */
    modelSpec: z.string(),
    batchId: z.string().min(1),
    submittedAt: z.string().datetime(),
    /** custom id → sha256 of the request as submitted */
    requests: z.record(z.string()),
  })
  .strict();

export type BatchEntry = z.infer<typeof batchEntrySchema>;

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
export function batchFileName(batchId: string): string {
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
    readonly modelSpec: string,
    private readonly entries: BatchEntry[],
  ) {}

  /** Opens the state of `stateDir` (empty when there is none yet). */
  static async open(stateDir: string, modelSpec: string): Promise<BatchLedger> {
    const dir = join(stateDir, BATCHES_DIR);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new HarnessError(`cannot read ${dir}: ${(err as Error).message}`);
      names = [];
    }
    const entries: BatchEntry[] = [];
    for (const name of names) {
      const path = join(dir, name);
      const parsed = batchEntrySchema.safeParse(await readJson(path));
      if (!parsed.success) throw inputErrorFromZod(path, parsed.error);
      if (parsed.data.modelSpec !== modelSpec) {
        throw new InputError(path, 'modelSpec', `holds a batch of ${parsed.data.modelSpec}, not ${modelSpec}: use one state directory per model`);
      }
      if (name !== batchFileName(parsed.data.batchId)) throw new InputError(path, 'batchId', `${parsed.data.batchId} does not belong in a file named ${name}`);
      entries.push(parsed.data);
    }
    // Oldest first: a retry is always submitted after the batch it retries has ended.
    entries.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
    return new BatchLedger(stateDir, modelSpec, entries);
  }

  get batches(): readonly BatchEntry[] {
    return this.entries;
  }

  /** The batches that hold `customId`, oldest first. */
  batchesOf(customId: string): BatchEntry[] {
    return this.entries.filter((b) => Object.hasOwn(b.requests, customId));
  }

  /** Records a batch the provider has just accepted; on disk before this returns. */
  async addBatch(batchId: string, requests: readonly BatchRequest[]): Promise<BatchEntry> {
    if (this.entries.some((b) => b.batchId === batchId)) throw new HarnessError(`the provider returned batch id ${batchId} twice`);
    const entry: BatchEntry = {
      version: 1,
      modelSpec: this.modelSpec,
      batchId,
      submittedAt: new Date().toISOString(),
      requests: Object.fromEntries(requests.map((r) => [r.customId, requestHash(r)])),
    };
    await writeJsonAtomic(join(this.stateDir, BATCHES_DIR, batchFileName(batchId)), entry);
    this.entries.push(entry);
    return entry;
  }

  private resultsPath(batchId: string): string {
    return join(this.stateDir, RESULTS_DIR, batchFileName(batchId));
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
