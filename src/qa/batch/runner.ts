/**
 * The provider-neutral half of a batch run: what to submit, what to poll, when to retry, and the
 * durable record that makes a killed run resumable without submitting anything twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from '../../util/errors.js';
import { BatchLedger, requestHash } from './state.js';
import type { BatchRequest, BatchResult, BatchRunOptions, BatchRunner } from './types.js';

export const DEFAULT_POLL_INTERVAL_MS = 30_000;
export const DEFAULT_BATCH_RETRIES = 2;

/** What one provider's batch API has to offer the runner. */
export interface BatchBackend {
  readonly provider: 'openai' | 'anthropic';
  /** e.g. openai:gpt-4o-mini */
  readonly modelSpec: string;
  /** The most requests one batch may hold. */
  readonly maxRequestsPerBatch: number;
  /** The most bytes of requests one batch may hold. */
  readonly maxBytesPerBatch: number;
  /** How many bytes a request takes in a batch. */
  requestBytes(request: BatchRequest): number;
  /** Why a custom id is refused by this provider, or undefined when it is fine. */
  checkCustomId(customId: string): string | undefined;
  /** Submits the requests as one batch; returns its id. */
  submit(requests: readonly BatchRequest[], signal?: AbortSignal): Promise<string>;
  /** One look at a batch: whether it has ended, and a line saying how far it is. */
  poll(batchId: string, signal?: AbortSignal): Promise<{ ended: boolean; detail: string }>;
  /** The results of an ended batch: exactly one for each of `customIds`. */
  results(batchId: string, customIds: readonly string[], signal?: AbortSignal): Promise<BatchResult[]>;
}

function checkRequests(requests: readonly BatchRequest[], backend: BatchBackend): void {
  const seen = new Set<string>();
  for (const r of requests) {
    if (seen.has(r.customId)) throw new HarnessError(`batch request ${JSON.stringify(r.customId)} appears twice: custom ids must be unique`);
    seen.add(r.customId);
    const problem = backend.checkCustomId(r.customId);
    if (problem !== undefined) throw new HarnessError(`batch request ${JSON.stringify(r.customId)}: ${problem}`);
    if (r.messages.length === 0) throw new HarnessError(`batch request ${JSON.stringify(r.customId)}: no messages`);
  }
}

function checkRetries(value: number | undefined): number {
  const n = value ?? DEFAULT_BATCH_RETRIES;
  if (!Number.isInteger(n) || n < 0) throw new HarnessError(`batch retries must be a whole number >= 0, got ${String(value)}`);
  return n;
}

function checkPollInterval(value: number | undefined): number {
  const n = value ?? DEFAULT_POLL_INTERVAL_MS;
  if (!Number.isFinite(n) || n < 0) throw new HarnessError(`batch poll interval must be a number of milliseconds >= 0, got ${String(value)}`);
  return n;
}

/** Waits between polls; an abort rejects with the signal's reason, as the SDK calls do. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal === undefined ? {} : { signal });
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason;
    throw err;
  }
}

/**
 * Splits requests into batches of at most `maxCount` requests and `maxBytes` bytes, in order.
 * A request too large for any batch is an error naming it.
 */
export function batchGroups(requests: readonly BatchRequest[], bytesOf: (r: BatchRequest) => number, maxCount: number, maxBytes: number): BatchRequest[][] {
  const groups: BatchRequest[][] = [];
  let current: BatchRequest[] = [];
  let bytes = 0;
  for (const r of requests) {
    const size = bytesOf(r);
    if (size > maxBytes) throw new HarnessError(`batch request ${JSON.stringify(r.customId)} takes ${size} bytes, more than a batch may hold (${maxBytes})`);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

export class DurableBatchRunner implements BatchRunner {
  readonly provider: 'openai' | 'anthropic';

  constructor(private readonly backend: BatchBackend) {
    this.provider = backend.provider;
  }

  async run(requests: readonly BatchRequest[], options: BatchRunOptions): Promise<Map<string, BatchResult>> {
    checkRequests(requests, this.backend);
    const maxAttempts = checkRetries(options.retries) + 1;
    const pollIntervalMs = checkPollInterval(options.pollIntervalMs);
    const { signal, onEvent } = options;
    const ledger = await BatchLedger.open(options.stateDir, this.backend.modelSpec);

    for (const r of requests) {
      const hash = requestHash(r);
      for (const b of ledger.batchesOf(r.customId)) {
        if (b.requests[r.customId] !== hash) {
          throw new HarnessError(
            `batch request ${JSON.stringify(r.customId)} differs from the one submitted in batch ${b.batchId} (state in ${options.stateDir}): a custom id names one request`,
          );
        }
      }
    }

    const final = new Map<string, BatchResult>();
    for (;;) {
      signal?.throwIfAborted();
      const toSubmit: BatchRequest[] = [];
      const live = new Set<string>();
      for (const r of requests) {
        if (final.has(r.customId)) continue;
        const held = ledger.batchesOf(r.customId);
        const last = held[held.length - 1];
        if (last === undefined) {
          toSubmit.push(r);
          continue;
        }
        const results = await ledger.resultsOf(last.batchId);
        if (results === undefined) {
          live.add(last.batchId);
          continue;
        }
        const result = results.get(r.customId);
        if (result === undefined) throw new HarnessError(`the saved results of batch ${last.batchId} have no line for ${r.customId}`);
        if (result.status === 'succeeded' || held.length >= maxAttempts) {
          final.set(r.customId, result);
          continue;
        }
        onEvent?.({ type: 'retrying', batchId: last.batchId, detail: `${r.customId}: ${result.status}${result.error === undefined ? '' : ` (${result.error})`}; attempt ${held.length + 1} of ${maxAttempts}` });
        toSubmit.push(r);
      }
      if (toSubmit.length === 0 && live.size === 0) break;

      const b = this.backend;
      for (const group of batchGroups(toSubmit, (r) => b.requestBytes(r), b.maxRequestsPerBatch, b.maxBytesPerBatch)) {
        const batchId = await this.backend.submit(group, signal);
        await ledger.addBatch(batchId, group);
        live.add(batchId);
        onEvent?.({ type: 'submitted', batchId, detail: `${group.length} request(s)` });
      }
      await this.pollUntilEnded(ledger, live, pollIntervalMs, options);
    }
    return new Map(requests.map((r) => [r.customId, final.get(r.customId) as BatchResult]));
  }

  private async pollUntilEnded(ledger: BatchLedger, live: Set<string>, pollIntervalMs: number, options: BatchRunOptions): Promise<void> {
    const { signal, onEvent } = options;
    while (live.size > 0) {
      for (const batchId of [...live]) {
        const { ended, detail } = await this.backend.poll(batchId, signal);
        onEvent?.({ type: 'polled', batchId, detail });
        if (!ended) continue;
        const entry = ledger.batches.find((b) => b.batchId === batchId);
        if (entry === undefined) throw new HarnessError(`batch ${batchId} is not in the state of ${ledger.stateDir}`);
        const customIds = Object.keys(entry.requests);
        const results = await this.backend.results(batchId, customIds, signal);
        await ledger.saveResults(batchId, results);
        live.delete(batchId);
        const succeeded = results.filter((r) => r.status === 'succeeded').length;
        onEvent?.({ type: 'completed', batchId, detail: `${succeeded} of ${results.length} succeeded` });
      }
      if (live.size > 0) await pause(pollIntervalMs, signal);
    }
  }
}

/**
 * One result for each custom id, in their order: the provider's line where it sent one, else what
 * the batch's final state says of a request it never answered. Lines for ids not asked are dropped.
 */
export function oneResultEach(customIds: readonly string[], found: ReadonlyMap<string, BatchResult>, unanswered: (customId: string) => BatchResult): BatchResult[] {
  return customIds.map((id) => found.get(id) ?? unanswered(id));
}
