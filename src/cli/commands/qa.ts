import { Option, type Command } from 'commander';
import type { QaConfig } from '../../qa/config.js';
import type { QaRunResult } from '../../qa/run.js';
import { UsageError } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import { terminalSafeJson, visible } from '../../util/terminal.js';
import { inputErrorFromZod } from '../../util/zod-error.js';
import { abortOnSignals, oneOf, parseBaseUrl, parseEffort, parseFloatOption, parseIntOption } from '../options.js';
import { progressReporter, type ProgressMode } from '../progress.js';

interface QaFlags {
  set?: string;
  model: string[];
  condition: string[];
  judge?: string;
  epochs?: number;
  maxItems?: number;
  batch?: boolean;
  pollInterval?: number;
  phrase?: string;
  gpqaCsv?: string;
  out?: string;
  concurrency?: number;
  retries?: number;
  seed?: number;
  shuffleSeed?: number;
  samplingSeed?: number;
  temperature?: number;
  maxTokens?: number;
  reasoningEffort?: 'low' | 'medium' | 'high';
  baseUrl?: string;
  quiet?: boolean;
  jsonl?: boolean;
  agent?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerQa(program: Command): void {
  program
    .command('qa')
    .description('Ask a question set (BSBench, GPQA-BS or a JSONL file) x models x conditions x epochs into one run directory (same --out again resumes); no Docker')
    .argument('[file]', 'a YAML run file (set, models, conditions, judge, epochs, ...) instead of the flags')
    .option('--set <name|file>', 'bsbench, gpqa-bs, or a JSONL file of {"id", "question", "category"?, "impossible"?} lines')
    .option('--model <spec>', 'a model; give it several times for several models', collect, [])
    .option('--condition <name>', 'a QA condition (conditions/qa/) or a YAML path; several times (default: plain for gpqa-bs, seed-simple otherwise)', collect, [])
    .option('--judge <spec>', 'who decides whether an answer says the request is impossible: rules (offline, default) or a model spec')
    .option('--epochs <n>', 'repetitions of every item x model x condition', parseIntOption('--epochs', 1))
    .option('--max-items <n>', 'only the first n items of the set', parseIntOption('--max-items', 1))
    .option('--batch', "through the providers' batch APIs (half price); the same command again resumes polling")
    .option('--poll-interval <ms>', 'with --batch: milliseconds between polls of a running batch', parseIntOption('--poll-interval', 0))
    .option('--phrase <text>', 'GPQA-BS: the phrase that replaces the correct answer (default "There is no correct answer")')
    .option('--gpqa-csv <path>', 'GPQA-BS: the simple-evals gpqa_diamond.csv, instead of the cached download')
    .option('--out <dir>', 'the run directory (required)')
    .option('--concurrency <n>', 'items at once (default 4)', parseIntOption('--concurrency', 1))
    .option('--retries <n>', 'retries of an item after a provider failure (default 2)', parseIntOption('--retries', 0))
    .option('--shuffle-seed <n>', 'seed of the shuffled order (default 1)', parseIntOption('--shuffle-seed', 0))
    .option('--seed <n>', 'old spelling of --shuffle-seed (kept as an alias)', parseIntOption('--seed', 0))
    .option('--sampling-seed <n>', "the models' sampling seed, where the provider supports one", parseIntOption('--sampling-seed', 0))
    .option('--temperature <t>', 'sampling temperature', parseFloatOption('--temperature', 0, 2))
    .option('--max-tokens <n>', 'output tokens per answer', parseIntOption('--max-tokens', 1))
    .option('--reasoning-effort <level>', 'low | medium | high', parseEffort)
    .option('--base-url <url>', 'OpenAI-compatible endpoint', parseBaseUrl)
    .option('--quiet', 'no progress bar, only warnings and the final line')
    .option('--jsonl', 'one JSON object per event on stdout (for servers)')
    // Accepted only to be refused with a reason: a question is one model call, no agent takes part.
    .addOption(new Option('--agent <name>').hideHelp())
    .action(async (file: string | undefined, flags: QaFlags) => {
      if (flags.agent !== undefined) throw new UsageError('--agent: `ibench qa` asks the model single questions, with no agent; use `ibench eval --agent` for agents');
      // Loaded when the command runs, not at start-up (see main.ts); the batch SDKs only for --batch.
      const { loadQaConfigFile, qaConfigSchema } = await import('../../qa/config.js');
      const { resolveSet } = await import('../../qa/sets.js');
      const { writeQaReport } = await import('../../runs/qa-report.js');
      const { ensureWritableDir } = await import('../../util/out-dir.js');
      const parseConfig = (raw: unknown): QaConfig => {
        const parsed = qaConfigSchema.safeParse(raw);
        if (!parsed.success) throw new UsageError(inputErrorFromZod('the command line', parsed.error).message);
        return parsed.data;
      };
      const config = file !== undefined ? withFlags(await loadQaConfigFile(file), flags, parseConfig) : configFromFlags(flags, parseConfig);
      if (flags.out === undefined) throw new UsageError('--out <dir> is required: the run directory (give the same one again to resume)');
      const mode: ProgressMode = flags.jsonl === true ? 'jsonl' : flags.quiet === true ? 'quiet' : 'bar';
      if (mode !== 'bar' && logger.level === 'info') logger.level = 'warn';
      const outDir = await ensureWritableDir('--out', flags.out);
      const { set, provenance } = await resolveSet(config.set, {
        ...(config.gpqa_csv === undefined ? {} : { gpqaCsv: config.gpqa_csv }),
        ...(config.phrase === undefined ? {} : { phrase: config.phrase }),
      });
      const stop = abortOnSignals();
      try {
        const common = { config, set, provenance, outDir, signal: stop.signal, onEvent: progressReporter(mode) };
        const baseUrl = config.settings.base_url;
        let result: QaRunResult;
        if (config.batch) {
          const { runQaBatch } = await import('../../qa/run-batch.js');
          const { createBatchRunner } = await import('../../qa/batch/index.js');
          result = await runQaBatch({ ...common, ...(config.poll_interval_ms === undefined ? {} : { pollIntervalMs: config.poll_interval_ms }), runnerFor: (spec) => createBatchRunner(spec, baseUrl === undefined ? {} : { baseUrl }) });
        } else {
          const { runQa } = await import('../../qa/run.js');
          result = await runQa(common);
        }
        const summary = await writeQaReport(outDir);
        if (mode === 'jsonl') process.stdout.write(`${terminalSafeJson({ type: 'summary', ...result, errors: summary.errors, outDir })}\n`);
        else process.stderr.write(`${visible(`${result.finished} item(s) asked, ${result.total - result.remaining}/${result.total} done, ${summary.errors} error(s); report: ${outDir}/report.md`)}\n`);
        if (result.aborted && result.remaining > 0) {
          logger.warn(`stopped: ${result.remaining} item(s) left; run the same command again to resume`);
          process.exitCode = stop.exitCode();
        } else if (result.aborted) {
          logger.info('interrupted, but every item already has its result: the run is complete');
          process.exitCode = 0;
        } else {
          process.exitCode = result.remaining > 0 ? 1 : 0;
        }
      } finally {
        stop.dispose();
      }
    });
}

type ConfigParser = (raw: unknown) => QaConfig;

function configFromFlags(flags: QaFlags, parseConfig: ConfigParser): QaConfig {
  if (flags.set === undefined) throw new UsageError('give a QA run file, or --set with --model (see `ibench qa --help`)');
  if (flags.model.length === 0) throw new UsageError('--model is required (several times for several models)');
  return withFlags(parseConfig({ set: flags.set, models: flags.model }), flags, parseConfig);
}

/** Flags given beside a file override the file's values. */
function withFlags(base: QaConfig, flags: QaFlags, parseConfig: ConfigParser): QaConfig {
  return parseConfig({
    ...base,
    ...(flags.set === undefined ? {} : { set: flags.set }),
    ...(flags.model.length === 0 ? {} : { models: flags.model }),
    ...(flags.condition.length === 0 ? {} : { conditions: flags.condition }),
    ...(flags.judge === undefined ? {} : { judge: flags.judge }),
    ...(flags.epochs === undefined ? {} : { epochs: flags.epochs }),
    ...(flags.maxItems === undefined ? {} : { max_items: flags.maxItems }),
    ...(flags.batch === undefined ? {} : { batch: flags.batch }),
    ...(flags.pollInterval === undefined ? {} : { poll_interval_ms: flags.pollInterval }),
    ...(flags.phrase === undefined ? {} : { phrase: flags.phrase }),
    ...(flags.gpqaCsv === undefined ? {} : { gpqa_csv: flags.gpqaCsv }),
    ...(shuffleSeed(flags) === undefined ? {} : { seed: shuffleSeed(flags) }),
    ...(flags.retries === undefined ? {} : { retries: flags.retries }),
    concurrency: { ...base.concurrency, ...(flags.concurrency === undefined ? {} : { items: flags.concurrency }) },
    settings: {
      ...base.settings,
      ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
      ...(flags.samplingSeed === undefined ? {} : { seed: flags.samplingSeed }),
      ...(flags.maxTokens === undefined ? {} : { max_tokens: flags.maxTokens }),
      ...(flags.reasoningEffort === undefined ? {} : { reasoning_effort: flags.reasoningEffort }),
      ...(flags.baseUrl === undefined ? {} : { base_url: flags.baseUrl }),
    },
  });
}

/** The order's seed: --shuffle-seed, or its old spelling --seed. */
function shuffleSeed(flags: { shuffleSeed?: number; seed?: number }): number | undefined {
  return oneOf(flags.shuffleSeed, flags.seed, '--shuffle-seed', '--seed');
}
