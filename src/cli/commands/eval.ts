import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkAgentNames, knownAgentNames } from '../../runs/agents.js';
import type { Matrix } from '../../runs/matrix.js';
import { UsageError } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import { terminalSafeJson, visible } from '../../util/terminal.js';
import { inputErrorFromZod } from '../../util/zod-error.js';
import { abortOnSignals, oneOf, parseBaseUrl, parseEffort, parseFloatOption, parseIntOption, parseTestAccess } from '../options.js';
import type { TestAccess } from '../../tasks/schema.js';
import { progressReporter, type ProgressMode } from '../progress.js';

interface EvalFlags {
  tasks?: string;
  tasksDir: string[];
  model: string[];
  agent: string[];
  condition: string[];
  epochs?: number;
  maxEpisodes?: number;
  out?: string;
  concurrency?: number;
  dockerHost: string[];
  perDockerHost?: number;
  retries?: number;
  seed?: number;
  shuffleSeed?: number;
  samplingSeed?: number;
  maxSteps?: number;
  maxSeconds?: number;
  temperature?: number;
  maxTokens?: number;
  reasoningEffort?: 'low' | 'medium' | 'high';
  thinkingBudget?: number;
  baseUrl?: string;
  quiet?: boolean;
  jsonl?: boolean;
  judge?: string;
  prices?: string;
  testAccess?: TestAccess;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('Run a matrix of tasks x agents x models x conditions x epochs into one run directory (same --out again resumes)')
    .argument('[file]', 'a YAML matrix file (tasks, models, conditions, epochs, ...) instead of the flags')
    .option('--tasks <ids>', 'comma-separated task ids, globs (exit-*), category:<name>, impossible or possible')
    .option('--tasks-dir <dir>', "a folder of your own tasks beside the built-in suite; several times for several folders", collect, [])
    .option('--model <spec>', 'a model; give it several times for several models', collect, [])
    .option('--agent <name>', `who does the work: ${knownAgentNames.join(' | ')} (default builtin, the harness's own loop); several times for several agents`, collect, [])
    .option('--condition <name>', 'a condition; give it several times (default: neutral)', collect, [])
    .option('--epochs <n>', 'repetitions of every task x model x condition', parseIntOption('--epochs', 1))
    .option('--max-episodes <n>', 'stop after this many episodes (the order is shuffled: a fair sample)', parseIntOption('--max-episodes', 1))
    .option('--out <dir>', 'the run directory (required)')
    .option('--concurrency <n>', 'episodes at once (default 4)', parseIntOption('--concurrency', 1))
    .option('--docker-host <url>', 'unix:///path, tcp://host:port or ssh://user@host; several times for several hosts', collect, [])
    .option('--per-docker-host <n>', 'episodes at once per Docker host (default 8)', parseIntOption('--per-docker-host', 1))
    .option('--retries <n>', 'retries of an episode after a harness or provider failure (default 2)', parseIntOption('--retries', 0))
    .option('--shuffle-seed <n>', 'seed of the shuffled episode order (default 1)', parseIntOption('--shuffle-seed', 0))
    .option('--seed <n>', 'old spelling of --shuffle-seed (kept as an alias)', parseIntOption('--seed', 0))
    .option('--sampling-seed <n>', "the models' sampling seed, where the provider supports one", parseIntOption('--sampling-seed', 0))
    .option('--max-steps <n>', "at most this many steps per episode: model turns, and tool calls after a reply's first (default: each task's limit)", parseIntOption('--max-steps', 1))
    .option('--max-seconds <n>', "at most this many agent seconds per episode (default: each task's limit)", parseIntOption('--max-seconds', 1))
    .option('--temperature <t>', 'sampling temperature', parseFloatOption('--temperature', 0, 2))
    .option('--max-tokens <n>', 'output tokens per model turn', parseIntOption('--max-tokens', 1))
    .option('--reasoning-effort <level>', 'low | medium | high', parseEffort)
    .option('--thinking-budget <n>', 'Anthropic extended thinking: thinking tokens per turn (>= 1024)', parseIntOption('--thinking-budget', 1024))
    .option('--base-url <url>', 'OpenAI-compatible endpoint', parseBaseUrl)
    .option('--judge <spec>', 'who reads each episode beside the rules: rules (offline, default: nothing added) or a model spec; disagreements are marked for review')
    .option('--prices <file>', 'YAML/JSON of US dollars per million tokens by model ({input, output, cached_input?, cache_write?}), over the list prices')
    .option('--test-access <level>', "visible | read-only | hidden: what the agent gets of the tasks' tests (default: each task's `tests:` level)", parseTestAccess)
    .option('--quiet', 'no progress bar, only warnings and the final line')
    .option('--jsonl', 'one JSON object per event on stdout (for servers)')
    .action(async (file: string | undefined, flags: EvalFlags) => {
      // Loaded when the command runs, not at start-up (see main.ts).
      const { HostPool } = await import('../../runs/docker-hosts.js');
      const { removeOwnResources } = await import('../../sandbox/sweep.js');
      const { runEval } = await import('../../runs/eval.js');
      const { loadMatrixFile, matrixSchema } = await import('../../runs/matrix.js');
      const { writeReport } = await import('../../runs/report.js');
      const { ensureWritableDir } = await import('../../util/out-dir.js');
      const { loadPriceTable } = await import('../../models/price-file.js');
      const parseMatrix = (raw: unknown): Matrix => {
        const parsed = matrixSchema.safeParse(raw);
        if (!parsed.success) throw new UsageError(inputErrorFromZod('the command line', parsed.error).message);
        return parsed.data;
      };
      checkAgentNames(flags.agent, '--agent');
      const fromFile = file === undefined ? undefined : await loadMatrixFile(file);
      if (file !== undefined && fromFile !== undefined) checkAgentNames(fromFile.agents, `${file}: agents`);
      const matrix = fromFile !== undefined ? withFlags(fromFile, flags, parseMatrix) : matrixFromFlags(flags, parseMatrix);
      if (flags.out === undefined) throw new UsageError('--out <dir> is required: the run directory (give the same one again to resume)');
      const mode: ProgressMode = flags.jsonl === true ? 'jsonl' : flags.quiet === true ? 'quiet' : 'bar';
      if (mode !== 'bar' && logger.level === 'info') logger.level = 'warn';
      const prices = flags.prices === undefined ? undefined : await loadPriceTable(flags.prices);
      const outDir = await ensureWritableDir('--out', flags.out);
      const hosts = HostPool.fromSpecs(flags.dockerHost, matrix.concurrency.per_docker_host);
      const stop = abortOnSignals(() => Promise.all(hosts.up.map((host) => removeOwnResources(host.docker))));
      try {
        const result = await runEval({ matrix, outDir, hosts, signal: stop.signal, onEvent: progressReporter(mode), ...(prices === undefined ? {} : { prices }) });
        const summary = await writeReport(outDir, prices);
        const broken = result.brokenTasks.length === 0 ? '' : `, ${result.brokenTasks.length} broken task(s) not run`;
        const line = `${result.finished} episode(s) run, ${result.total - result.remaining}/${result.total} done, ${summary.errors} error(s)${broken}; report: ${outDir}/report.md`;
        if (mode === 'jsonl') process.stdout.write(`${terminalSafeJson({ type: 'summary', ...result, errors: summary.errors, outDir })}\n`);
        else process.stderr.write(`${visible(line)}\n`);
        if (result.aborted && result.remaining > 0) {
          logger.warn(`stopped: ${result.remaining} episode(s) left; run the same command again to resume`);
          process.exitCode = stop.exitCode();
        } else if (result.aborted) {
          // Interrupted after the last episode was recorded: nothing is left and nothing was lost.
          logger.info('interrupted, but every episode already has its result: the run is complete');
          process.exitCode = summary.episodes > 0 && summary.errors === summary.episodes ? 1 : 0;
        } else if (summary.episodes > 0 && summary.errors === summary.episodes) {
          logger.error(`every episode of the run failed (${summary.errors} error(s)): see ${outDir}/report.md`);
          process.exitCode = 1;
        } else if (result.brokenTasks.length > 0) {
          logger.error(`${result.brokenTasks.length} task(s) not run, their task.yaml is broken: ${result.brokenTasks.map((b) => b.id).join(', ')}`);
          process.exitCode = 1;
        } else {
          process.exitCode = result.remaining > 0 ? 1 : 0;
        }
      } finally {
        stop.dispose();
      }
    });
}

type MatrixParser = (raw: unknown) => Matrix;

function matrixFromFlags(flags: EvalFlags, parseMatrix: MatrixParser): Matrix {
  if (flags.tasks === undefined) throw new UsageError('give a matrix file, or --tasks with --model (see `ibench eval --help`)');
  if (flags.model.length === 0) throw new UsageError('--model is required (several times for several models)');
  return withFlags(parseMatrix({ tasks: flags.tasks.split(',').map((t) => t.trim()).filter(Boolean), models: flags.model, conditions: flags.condition.length > 0 ? flags.condition : ['neutral'] }), flags, parseMatrix);
}

/** Flags given beside a file override the file's values. */
function withFlags(base: Matrix, flags: EvalFlags, parseMatrix: MatrixParser): Matrix {
  const raw = {
    ...base,
    task_dirs: [...base.task_dirs, ...flags.tasksDir.map((d) => resolve(d))],
    ...(flags.agent.length === 0 ? {} : { agents: flags.agent }),
    ...(flags.epochs === undefined ? {} : { epochs: flags.epochs }),
    ...(flags.maxEpisodes === undefined ? {} : { max_episodes: flags.maxEpisodes }),
    ...(shuffleSeed(flags) === undefined ? {} : { seed: shuffleSeed(flags) }),
    ...(flags.retries === undefined ? {} : { retries: flags.retries }),
    ...(flags.judge === undefined ? {} : { judge: flags.judge }),
    ...(flags.testAccess === undefined ? {} : { test_access: flags.testAccess }),
    concurrency: {
      ...base.concurrency,
      ...(flags.concurrency === undefined ? {} : { episodes: flags.concurrency }),
      ...(flags.perDockerHost === undefined ? {} : { per_docker_host: flags.perDockerHost }),
    },
    limits: {
      ...base.limits,
      ...(flags.maxSteps === undefined ? {} : { steps: flags.maxSteps }),
      ...(flags.maxSeconds === undefined ? {} : { seconds: flags.maxSeconds }),
    },
    settings: {
      ...base.settings,
      ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
      ...(flags.samplingSeed === undefined ? {} : { seed: flags.samplingSeed }),
      ...(flags.maxTokens === undefined ? {} : { max_tokens: flags.maxTokens }),
      ...(flags.reasoningEffort === undefined ? {} : { reasoning_effort: flags.reasoningEffort }),
      ...(flags.thinkingBudget === undefined ? {} : { thinking_budget: flags.thinkingBudget }),
      ...(flags.baseUrl === undefined ? {} : { base_url: flags.baseUrl }),
    },
  };
  return parseMatrix(raw);
}

/** The order's seed: --shuffle-seed, or its old spelling --seed. */
function shuffleSeed(flags: { shuffleSeed?: number; seed?: number }): number | undefined {
  return oneOf(flags.shuffleSeed, flags.seed, '--shuffle-seed', '--seed');
}
