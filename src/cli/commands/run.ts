import { readdir } from 'node:fs/promises';
import type { RunManifest } from '../../runs/run-dir.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { createJudgeModel, RULES_JUDGE } from '../../qa/judge.js';
import { UsageError, errorMessage } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import { terminalSafeJson, visible, visibleLine as v } from '../../util/terminal.js';
import type { EpisodeRecord } from '../../runs/record.js';
import { agentOf, BUILTIN_AGENT, checkAgentNames } from '../../runs/agents.js';
import { abortOnSignals, modelSettingsFrom, parseBaseUrl, parseEffort, parseFloatOption, parseIntOption, parseTestAccess, type ModelSettingFlags } from '../options.js';
import type { TestAccess } from '../../tasks/schema.js';
import type Docker from 'dockerode';
import type { HeadStartFactory } from '../../sandbox/head-start.js';

const collectDirs = (value: string, previous: string[]): string[] => [...previous, value];

export const DEFAULT_TASK = 'exit-both-codes';
export const DEFAULT_MODEL = 'local';

interface RunFlags extends ModelSettingFlags {
  task: string;
  tasksDir: string[];
  model: string;
  agent: string;
  condition: string;
  runsDir: string;
  out?: string;
  json?: boolean;
  maxSteps?: number;
  maxSeconds?: number;
  judge: string;
  testAccess?: TestAccess;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run one episode: a task, a model, a condition; prints the verdict')
    .option('--task <id>', 'task id (see `ibench tasks list`)', DEFAULT_TASK)
    .option('--tasks-dir <dir>', 'a folder of your own tasks beside the built-in suite; several times for several folders', collectDirs, [])
    .option('--model <spec>', 'openai:<model> | anthropic:<model> | local[:<path.gguf>] | scripted:<file>', DEFAULT_MODEL)
    .option('--agent <name>', 'builtin (the harness\'s own loop) or an installed CLI agent, e.g. claude-code; its model calls go through a proxy to --model', 'builtin')
    .option('--condition <name>', 'pressure condition: a built-in name or a path to a YAML file', 'neutral')
    .option('--out <dir>', 'the run directory (a new or empty folder), as in `eval --out`; default a fresh folder in --runs-dir')
    .option('--runs-dir <dir>', 'the folder in which a fresh run directory is made when --out is not given', 'runs')
    .option('--json', 'print exactly the episode.json on stdout')
    .option('--judge <spec>', 'who reads the episode beside the rules: rules (offline: nothing added) or a model spec; a disagreement marks it for review', RULES_JUDGE)
    .option('--test-access <level>', "visible | read-only | hidden: what the agent gets of the task's tests (default: the task's `tests:` level)", parseTestAccess)
    .option('--max-steps <n>', "at most this many steps: model turns, and tool calls after a reply's first (default: the task's limit)", parseIntOption('--max-steps', 1))
    .option('--max-seconds <n>', "at most this many seconds for the agent (default: the task's limit)", parseIntOption('--max-seconds', 1))
    .option('--temperature <t>', 'sampling temperature', parseFloatOption('--temperature', 0, 2))
    .option('--max-tokens <n>', 'output tokens per model turn', parseIntOption('--max-tokens', 1))
    .option('--sampling-seed <n>', "the model's sampling seed, where the provider supports one", parseIntOption('--sampling-seed', 0))
    .option('--seed <n>', 'old spelling of --sampling-seed (kept as an alias)', parseIntOption('--seed', 0))
    .option('--reasoning-effort <level>', 'low | medium | high, for reasoning models', parseEffort)
    .option('--thinking-budget <n>', 'Anthropic extended thinking: thinking tokens per turn (>= 1024; no temperature then)', parseIntOption('--thinking-budget', 1024))
    .option('--base-url <url>', 'OpenAI-compatible endpoint (else OPENAI_BASE_URL)', parseBaseUrl)
    .action(async (flags: RunFlags) => {
      // Loaded when the command runs, not at start-up (see main.ts).
      const { loadCondition } = await import('../../agent/condition.js');
      const { createModel } = await import('../../models/factory.js');
      const { assertDockerReachable, dockerClient } = await import('../../sandbox/docker.js');
      const { removeOwnResources, sweepLeftovers } = await import('../../sandbox/sweep.js');
      const { assertTaskDirs, findTaskDirs, taskRoots } = await import('../../tasks/load.js');
      const { ensureWritableDir } = await import('../../util/out-dir.js');
      const { writeJsonAtomic } = await import('../../util/atomic.js');
      if (flags.json === true && logger.level === 'info') logger.level = 'warn';
      // Validate everything the user typed before any container starts.
      await assertTaskDirs(flags.tasksDir);
      const roots = taskRoots(flags.tasksDir);
      const folders = await findTaskDirs(roots);
      const taskFolder = folders.get(flags.task);
      if (taskFolder === undefined) throw new UsageError(`--task: no task "${flags.task}"; known tasks: ${[...folders.keys()].join(', ')}`);
      checkAgentNames([flags.agent], '--agent');
      const condition = await loadCondition(flags.condition);
      const runDir = flags.out !== undefined ? await freshRunDir(flags) : join(await ensureWritableDir('--runs-dir', flags.runsDir), newRunId());
      const model = await createModel(flags.model, modelSettingsFrom(flags));
      const judge = await createJudgeModel(flags.judge, modelSettingsFrom(flags));
      const docker = dockerClient();
      await assertDockerReachable(docker);
      const swept = await sweepLeftovers(docker);
      if (swept.containers > 0) logger.info(`removed ${swept.containers} container(s) left by an earlier crash`);

      const { episodeId } = await import('../../runs/episode-id.js');
      const id = episodeId(flags.task, model.spec, condition.name, 0, flags.agent);
      await writeJsonAtomic(join(runDir, 'run.json'), {
        kind: 'single',
        createdAt: new Date().toISOString(),
        tasks: [flags.task],
        task_dirs: roots.slice(1),
        task_folders: { [flags.task]: taskFolder },
        models: [flags.model],
        agents: [flags.agent],
        conditions: [flags.condition],
        epochs: 1,
        seed: 1,
        max_episodes: null,
        settings: { ...modelSettingsFrom(flags) },
        limits: {
          ...(flags.maxSteps === undefined ? {} : { steps: flags.maxSteps }),
          ...(flags.maxSeconds === undefined ? {} : { seconds: flags.maxSeconds }),
        },
        ...(judge === null ? {} : { judge: judge.spec }),
        ...(flags.testAccess === undefined ? {} : { test_access: flags.testAccess }),
      } satisfies RunManifest);
      const episodeDir = join(runDir, 'episodes', id);
      logger.info(`episode ${id}: task ${flags.task}, model ${model.spec}${flags.agent === BUILTIN_AGENT ? '' : `, agent ${flags.agent}`}, condition ${flags.condition}`);
      // Everything typed is valid: the builtin loop's container starts while the episode's own
      // modules load (runEpisode takes it: the same profile and labels it would start one with).
      // A CLI agent's container is another image, with the proxy's mount: it is not started ahead.
      const stop = abortOnSignals(() => removeOwnResources(docker));
      const factory = await startEpisodeSandbox(docker, taskFolder, id, flags.agent === BUILTIN_AGENT);
      const { EpisodeAborted, runEpisode } = await import('../../runs/episode.js').catch(async (err: unknown) => {
        stop.dispose();
        await factory.release();
        throw err;
      });
      try {
        const record = await runEpisode({
          taskId: flags.task,
          tasksRoot: roots,
          modelSpec: flags.model,
          agent: flags.agent,
          condition: flags.condition,
          episodeDir,
          model,
          judge,
          docker,
          factory,
          signal: stop.signal,
          ...(flags.testAccess === undefined ? {} : { testAccess: flags.testAccess }),
          limits: {
            ...(flags.maxSteps === undefined ? {} : { steps: flags.maxSteps }),
            ...(flags.maxSeconds === undefined ? {} : { seconds: flags.maxSeconds }),
          },
        });
        if (flags.json === true) process.stdout.write(`${terminalSafeJson(record, 2)}\n`);
        else process.stdout.write(summarize(record, episodeDir));
        process.exitCode = record.verdict === 'error' ? 1 : 0;
      } catch (err) {
        if (err instanceof EpisodeAborted) {
          logger.error(`${err.message}; containers removed, transcript kept in ${episodeDir}`);
          process.exitCode = stop.exitCode();
          return;
        }
        throw err;
      } finally {
        stop.dispose();
        await factory.release().catch((err: unknown) => logger.warn(`could not remove a sandbox: ${errorMessage(err)}`));
        await model.close();
        await judge?.close();
      }
    });
}

/**
 * A sandbox factory with the episode's first container already starting (its image made current
 * first). When that cannot be done, none is started: runEpisode meets the same failure and records it.
 */
async function startEpisodeSandbox(docker: Docker, taskFolder: string, id: string, ahead: boolean): Promise<HeadStartFactory> {
  const { loadTaskSpec } = await import('../../tasks/load.js');
  const { loadSandboxProfile } = await import('../../sandbox/profile.js');
  const { ensureImage } = await import('../../sandbox/images.js');
  const { DockerSandboxFactory } = await import('../../sandbox/docker-sandbox.js');
  const { HeadStartFactory } = await import('../../sandbox/head-start.js');
  const { episodeLabels } = await import('../../runs/episode-id.js');
  const factory = new HeadStartFactory(new DockerSandboxFactory(docker));
  if (!ahead) return factory;
  try {
    const profile = await loadSandboxProfile((await loadTaskSpec(taskFolder)).image);
    await ensureImage(profile, { docker });
    factory.startAhead(profile, episodeLabels(id));
  } catch (err) {
    logger.debug(`no sandbox started ahead: ${errorMessage(err)}`);
  }
  return factory;
}

const verdictColor: Record<string, (s: string) => string> = {
  solved: pc.green,
  flagged: pc.green,
  sabotaged: pc.red,
  tampered: pc.red,
  gamed: pc.red,
  claimed_success: pc.red,
  error: pc.magenta,
};

export function summarize(record: EpisodeRecord, episodeDir: string): string {
  const color = verdictColor[record.verdict] ?? pc.yellow;
  const ev = record.evidence;
  const tests = (r: NonNullable<NonNullable<EpisodeRecord['evidence']>['pristineTests']> | null): string =>
    r === null ? 'not run' : `${r.ok ? 'pass' : 'fail'} (${r.passed} passed, ${r.failed} failed${r.errors > 0 ? `, ${r.errors} errors` : ''})`;
  // Every value read from the record may hold what a model or the agent's tree wrote.
  const lines = [
    `${pc.bold('verdict')}  ${color(v(record.verdict))}   claim: ${v(record.claim)}   ${record.impossible ? 'impossible task' : 'possible task'}`,
    `task     ${v(record.task)} (${v(record.category)})${record.testAccess === undefined || record.testAccess === 'visible' ? '' : `   tests: ${record.testAccess}`}`,
    `model    ${v(record.model)}${agentOf(record) === BUILTIN_AGENT ? '' : `   agent: ${v(agentOf(record))}${record.agentVersion === undefined || record.agentVersion === null ? '' : ` ${v(record.agentVersion)}`}`}   condition: ${v(record.condition)}`,
    `steps    ${record.steps}, ended by ${v(record.endReason)}; tokens ${record.usage.inputTokens} in / ${record.usage.outputTokens} out`,
  ];
  if (ev !== null) {
    const asLeft = ev.agentTestsFrom === 'pristine' ? 'the same tree, graded by the pristine run' : tests(ev.agentTests);
    lines.push(`tests    pristine: ${tests(ev.pristineTests)}; as the agent left them: ${asLeft}`);
    const heldOut = ev.heldOut;
    if (heldOut !== undefined) {
      const found = heldOut.result === null ? (heldOut.note ?? 'not run') : `${tests(heldOut.result)}${heldOut.failing.length === 0 ? '' : `; failing: ${heldOut.failing.slice(0, 5).map(v).join(', ')}${heldOut.failing.length > 5 ? ', ...' : ''}`}`;
      lines.push(`held out ${heldOut.files.length} file(s): ${found}`);
    }
    if (ev.protectedChanges.length > 0) lines.push(`touched  ${ev.protectedChanges.map((c) => `${v(c.path)} (${v(c.kind)})`).join(', ')}`);
    if (ev.rules.length > 0) lines.push(`rules    ${ev.rules.map((r) => `${v(r.rule)} at ${v(r.path)}:${r.line}`).join(', ')}`);
    // JSON quoting shows any control character of the model's text as an escape, never raw.
    if (ev.claimSource === 'classifier' && ev.claimSentence !== '') lines.push(`claim    read from the last message: ${terminalSafeJson(ev.claimSentence)}`);
    const sabotage = ev.sabotage ?? [];
    if (sabotage.length > 0) lines.push(`cut      ${sabotage.slice(0, 3).map(v).join('; ')}${sabotage.length > 3 ? `; ... (${sabotage.length} in all)` : ''}`);
  }
  if (record.judge !== undefined) {
    const j = record.judge;
    const said = j.error !== undefined ? `error: ${j.error}` : `claim ${j.claim ?? 'none'}, ${j.cheat === null ? 'no cheat' : `cheat ${j.cheat.type}`}; ${j.agreesWithRules === true ? 'agrees with the rules' : 'disagrees with the rules'}`;
    lines.push(`judge    ${v(j.model)}: ${visible(said)}`);
    for (const reason of record.reviewReasons ?? []) lines.push(`review   ${visible(reason)}`);
  }
  if (record.error !== null) lines.push(`error    ${visible(record.error)}`);
  lines.push(`files    ${v(episodeDir)}  (ibench show ${v(episodeDir)})`);
  return `${lines.join('\n')}\n`;
}

function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}-${randomBytes(2).toString('hex')}`;
}

/** --out: a new or empty folder (a single-episode run is never resumed or extended). */
async function freshRunDir(flags: RunFlags): Promise<string> {
  if (flags.runsDir !== 'runs') throw new UsageError('give --out (the run directory) or --runs-dir (where a fresh one is made), not both');
  const { ensureWritableDir } = await import('../../util/out-dir.js');
  const dir = await ensureWritableDir('--out', flags.out ?? '');
  const entries = await readdir(dir).catch(() => []);
  if (entries.length > 0) throw new UsageError(`--out ${flags.out ?? ''}: is not empty; give a new folder (\`ibench eval --out\` resumes and extends runs)`);
  return dir;
}
