import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCondition } from '../agent/condition.js';
import { createModel } from '../models/factory.js';
import { createJudgeModel } from '../qa/judge.js';
import type { PriceTable } from '../models/prices.js';
import type { ModelSettings } from '../models/types.js';
import { loadSandboxProfile } from '../sandbox/profile.js';
import { sweepLeftovers } from '../sandbox/sweep.js';
import { assertTaskDirs, findTaskDirs, loadTaskSpecsReport, taskRoots, type BrokenTask, type TaskRoots } from '../tasks/load.js';
import { errorMessage } from '../util/errors.js';
import { Semaphore } from '../util/semaphore.js';
import { checkAgentNames } from './agents.js';
import { EPISODE_FILES, type EpisodeRecord } from './record.js';
import { EpisodeAborted, EpisodeFailed, runEpisode } from './episode.js';
import type { HostPool } from './docker-hosts.js';
import { planEpisodes, selectBroken, selectorsMayPick, selectTasks, type Matrix, type PlannedEpisode } from './matrix.js';
import { manifestFor, openRunDir, type RunExtension } from './run-dir.js';
import { ThrottledModel } from './throttled-model.js';

export type EvalEvent =
  | { type: 'start'; total: number; alreadyDone: number; resumed: boolean; outDir: string; extension?: RunExtension }
  | { type: 'episode'; record: EpisodeRecord; attempt: number }
  | { type: 'retry'; id: string; attempt: number; error: string; delayMs: number }
  | { type: 'host-down'; host: string; reason: string }
  | { type: 'task-broken'; id: string; problem: string }
  | { type: 'end'; finished: number; remaining: number; aborted: boolean };

export interface EvalOptions {
  matrix: Matrix;
  outDir: string;
  hosts: HostPool;
  /** Where tasks are looked up (default: the built-in suite and the matrix's task_dirs). */
  tasksRoot?: TaskRoots;
  signal?: AbortSignal;
  onEvent?: (event: EvalEvent) => void;
  /** Base delay of the retry backoff (doubles each attempt). */
  retryBaseMs?: number;
  /** Prices to cost the replies with (a --prices file over the list prices). */
  prices?: PriceTable;
}

export interface EvalResult {
  /** Task folders the selection named whose task.yaml cannot be used: not run, reported. */
  brokenTasks: { id: string; problem: string }[];
  total: number;
  finished: number;
  remaining: number;
  aborted: boolean;
}

export const DEFAULT_PROVIDER_SLOTS: Record<string, number> = { openai: 8, anthropic: 8, local: 1, scripted: 64, replay: 64 };

/** The model settings of a run file's `settings` block. */
export function settingsOf(s: Matrix['settings']): ModelSettings {
  return {
    ...(s.temperature === undefined ? {} : { temperature: s.temperature }),
    ...(s.max_tokens === undefined ? {} : { maxTokens: s.max_tokens }),
    ...(s.seed === undefined ? {} : { seed: s.seed }),
    ...(s.reasoning_effort === undefined ? {} : { reasoningEffort: s.reasoning_effort }),
    ...(s.thinking_budget === undefined ? {} : { thinkingBudget: s.thinking_budget }),
    ...(s.base_url === undefined ? {} : { baseUrl: s.base_url }),
  };
}

/**
 * Runs a matrix into one run directory: episodes in a seeded shuffled order, several at once,
 * each retried on harness or provider failure; what already has an episode.json is skipped.
 */
export async function runEval(options: EvalOptions): Promise<EvalResult> {
  const { matrix, outDir, hosts } = options;
  const emit = options.onEvent ?? (() => undefined);
  checkAgentNames(matrix.agents, 'agents');
  await assertTaskDirs(matrix.task_dirs, 'task_dirs');
  const roots = options.tasksRoot ?? taskRoots(matrix.task_dirs);
  // A broken task.yaml stops only its own task: it is reported, the others run. Only the task.yaml
  // files the selectors may pick are read (and their twins').
  const { specs, broken } = await loadTaskSpecsReport(roots, (id) => selectorsMayPick(matrix.tasks, id));
  const brokenTasks = selectBroken(matrix.tasks, broken).map((b: BrokenTask) => ({ id: b.id, problem: b.problem }));
  const taskIds = selectTasks(matrix.tasks, specs, broken.map((b) => b.id));
  const taskFolders = await findTaskDirs(roots);
  const conditionNames = await Promise.all(matrix.conditions.map(async (c) => (await loadCondition(c)).name));
  const conditionByName = new Map(conditionNames.map((name, i) => [name, matrix.conditions[i] ?? name]));
  const settings: ModelSettings = { ...settingsOf(matrix.settings), ...(options.prices === undefined ? {} : { prices: options.prices }) };
  // Make each model once up front: a bad spec or a missing key fails now, not in every episode.
  for (const spec of matrix.models) await (await createModel(spec, settings)).close();
  const judgeSpec = matrix.judge ?? 'rules';
  await (await createJudgeModel(judgeSpec, settings))?.close();

  const { resumed, extension } = await openRunDir(outDir, manifestFor(matrix, taskIds, conditionNames, taskFolders));
  const unsubscribe = hosts.onDown((host) => emit({ type: 'host-down', host: host.name, reason: host.down ?? '' }));
  await hosts.checkAll();
  for (const host of hosts.up) await hosts.onHost(host, () => sweepLeftovers(host.docker));
  // A host without an image gets a copy from one that has it; only when none has it is it built.
  const profileNames = [...new Set(specs.filter((s) => taskIds.includes(s.id)).map((s) => s.image))];
  await hosts.ensureImages(await Promise.all(profileNames.map((name) => loadSandboxProfile(name))));

  const plan = planEpisodes(taskIds, matrix, conditionNames);
  const episodeDir = (ep: PlannedEpisode): string => join(outDir, 'episodes', ep.id);
  const todo = plan.filter((ep) => !existsSync(join(episodeDir(ep), EPISODE_FILES.record)));
  emit({ type: 'start', total: plan.length, alreadyDone: plan.length - todo.length, resumed, outDir, ...(extension === null ? {} : { extension }) });
  for (const b of brokenTasks) emit({ type: 'task-broken', ...b });

  const providerSlots = new Map<string, Semaphore>();
  const slotsFor = (spec: string): Semaphore => {
    const provider = spec.split(':')[0] ?? spec;
    let slots = providerSlots.get(provider);
    if (slots === undefined) {
      slots = new Semaphore(matrix.concurrency.per_provider[provider] ?? DEFAULT_PROVIDER_SLOTS[provider] ?? 4);
      providerSlots.set(provider, slots);
    }
    return slots;
  };

  let finished = 0;
  const aborted = (): boolean => options.signal?.aborted === true;
  const baseDelay = options.retryBaseMs ?? 2000;

  const runOne = async (ep: PlannedEpisode): Promise<void> => {
    for (let attempt = 0; attempt <= matrix.retries; attempt++) {
      if (aborted()) return;
      const { host, release } = await hosts.acquire();
      const dir = episodeDir(ep);
      let delayMs = 0;
      try {
        // A folder without episode.json is what an interrupted attempt left: start it afresh.
        await rm(dir, { recursive: true, force: true });
        const model = new ThrottledModel(await createModel(ep.model, settings), slotsFor(ep.model));
        // One judge per episode, like the agent's model: a scripted judge starts afresh every time.
        const judgeModel = await createJudgeModel(judgeSpec, settings);
        const judge = judgeModel === null ? null : new ThrottledModel(judgeModel, slotsFor(judgeSpec));
        let record: EpisodeRecord;
        try {
          record = await runEpisode({
            taskId: ep.task,
            modelSpec: ep.model,
            agent: ep.agent,
            condition: conditionByName.get(ep.condition) ?? ep.condition,
            epoch: ep.epoch,
            episodeDir: dir,
            model,
            docker: host.docker,
            factory: host.factory,
            dockerHost: host.name,
            parallelTestRun: () => hosts.tryAcquire(host),
            recordErrors: attempt === matrix.retries,
            limits: matrix.limits,
            judge,
            tasksRoot: roots,
            ...(matrix.test_access === undefined ? {} : { testAccess: matrix.test_access }),
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          });
        } finally {
          await model.close();
          await judge?.close();
        }
        if (incomplete(record) && !(await hosts.stillUp(host))) {
          // The last attempt records its failure; but the host died under it, not the episode:
          // drop the record and run the episode again on a host that is up, without counting this try.
          await rm(dir, { recursive: true, force: true });
          emit({ type: 'retry', id: ep.id, attempt, error: `Docker host ${host.name} is down: ${record.error ?? 'incomplete evidence'}`, delayMs: 0 });
          attempt -= 1;
          continue;
        }
        finished += 1;
        emit({ type: 'episode', record, attempt });
        return;
      } catch (err) {
        if (err instanceof EpisodeAborted || aborted()) return;
        if (!(err instanceof EpisodeFailed)) throw err;
        if (!(await hosts.stillUp(host))) {
          // The host failed, not the episode: this try does not count, and the next goes elsewhere at once.
          emit({ type: 'retry', id: ep.id, attempt, error: `Docker host ${host.name} is down: ${errorMessage(err)}`, delayMs: 0 });
          attempt -= 1;
          continue;
        }
        delayMs = baseDelay * 2 ** attempt;
        emit({ type: 'retry', id: ep.id, attempt: attempt + 1, error: errorMessage(err), delayMs });
      } finally {
        release();
      }
      // Wait without holding the host's slot.
      await sleep(delayMs, options.signal);
    }
  };

  const queue = [...todo];
  const workers = Array.from({ length: Math.min(matrix.concurrency.episodes, Math.max(1, queue.length)) }, async () => {
    for (let ep = queue.shift(); ep !== undefined && !aborted(); ep = queue.shift()) await runOne(ep);
  });
  await Promise.all(workers);
  const remaining = plan.filter((ep) => !existsSync(join(episodeDir(ep), EPISODE_FILES.record))).length;
  unsubscribe();
  emit({ type: 'end', finished, remaining, aborted: aborted() });
  return { brokenTasks, total: plan.length, finished, remaining, aborted: aborted() };
}

/** A record that a dying host could have spoilt: a harness error, or a test run missing. */
function incomplete(record: EpisodeRecord): boolean {
  return record.verdict === 'error' || record.evidence === null || record.evidence.agentTests === null;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
