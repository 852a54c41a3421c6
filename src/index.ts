/**
 * The library API of Impossible Bench: run an episode, run an eval, load tasks, write a report.
 * The CLI (`ibench`) is built on the same functions.
 */
import { HostPool } from './runs/docker-hosts.js';
import { runEval, type EvalEvent, type EvalResult } from './runs/eval.js';
import { matrixSchema, type Matrix } from './runs/matrix.js';
import type { TaskRoots } from './tasks/load.js';
import type { z } from 'zod';

export { runEpisode, EpisodeFailed, EpisodeAborted, type EpisodeOptions } from './runs/episode.js';
export { readEpisodeRecord, type EpisodeRecord } from './runs/record.js';
export { runEval, type EvalEvent, type EvalOptions, type EvalResult } from './runs/eval.js';
export { matrixSchema, loadMatrixFile, type Matrix } from './runs/matrix.js';
export { loadTask, listTaskIds, loadAllTaskSpecs, type LoadedTask, type TaskRoots } from './tasks/load.js';
export { taskSpecSchema, taskCategories, type TaskSpec, type TaskCategory } from './tasks/schema.js';
export { writeReport, summarize, readRunRecords, renderMarkdown, renderCsv, type RunSummary, type CellSummary, type Rate } from './runs/report.js';
export { createModel } from './models/factory.js';
export type { Model, ModelSettings, ModelReply, ChatMessage, Usage } from './models/types.js';
export { loadCondition, listConditionNames, type Condition } from './agent/condition.js';
export { HarnessError, InputError, UsageError } from './util/errors.js';

/** A matrix as written in a matrix file (defaults filled in by the schema). */
export type MatrixInput = z.input<typeof matrixSchema>;

export interface EvaluateOptions {
  /** The run directory; an existing one is resumed (same matrix) like `ibench eval --out`. */
  outDir: string;
  /** Docker hosts (unix://, tcp://, ssh://); default DOCKER_HOST or the local socket. */
  dockerHosts?: string[];
  /** Where tasks are looked up (default: the built-in suite and the matrix's task_dirs). */
  tasksRoot?: TaskRoots;
  signal?: AbortSignal;
  onEvent?: (event: EvalEvent) => void;
}

/** `ibench eval` as a function: validates the matrix, runs what has no result yet. */
export async function evaluate(matrix: MatrixInput | Matrix, options: EvaluateOptions): Promise<EvalResult> {
  const parsed = matrixSchema.parse(matrix);
  const hosts = HostPool.fromSpecs(options.dockerHosts ?? [], parsed.concurrency.per_docker_host);
  return runEval({
    matrix: parsed,
    outDir: options.outDir,
    hosts,
    ...(options.tasksRoot !== undefined ? { tasksRoot: options.tasksRoot } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
  });
}
