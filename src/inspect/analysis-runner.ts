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

export function analyseInWorker(input: AnalysisInput, options: AnalysisOptions = {}): Promise<AnalysisOutcome> {
  const budgetMs = options.budgetMs ?? defaultAnalysisBudgetMs;
  const file = workerFile();
  return new Promise((resolve, reject) => {
    let comparison: TreeComparison | undefined;
    let settled = false;
    const worker = new Worker(file, {
      workerData: {
        baseline: input.baseline,
        final: input.final,
        protectedGlobs: [...input.protectedGlobs],
        context: input.context ?? {},
        cutPaths: [...(input.cutPaths ?? [])],
        copyComplete: input.copyComplete ?? true,
        ...(input.hiddenPaths === undefined ? {} : { hiddenPaths: [...input.hiddenPaths] }),
        ...(input.instruction === undefined ? {} : { instruction: input.instruction }),
      },
      ...(options.maxHeapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } }),
    });
    const finish = (outcome: AnalysisOutcome | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const ungradable = (reason: string): AnalysisOutcome => ({ status: 'ungradable', reason, ...(comparison === undefined ? {} : { comparison }) });
    const timer = setTimeout(() => {
      const budget = budgetMs >= 1000 ? `${Math.round(budgetMs / 1000)} s` : `${budgetMs} ms`;
      finish(ungradable(`inspecting the agent's tree took longer than ${budget} (its CPU steps were stopped)`));
    }, budgetMs);
    worker.on('message', (message: WorkerMessage) => {
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
    });
    worker.on('error', (err: Error & { code?: string }) => {
      // Out of memory on the agent's tree is the tree's doing; any other failure is the harness's.
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') finish(ungradable(`inspecting the agent's tree ran out of memory (${err.message})`));
      else finish(new Error(`inspection worker failed: ${err.message}`));
    });
    worker.on('exit', (code) => {
      if (!settled) finish(new Error(`inspection worker exited (code ${code}) before it finished`));
    });
  });
}
