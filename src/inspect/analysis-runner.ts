/**
 * Runs the inspection's CPU steps in a worker thread under a time budget: the thread that drives
 * every episode of an eval stays free, and a tree built to make them slow is stopped, not waited on.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { projectRoot } from '../util/paths.js';
import { rebuildPristine, type AnalysisInput, type PristineSource, type TreeAnalysis } from './analysis.js';
import type { TreeComparison } from './changes.js';
import type { FileTree } from '../sandbox/file-tree.js';
import type { InspectContext } from './paths.js';
import type { RuleHit } from './types.js';

/** What the worker sends: the comparison as soon as it is known, then the rest. */
export type WorkerMessage =
  | { type: 'comparison'; comparison: TreeComparison }
  | { type: 'done'; diffPatch: string; rules: RuleHit[]; pristine: PristineSource[] };

export const defaultAnalysisBudgetMs = 60_000;

export interface AnalysisOptions {
  /** Wall-clock milliseconds the steps may take before the worker is stopped. */
  budgetMs?: number;
  /** Heap limit of the worker in MB (its own, apart from the host process's). */
  maxHeapMb?: number;
}

export type AnalysisOutcome =
  | { status: 'done'; analysis: TreeAnalysis }
  /** The agent's tree could not be analysed (too slow, too big): the comparison when it got that far. */
  | { status: 'ungradable'; reason: string; comparison?: TreeComparison };

/**
 * The compiled worker: beside this module when running from dist/, else dist/'s copy (tests run
 * the TypeScript sources, which a worker thread cannot load).
 */
function workerFile(): string {
  const here = fileURLToPath(new URL('./analysis-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = join(projectRoot, 'dist', 'src', 'inspect', 'analysis-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`the inspection worker is not built (expected ${built}): run npx tsc -p tsconfig.json`);
}

/** What the worker is sent for one analysis (structured-cloned, as the trees' Buffers are). */
export interface WorkerInput {
  baseline: FileTree;
  final: FileTree;
  protectedGlobs: string[];
  context: InspectContext;
  cutPaths: string[];
  copyComplete: boolean;
  hiddenPaths?: string[];
  instruction?: string;
}

/**
 * The process's one kept worker, its modules loaded, idle (unref'd: it never keeps the process
 * alive) or at an analysis. Analyses take turns on it: starting a thread costs more CPU than most
 * analyses, so one that finds it at work waits for it, up to SHARED_WAIT_MS, and only then gets a
 * thread of its own (so a tree that takes long holds up no other episode for long). A worker is
 * kept only after an analysis that finished; one stopped at its budget, or that failed, is terminated.
 */
let shared: { worker: Worker; maxHeapMb: number | undefined; busy: boolean } | undefined;

/** Analyses waiting for the shared worker, first come first served. */
const waiting: (() => void)[] = [];

/** How long an analysis waits for the shared worker before it starts a thread of its own. */
const SHARED_WAIT_MS = 1000;

function spawnWorker(maxHeapMb: number | undefined): Worker {
  const worker = new Worker(workerFile(), maxHeapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
  // A worker that fails or exits is no longer the shared one (a failure at work is also reported there).
  const drop = (): void => {
    if (shared?.worker === worker) {
      shared = undefined;
      waiting.shift()?.();
    }
  };
  worker.on('error', drop);
  worker.on('exit', drop);
  return worker;
}

/**
 * Starts the worker of the next analysis now, so that loading its modules is not on the way of
 * the inspection (an episode calls it while its agent works). Does nothing when the process has one.
 */
export function warmAnalysisWorker(options: Pick<AnalysisOptions, 'maxHeapMb'> = {}): void {
  if (shared !== undefined) return;
  const worker = spawnWorker(options.maxHeapMb);
  worker.unref();
  shared = { worker, maxHeapMb: options.maxHeapMb, busy: false };
}

/** The thread id of the worker the process keeps for its analyses, if any (tests). */
export function spareAnalysisWorker(): number | undefined {
  return shared?.worker.threadId;
}

/** The shared worker when it is free within SHARED_WAIT_MS (or there is none yet), else a thread of its own. */
async function takeWorker(maxHeapMb: number | undefined): Promise<Worker> {
  const deadline = Date.now() + SHARED_WAIT_MS;
  while (shared !== undefined && shared.busy && shared.maxHeapMb === maxHeapMb && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        const at = waiting.indexOf(wake);
        if (at >= 0) waiting.splice(at, 1);
        resolve();
      }, deadline - Date.now());
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      waiting.push(wake);
    });
  }
  if (shared === undefined) {
    const worker = spawnWorker(maxHeapMb);
    shared = { worker, maxHeapMb, busy: true };
    return worker;
  }
  if (!shared.busy && shared.maxHeapMb === maxHeapMb) {
    shared.busy = true;
    shared.worker.ref();
    return shared.worker;
  }
  return spawnWorker(maxHeapMb);
}

/** After an analysis: a worker that finished is kept (when the process keeps none), any other is stopped. */
function releaseWorker(worker: Worker, finished: boolean, maxHeapMb: number | undefined): void {
  if (shared?.worker === worker) {
    if (finished) {
      shared.busy = false;
      worker.unref();
    } else {
      shared = undefined;
      void worker.terminate();
    }
    waiting.shift()?.();
    return;
  }
  if (finished && shared === undefined) {
    worker.unref();
    shared = { worker, maxHeapMb, busy: false };
    waiting.shift()?.();
    return;
  }
  void worker.terminate();
}

export function analyseInWorker(input: AnalysisInput, options: AnalysisOptions = {}): Promise<AnalysisOutcome> {
  const budgetMs = options.budgetMs ?? defaultAnalysisBudgetMs;
  return takeWorker(options.maxHeapMb).then((worker) => analyseOn(worker, input, budgetMs, options.maxHeapMb));
}

function analyseOn(worker: Worker, input: AnalysisInput, budgetMs: number, maxHeapMb: number | undefined): Promise<AnalysisOutcome> {
  return new Promise((resolve, reject) => {
    let comparison: TreeComparison | undefined;
    let settled = false;
    const data: WorkerInput = {
      baseline: input.baseline,
      final: input.final,
      protectedGlobs: [...input.protectedGlobs],
      context: input.context ?? {},
      cutPaths: [...(input.cutPaths ?? [])],
      copyComplete: input.copyComplete ?? true,
      ...(input.hiddenPaths === undefined ? {} : { hiddenPaths: [...input.hiddenPaths] }),
      ...(input.instruction === undefined ? {} : { instruction: input.instruction }),
    };
    const finish = (outcome: AnalysisOutcome | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      // Only a worker that finished its analysis is kept; any other is stopped where it is.
      releaseWorker(worker, !(outcome instanceof Error) && outcome.status === 'done', maxHeapMb);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const ungradable = (reason: string): AnalysisOutcome => ({ status: 'ungradable', reason, ...(comparison === undefined ? {} : { comparison }) });
    const timer = setTimeout(() => {
      const budget = budgetMs >= 1000 ? `${Math.round(budgetMs / 1000)} s` : `${budgetMs} ms`;
      finish(ungradable(`inspecting the agent's tree took longer than ${budget} (its CPU steps were stopped)`));
    }, budgetMs);
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'comparison') {
        comparison = message.comparison;
        return;
      }
      if (comparison === undefined) {
        finish(new Error('inspection worker: the result came before the comparison'));
        return;
      }
      try {
        const pristine = rebuildPristine(message.pristine, input);
        finish({ status: 'done', analysis: { comparison, diffPatch: message.diffPatch, rules: message.rules, pristine } });
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const onError = (err: Error & { code?: string }): void => {
      // Out of memory on the agent's tree is the tree's doing; any other failure is the harness's.
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') finish(ungradable(`inspecting the agent's tree ran out of memory (${err.message})`));
      else finish(new Error(`inspection worker failed: ${err.message}`));
    };
    const onExit = (code: number): void => {
      if (!settled) finish(new Error(`inspection worker exited (code ${code}) before it finished`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(data);
  });
}
