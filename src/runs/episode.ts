import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runAgent, type AgentLimits, type AgentRunResult } from '../agent/loop.js';
import type { CliAgentAdapter } from '../agent/cli/adapter.js';
import { BUILTIN_AGENT, loadCliAgent } from '../agent/cli/registry.js';
import { loadCondition, renderSystem, renderUserTurn, type Condition } from '../agent/condition.js';
import { BUILTIN_TOOLS_TEXT } from '../agent/tools.js';
import { TranscriptWriter } from '../agent/transcript.js';
import { inspectEpisode, runnerModules, testRunLabels, warmAnalysisWorker, type InspectResult } from '../inspect/index.js';
import { createModel } from '../models/factory.js';
import type { Model, ModelSettings } from '../models/types.js';
import type Docker from 'dockerode';
import { DockerSandboxFactory } from '../sandbox/docker-sandbox.js';
import { HeadStartFactory } from '../sandbox/head-start.js';
import { daemonIsLocal, dockerClient } from '../sandbox/docker.js';
import { ensureImage } from '../sandbox/images.js';
import { loadSandboxProfile, type SandboxProfile } from '../sandbox/profile.js';
import type { CopyOutResult } from '../sandbox/copy-out.js';
import type { Sandbox, SandboxFactory } from '../sandbox/types.js';
import { loadTask, type LoadedTask, type TaskRoots } from '../tasks/load.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { HarnessError, errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { putWorkspaceWithBaseline } from './baseline-commit.js';
import { episodeLabels } from './episode-id.js';
import { harnessProvenance } from './provenance.js';
import { judgeEpisode } from './judge-episode.js';
import { EPISODE_FILES, type EpisodeRecord } from './record.js';
import { episodeWorkspace, type EpisodeWorkspace } from './test-access.js';
import type { TestAccess } from '../tasks/schema.js';

export interface EpisodeOptions {
  taskId: string;
  modelSpec: string;
  /** `--agent`: `builtin` (the harness's own loop, the default) or an installed CLI agent's name. */
  agent?: string;
  condition: string;
  epoch?: number;
  /** The episode's folder: episode.json and the other files go here. */
  episodeDir: string;
  /** Where the task is looked up (default: the built-in suite). */
  tasksRoot?: TaskRoots;
  modelSettings?: ModelSettings;
  /** The Docker daemon the episode runs on (default: DOCKER_HOST or the local socket). */
  docker?: Docker;
  /** Defaults to a Docker sandbox factory on `docker`. */
  factory?: SandboxFactory;
  /**
   * false: a harness or provider failure throws EpisodeFailed and records nothing, so the caller
   * can retry; true (default): it is recorded with verdict `error`.
   */
  recordErrors?: boolean;
  /** A model already made (the caller keeps it open across episodes). */
  model?: Model;
  signal?: AbortSignal;
  /** Overrides of the task's limits (steps, seconds, tokens). */
  limits?: Partial<AgentLimits>;
  /** The name of the Docker host the episode runs on, written into episode.json as `dockerHost`. */
  dockerHost?: string;
  /** The judge model (`--judge SPEC`); absent or null: the rules decide and nothing is added. */
  judge?: Model | null;
  /** Overrides the task's `tests:` access level (`--test-access`). */
  testAccess?: TestAccess;
  /** May the as-left test run start beside the pristine one (see InspectInput.parallelTestRun)? */
  parallelTestRun?: () => (() => void) | null;
}

/** A harness or provider failure, thrown instead of recorded when recordErrors is false. */
export class EpisodeFailed extends Error {
  override name = 'EpisodeFailed';
}

/** Thrown when the episode was stopped by Ctrl-C / a signal: nothing is recorded, so a resume reruns it. */
export class EpisodeAborted extends Error {
  override name = 'EpisodeAborted';
}

export { episodeId, modelSlug } from './episode-id.js';

/**
 * One episode from top to bottom: sandbox -> agent -> inspect -> record (DESIGN.md "What one episode is").
 * Bad input (task, condition, model spec, key) throws before anything is written; a harness failure
 * after that is recorded as verdict `error`; an abort records nothing but the transcript so far.
 */
export async function runEpisode(options: EpisodeOptions): Promise<EpisodeRecord> {
  const startedAt = new Date();
  // The harness's git commit is read (three git processes, once per process) while the episode runs.
  const provenance = harnessProvenance();
  provenance.catch(() => undefined);
  const epoch = options.epoch ?? 0;
  const task = await loadTask(options.taskId, options.tasksRoot);
  const condition = await loadCondition(options.condition);
  const profile = await loadSandboxProfile(task.spec.image);
  const workspace = episodeWorkspace(task, options.testAccess ?? task.spec.tests);
  const agentName = options.agent ?? BUILTIN_AGENT;
  const cliAgent: CliAgentAdapter | null = agentName === BUILTIN_AGENT ? null : await loadCliAgent(agentName);
  const docker = options.docker ?? dockerClient();
  if (cliAgent !== null && !daemonIsLocal(docker)) {
    throw new HarnessError(`--agent ${agentName}: CLI agents need the Docker daemon on this machine (the model proxy's socket is a folder of this machine mounted into the container); ${options.dockerHost ?? 'this daemon'} is remote`);
  }
  const model = options.model ?? (await createModel(options.modelSpec, options.modelSettings ?? {}));
  const ownsModel = options.model === undefined;
  const factory = options.factory ?? new DockerSandboxFactory(docker);
  const id = basename(options.episodeDir);
  await mkdir(options.episodeDir, { recursive: true });
  const transcript = new TranscriptWriter(join(options.episodeDir, EPISODE_FILES.transcript));
  const timings: Record<string, number> = {};
  const labels = episodeLabels(id);

  let agent: AgentRunResult | null = null;
  let agentVersion: string | null = null;
  // A CLI agent's adapter with its model proxy's folder, once made (null: the builtin loop).
  let cliRun: { adapter: CliAgentAdapter; proxyDir: { path: string; remove: () => Promise<void> } } | null = null;
  let outcome: InspectResult | null = null;
  let error: string | null = null;
  let judged: Awaited<ReturnType<typeof judgeEpisode>> = {};
  let sandbox: Sandbox | null = null;
  try {
    const t0 = Date.now();
    await ensureImage(profile, { docker });
    options.signal?.throwIfAborted();
    // The runner-module probe (once per image and process) goes on while the agent works, instead
    // of before grading; grading awaits the same promise, and reports its failure there.
    runnerModules(profile, factory, labels).catch(() => undefined);
    if (cliAgent === null) sandbox = await factory.create(profile, labels);
    else {
      // A CLI agent works in its own image (the profile's plus the agent); grading uses the profile's.
      const { ensureAgentImage } = await import('../agent/cli/image.js');
      const { makeProxyDir } = await import('../agent/cli/run.js');
      const agentProfile = (await ensureAgentImage(profile, cliAgent, { docker })).profile;
      cliRun = { adapter: cliAgent, proxyDir: await makeProxyDir() };
      sandbox = await factory.create(agentProfile, labels, { proxyDir: cliRun.proxyDir.path });
    }
    await putWorkspaceWithBaseline(sandbox, factory, workspace, options.signal === undefined ? {} : { signal: options.signal });
    timings.setupMs = Date.now() - t0;

    const t1 = Date.now();
    // The inspection's worker thread loads its modules while the agent works.
    warmAnalysisWorker();
    const limits = { ...task.spec.limits, ...options.limits };
    if (cliRun === null) {
      agent = await runAgent({
        model,
        sandbox,
        condition,
        instruction: workspace.instruction,
        limits,
        transcript,
        readOnlyPaths: workspace.readOnly,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } else {
      const { runCliAgent } = await import('../agent/cli/run.js');
      const run = await runCliAgent({
        adapter: cliRun.adapter,
        model,
        sandbox,
        proxyDir: cliRun.proxyDir.path,
        condition,
        instruction: workspace.instruction,
        limits,
        transcript,
        logPath: join(options.episodeDir, EPISODE_FILES.agentLog),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      agent = run;
      agentVersion = run.agentVersion;
    }
    timings.agentMs = Date.now() - t1;
    if (agent.endReason === 'aborted') throw new EpisodeAborted(`episode ${id} stopped before it ended`);

    const t2 = Date.now();
    // The pristine run's fresh container starts while the tree is copied out and analysed.
    const grading = new HeadStartFactory(factory);
    // A run that reads a JUnit report back needs a sandbox to exec in; any other is a one-shot run.
    if (task.spec.junit === undefined && factory.prepareRun !== undefined) grading.startRunAhead(profile, testRunLabels(labels, 'pristine'));
    else grading.startAhead(profile, testRunLabels(labels, 'pristine'));
    try {
      const copy = await sandbox.copyOut(profile.workdir);
      options.signal?.throwIfAborted();
      // The agent's container is removed while grading starts (grading never uses it); the episode
      // still waits for the removal, and fails on it, before it ends. The handler is attached at once
      // so that a failed removal is never an unhandled rejection while grading runs.
      const closing = sandbox.close().then(
        () => null,
        (err: unknown) => err,
      );
      sandbox = null;
      let closeError: unknown = null;
      try {
        outcome = await inspect(task, workspace, profile, grading, copy, agent, labels, options.signal, options.parallelTestRun);
      } finally {
        closeError = await closing;
      }
      if (closeError !== null) throw closeError;
    } finally {
      await grading.release().catch((err: unknown) => logger.warn(`could not remove a test sandbox: ${errorMessage(err)}`));
    }
    timings.inspectMs = Date.now() - t2;
    if (outcome.error !== undefined) error = outcome.error;
    // A protected change stands whatever failed after it (DESIGN.md's verdict table).
    if (agent.modelError !== undefined && outcome.verdict !== 'tampered') error = `model failed: ${agent.modelError}`;
    if (error === null) {
      judged = await judgeEpisode({
        judge: options.judge ?? null,
        instruction: workspace.instruction,
        diffPatch: outcome.diffPatch,
        evidence: outcome.evidence,
        pristineOutput: outcome.pristineOutput,
        agentOutput: outcome.agentOutput,
        submit: agent.submit,
        transcriptPath: transcript.path ?? '',
        rules: { claim: outcome.claim, verdict: outcome.verdict },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    }
  } catch (err) {
    if (err instanceof EpisodeAborted || options.signal?.aborted === true) {
      throw err instanceof EpisodeAborted ? err : new EpisodeAborted(`episode ${id} stopped: ${errorMessage(err)}`);
    }
    error = errorMessage(err);
    logger.debug(err instanceof Error && err.stack !== undefined ? err.stack : error);
  } finally {
    if (sandbox !== null) await sandbox.close().catch((err: unknown) => logger.warn(`could not remove sandbox: ${errorMessage(err)}`));
    if (ownsModel) await model.close().catch(() => undefined);
    if (cliRun !== null) await cliRun.proxyDir.remove().catch(() => undefined);
  }
  timings.totalMs = Date.now() - startedAt.getTime();
  if (error !== null && options.recordErrors === false) throw new EpisodeFailed(error);

  if (outcome !== null) {
    await writeFileAtomic(join(options.episodeDir, EPISODE_FILES.diff), outcome.diffPatch);
    await writeFileAtomic(join(options.episodeDir, EPISODE_FILES.pristine), outcome.pristineOutput);
    await writeFileAtomic(join(options.episodeDir, EPISODE_FILES.agent), outcome.agentOutput);
    if (outcome.heldOutOutput !== undefined) await writeFileAtomic(join(options.episodeDir, EPISODE_FILES.heldOut), outcome.heldOutOutput);
  }
  const record: EpisodeRecord = {
    id,
    task: task.spec.id,
    taskDir: task.dir,
    impossible: task.spec.impossible,
    category: task.spec.category,
    twin: task.spec.twin ?? null,
    model: model.spec,
    agent: agentName,
    ...(cliAgent === null ? {} : { agentVersion }),
    condition: condition.name,
    conditionText: conditionText(condition, workspace.instruction, cliAgent !== null),
    testAccess: workspace.access,
    epoch,
    claim: outcome?.claim ?? 'none',
    verdict: error !== null ? 'error' : (outcome?.verdict ?? 'error'),
    endReason: agent?.endReason ?? 'harness_error',
    steps: agent?.steps ?? 0,
    submit: agent?.submit ?? null,
    evidence: outcome?.evidence ?? null,
    usage: agent?.usage ?? { inputTokens: 0, outputTokens: 0 },
    timings,
    error,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    harness: await provenance,
    ...(options.dockerHost === undefined ? {} : { dockerHost: options.dockerHost }),
    ...judged,
  };
  // episode.json last: its presence marks the episode as finished (resume skips it).
  await writeJsonAtomic(join(options.episodeDir, EPISODE_FILES.record), record);
  return record;
}

function inspect(
  task: LoadedTask,
  workspace: EpisodeWorkspace,
  profile: SandboxProfile,
  factory: SandboxFactory,
  copy: CopyOutResult,
  agent: AgentRunResult,
  labels: Record<string, string>,
  signal: AbortSignal | undefined,
  parallelTestRun: (() => (() => void) | null) | undefined,
): Promise<InspectResult> {
  return inspectEpisode({
    task: {
      impossible: task.spec.impossible,
      testCommand: task.spec.test_command,
      ...(task.spec.junit === undefined ? {} : { junit: task.spec.junit }),
      protectedGlobs: task.spec.protected,
      testTimeoutSec: task.spec.test_timeout,
      instruction: task.spec.instruction,
      ...(workspace.hidden === undefined ? {} : { hiddenTests: workspace.hidden }),
      ...(task.heldOut.size === 0 ? {} : { heldOut: task.heldOut }),
    },
    profile,
    factory,
    baseline: task.repo,
    final: copy.tree,
    treeProblems: copy.problems,
    copyComplete: copy.complete,
    submit: agent.submit,
    lastAssistantText: agent.lastAssistantText,
    endReason: agent.endReason,
    labels,
    ...(signal === undefined ? {} : { signal }),
    ...(parallelTestRun === undefined ? {} : { parallelTestRun }),
  });
}

function conditionText(condition: Condition, instruction: string, cliAgent: boolean): EpisodeRecord['conditionText'] {
  return { system: renderSystem(condition, cliAgent ? '' : BUILTIN_TOOLS_TEXT), user: renderUserTurn(condition, instruction), pushback: condition.pushback };
}
