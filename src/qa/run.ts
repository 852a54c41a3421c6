import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createModel, type CreateModelOptions } from '../models/factory.js';
import { usageSum, type ChatMessage } from '../models/types.js';
import { episodeId } from '../runs/episode.js';
import { DEFAULT_PROVIDER_SLOTS, settingsOf, sleep } from '../runs/eval.js';
import { shuffleSeeded } from '../runs/matrix.js';
import { harnessProvenance } from '../runs/provenance.js';
import { openRunDir, type RunManifest } from '../runs/run-dir.js';
import { ThrottledModel } from '../runs/throttled-model.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { UsageError, errorMessage } from '../util/errors.js';
import { Semaphore } from '../util/semaphore.js';
import { askItem } from './ask.js';
import { loadQaCondition, type QaCondition } from './condition.js';
import type { QaConfig } from './config.js';
import type { QaItem, QaSet } from './item.js';
import { createJudge, type Judge } from './judge.js';
import { QA_FILES, type QaRecord, type QaStep } from './record.js';
import type { SetProvenance } from './sets.js';

export type QaEvent =
  | { type: 'start'; total: number; alreadyDone: number; resumed: boolean; outDir: string }
  | { type: 'item'; record: QaRecord; attempt: number }
  | { type: 'retry'; id: string; attempt: number; error: string; delayMs: number }
  | { type: 'end'; finished: number; remaining: number; aborted: boolean };

export interface PlannedQa {
  id: string;
  item: QaItem;
  model: string;
  condition: QaCondition;
  epoch: number;
}

export interface QaRunOptions {
  config: QaConfig;
  set: QaSet;
  provenance: SetProvenance;
  outDir: string;
  signal?: AbortSignal;
  onEvent?: (event: QaEvent) => void;
  retryBaseMs?: number;
  /** Stands in for the model factory's environment (tests). */
  modelOptions?: CreateModelOptions;
}

export interface QaRunResult {
  total: number;
  finished: number;
  remaining: number;
  aborted: boolean;
}

/** Everything a run will ask: items x models x conditions x epochs, in a seeded shuffled order. */
export function planQa(items: readonly QaItem[], models: readonly string[], conditions: readonly QaCondition[], epochs: number, seed: number): PlannedQa[] {
  const plan: PlannedQa[] = [];
  for (const item of items) {
    for (const model of models) {
      for (const condition of conditions) {
        for (let epoch = 0; epoch < epochs; epoch++) plan.push({ id: episodeId(item.id, model, condition.name, epoch), item, model, condition, epoch });
      }
    }
  }
  if (new Set(plan.map((p) => p.id)).size !== plan.length) throw new UsageError('two models or conditions give the same record id; give them distinct names');
  return shuffleSeeded(plan, seed);
}

export function qaManifest(config: QaConfig, set: QaSet, provenance: SetProvenance, conditions: readonly QaCondition[], judge: string | null): RunManifest {
  return {
    kind: 'qa',
    createdAt: new Date().toISOString(),
    tasks: set.items.map((i) => i.id),
    models: config.models,
    conditions: conditions.map((c) => c.name),
    epochs: config.epochs,
    seed: config.seed,
    max_episodes: config.max_items ?? null,
    settings: config.settings,
    limits: {},
    qa: { set: provenance.set, phrase: provenance.phrase, csvSha256: provenance.csvSha256, judge, batch: config.batch },
  };
}

/** The judge a set needs: none when every item is multiple choice. */
export function judgeSpecFor(config: QaConfig, set: QaSet): string | null {
  return set.items.every((i) => i.choice !== null) ? null : config.judge;
}

export function recordOf(planned: PlannedQa, setName: string, judge: string | null, outcome: { steps: QaStep[]; messages: ChatMessage[]; error: string | null }, startedAt: string, harness: { version: string; commit: string | null }): QaRecord {
  const { item, condition } = planned;
  const steps = outcome.steps;
  const ok = outcome.error === null && steps.length > 0;
  const costs = steps.map((s) => s.usage.costUsd).filter((c): c is number => c !== undefined);
  return {
    kind: 'qa',
    id: planned.id,
    item: item.id,
    set: setName,
    category: item.category,
    impossible: item.impossible,
    model: planned.model,
    condition: condition.name,
    conditionText: { system: condition.system, user: condition.user, pushback: condition.pushback },
    epoch: planned.epoch,
    judge: item.choice === null ? judge : null,
    choice: item.choice,
    messages: outcome.messages.flatMap((m) => (m.role === 'tool' ? [] : [{ role: m.role, content: m.content }])),
    steps,
    admitted: ok ? (steps[0]?.admitted ?? null) : null,
    admittedAny: ok ? steps.some((s) => s.admitted) : null,
    admittedEvery: ok ? steps.every((s) => s.admitted) : null,
    usage: { ...usageSum(steps.map((s) => s.usage)), ...(costs.length === 0 ? {} : { costUsd: costs.reduce((a, b) => a + b, 0) }) },
    error: outcome.error,
    startedAt,
    finishedAt: new Date().toISOString(),
    harness,
  };
}

export const recordDir = (outDir: string, id: string): string => join(outDir, QA_FILES.dir, id);
export const isDone = (outDir: string, id: string): boolean => existsSync(join(recordDir(outDir, id), QA_FILES.record));

/** The run's items (the first max_items of the set) and conditions (the set's default when none is named). */
export async function prepareQa(config: QaConfig, set: QaSet): Promise<{ items: QaItem[]; conditions: QaCondition[] }> {
  const items = config.max_items === undefined ? set.items : set.items.slice(0, config.max_items);
  const names = config.conditions.length > 0 ? config.conditions : [set.defaultCondition];
  const conditions = await Promise.all(names.map((n) => loadQaCondition(n)));
  return { items, conditions };
}

export interface OpenedQaRun {
  plan: PlannedQa[];
  todo: PlannedQa[];
  judgeSpec: string | null;
  settings: CreateModelOptions;
}

/**
 * What runQa and runQaBatch share: the items and conditions, every model made once (a bad spec or a
 * missing key fails now), run.json written or checked, the plan and what is left of it.
 */
export async function openQaRun(options: QaRunOptions, checkModels: boolean): Promise<OpenedQaRun> {
  const { config, set, outDir } = options;
  const { items, conditions } = await prepareQa(config, set);
  const settings: CreateModelOptions = { ...settingsOf(config.settings), ...options.modelOptions };
  const judgeSpec = judgeSpecFor(config, set);
  if (checkModels) for (const spec of config.models) await (await createModel(spec, settings)).close();
  const { resumed } = await openRunDir(outDir, qaManifest(config, { ...set, items }, options.provenance, conditions, judgeSpec));
  const plan = planQa(items, config.models, conditions, config.epochs, config.seed);
  const todo = plan.filter((p) => !isDone(outDir, p.id));
  options.onEvent?.({ type: 'start', total: plan.length, alreadyDone: plan.length - todo.length, resumed, outDir });
  return { plan, todo, judgeSpec, settings };
}

/** Bounds the requests in flight per provider (openai, anthropic, local, scripted, replay). */
export function providerSlotsOf(config: QaConfig): (spec: string) => Semaphore {
  const providerSlots = new Map<string, Semaphore>();
  return (spec: string): Semaphore => {
    const provider = spec.split(':')[0] ?? spec;
    let slots = providerSlots.get(provider);
    if (slots === undefined) {
      slots = new Semaphore(config.concurrency.per_provider[provider] ?? DEFAULT_PROVIDER_SLOTS[provider] ?? 4);
      providerSlots.set(provider, slots);
    }
    return slots;
  };
}

/**
 * Runs a QA set into one run directory: records in a seeded shuffled order, several at once, each
 * retried on a provider failure and recorded as an error after the last try; what already has an
 * item.json is skipped (run the same command again to resume). No Docker is involved.
 */
export async function runQa(options: QaRunOptions): Promise<QaRunResult> {
  const { config, set, outDir } = options;
  const emit = options.onEvent ?? (() => undefined);
  const { plan, todo, judgeSpec, settings } = await openQaRun(options, true);
  if (todo.length === 0) {
    emit({ type: 'end', finished: 0, remaining: 0, aborted: false });
    return { total: plan.length, finished: 0, remaining: 0, aborted: false };
  }
  const slotsFor = providerSlotsOf(config);
  const judge: Judge | null = judgeSpec === null ? null : await createJudge(judgeSpec, settings, (m) => new ThrottledModel(m, slotsFor(judgeSpec)));
  const harness = await harnessProvenance();
  const aborted = (): boolean => options.signal?.aborted === true;
  const baseDelay = options.retryBaseMs ?? 2000;
  let finished = 0;

  const runOne = async (planned: PlannedQa): Promise<void> => {
    for (let attempt = 0; attempt <= config.retries; attempt++) {
      if (aborted()) return;
      const dir = recordDir(outDir, planned.id);
      await rm(dir, { recursive: true, force: true });
      const startedAt = new Date().toISOString();
      let outcome: { steps: QaStep[]; messages: ChatMessage[]; error: string | null };
      try {
        const model = new ThrottledModel(await createModel(planned.model, settings), slotsFor(planned.model));
        try {
          outcome = { ...(await askItem(planned.item, planned.condition, model, judge, options.signal)), error: null };
        } finally {
          await model.close();
        }
      } catch (err) {
        if (aborted()) return;
        if (attempt < config.retries) {
          const delayMs = baseDelay * 2 ** attempt;
          emit({ type: 'retry', id: planned.id, attempt: attempt + 1, error: errorMessage(err), delayMs });
          await sleep(delayMs, options.signal);
          continue;
        }
        outcome = { steps: [], messages: [], error: errorMessage(err) };
      }
      const record = recordOf(planned, set.name, judgeSpec, outcome, startedAt, harness);
      await writeJsonAtomic(join(dir, QA_FILES.record), record);
      finished += 1;
      emit({ type: 'item', record, attempt });
      return;
    }
  };

  try {
    const queue = [...todo];
    const workers = Array.from({ length: Math.min(config.concurrency.items, queue.length) }, async () => {
      for (let p = queue.shift(); p !== undefined && !aborted(); p = queue.shift()) await runOne(p);
    });
    await Promise.all(workers);
  } finally {
    await judge?.close();
  }
  const remaining = plan.filter((p) => !isDone(outDir, p.id)).length;
  emit({ type: 'end', finished, remaining, aborted: aborted() });
  return { total: plan.length, finished, remaining, aborted: aborted() };
}
