import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { loadCondition } from '../../agent/condition.js';
import { createModel } from '../../models/factory.js';
import { assertDockerReachable, dockerClient } from '../../sandbox/docker.js';
import { sweepLeftovers } from '../../sandbox/sweep.js';
import { assertTaskDirs, findTaskDirs, taskRoots } from '../../tasks/load.js';
import { UsageError } from '../../util/errors.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import { logger } from '../../util/log.js';
import { EpisodeAborted, episodeId, runEpisode } from '../../runs/episode.js';
import type { EpisodeRecord } from '../../runs/record.js';
import { abortOnSignals, modelSettingsFrom, parseEffort, parseFloatOption, parseIntOption, type ModelSettingFlags } from '../options.js';

const collectDirs = (value: string, previous: string[]): string[] => [...previous, value];

export const DEFAULT_TASK = 'exit-both-codes';
export const DEFAULT_MODEL = 'local';

interface RunFlags extends ModelSettingFlags {
  task: string;
  tasksDir: string[];
  model: string;
  condition: string;
  runsDir: string;
  json?: boolean;
  maxSteps?: number;
  maxSeconds?: number;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run one episode: a task, a model, a condition; prints the verdict')
    .option('--task <id>', 'task id (see `ibench tasks list`)', DEFAULT_TASK)
    .option('--tasks-dir <dir>', 'a folder of your own tasks beside the built-in suite; several times for several folders', collectDirs, [])
    .option('--model <spec>', 'openai:<model> | anthropic:<model> | local[:<path.gguf>] | scripted:<file>', DEFAULT_MODEL)
    .option('--condition <name>', 'pressure condition: a built-in name or a path to a YAML file', 'neutral')
    .option('--runs-dir <dir>', 'where run folders are written', 'runs')
    .option('--json', 'print exactly the episode.json on stdout')
    .option('--max-steps <n>', "at most this many model turns (default: the task's limit)", parseIntOption('--max-steps', 1))
    .option('--max-seconds <n>', "at most this many seconds for the agent (default: the task's limit)", parseIntOption('--max-seconds', 1))
    .option('--temperature <t>', 'sampling temperature', parseFloatOption('--temperature', 0, 2))
    .option('--max-tokens <n>', 'output tokens per model turn', parseIntOption('--max-tokens', 1))
    .option('--seed <n>', 'sampling seed, where the provider supports one', parseIntOption('--seed', 0))
    .option('--reasoning-effort <level>', 'low | medium | high, for reasoning models', parseEffort)
    .option('--base-url <url>', 'OpenAI-compatible endpoint (else OPENAI_BASE_URL)')
    .action(async (flags: RunFlags) => {
      if (flags.json === true && logger.level === 'info') logger.level = 'warn';
      // Validate everything the user typed before any container starts.
      await assertTaskDirs(flags.tasksDir);
      const roots = taskRoots(flags.tasksDir);
      const folders = await findTaskDirs(roots);
      const taskFolder = folders.get(flags.task);
      if (taskFolder === undefined) throw new UsageError(`--task: no task "${flags.task}"; known tasks: ${[...folders.keys()].join(', ')}`);
      const condition = await loadCondition(flags.condition);
      const model = await createModel(flags.model, modelSettingsFrom(flags));
      const docker = dockerClient();
      await assertDockerReachable(docker);
      const swept = await sweepLeftovers(docker);
      if (swept.containers > 0) logger.info(`removed ${swept.containers} container(s) left by an earlier crash`);

      const runId = `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}-${randomBytes(2).toString('hex')}`;
      const runDir = resolve(flags.runsDir, runId);
      const id = episodeId(flags.task, model.spec, condition.name, 0);
      await writeJsonAtomic(join(runDir, 'run.json'), {
        kind: 'single',
        createdAt: new Date().toISOString(),
        tasks: [flags.task],
        task_dirs: roots.slice(1),
        task_folders: { [flags.task]: taskFolder },
        models: [flags.model],
        conditions: [flags.condition],
        epochs: 1,
        settings: modelSettingsFrom(flags),
      });
      const episodeDir = join(runDir, 'episodes', id);
      logger.info(`episode ${id}: task ${flags.task}, model ${model.spec}, condition ${flags.condition}`);
      const stop = abortOnSignals();
      try {
        const record = await runEpisode({
          taskId: flags.task,
          tasksRoot: roots,
          modelSpec: flags.model,
          condition: flags.condition,
          episodeDir,
          model,
          signal: stop.signal,
          limits: {
            ...(flags.maxSteps === undefined ? {} : { steps: flags.maxSteps }),
            ...(flags.maxSeconds === undefined ? {} : { seconds: flags.maxSeconds }),
          },
        });
        if (flags.json === true) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
        else process.stdout.write(summarize(record, episodeDir));
        process.exitCode = record.verdict === 'error' ? 1 : 0;
      } catch (err) {
        if (err instanceof EpisodeAborted) {
          logger.error(`${err.message}; containers removed, transcript kept in ${episodeDir}`);
          process.exitCode = 130;
          return;
        }
        throw err;
      } finally {
        stop.dispose();
        await model.close();
      }
    });
}

const verdictColor: Record<string, (s: string) => string> = {
  solved: pc.green,
  flagged: pc.green,
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
  const lines = [
    `${pc.bold('verdict')}  ${color(record.verdict)}   claim: ${record.claim}   ${record.impossible ? 'impossible task' : 'possible task'}`,
    `task     ${record.task} (${record.category})`,
    `model    ${record.model}   condition: ${record.condition}`,
    `steps    ${record.steps}, ended by ${record.endReason}; tokens ${record.usage.inputTokens} in / ${record.usage.outputTokens} out`,
  ];
  if (ev !== null) {
    lines.push(`tests    pristine: ${tests(ev.pristineTests)}; as the agent left them: ${tests(ev.agentTests)}`);
    if (ev.protectedChanges.length > 0) lines.push(`touched  ${ev.protectedChanges.map((c) => `${c.path} (${c.kind})`).join(', ')}`);
    if (ev.rules.length > 0) lines.push(`rules    ${ev.rules.map((r) => `${r.rule} at ${r.path}:${r.line}`).join(', ')}`);
  }
  if (record.error !== null) lines.push(`error    ${record.error}`);
  lines.push(`files    ${episodeDir}  (ibench show ${episodeDir})`);
  return `${lines.join('\n')}\n`;
}
