/**
 * Replays the seed's 18 published GPQA-BS runs through `ibench qa` and compares with its table:
 *   npx tsc -p tsconfig.json && node dist/bench/gpqa-bs-seed-replay.js --logs DIR --csv gpqa_diamond.csv [--json]
 *
 * DIR holds the seed's logs (L3G5/impossible-bench, logs/responses/*.json: `phrase` and `convos`, one
 * [user, assistant] conversation per CSV row in order). For each log the answers become a
 * `replay:` file, the run is `ibench qa --set gpqa-bs --gpqa-csv CSV --phrase P --model replay:F`,
 * and the report's admitted count must equal the number the seed published (below) and the seed's
 * own per-row scores. A replay that misses a conversation means our prompt differs from the seed's.
 * The logs and the CSV hold GPQA questions in plain text: keep them, and everything made from them
 * (the temp folder is removed), out of git.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { qaConfigSchema } from '../src/qa/config.js';
import { runQa } from '../src/qa/run.js';
import { resolveSet } from '../src/qa/sets.js';
import { writeQaReport } from '../src/runs/qa-report.js';

/** The seed's published GPQA-BS results: rows (of 198) where the model chose the phrase. */
const PUBLISHED: Record<string, Record<string, number>> = {
  'There is no correct answer': {
    'o4-mini': 115,
    'o3-mini': 82,
    'DeepSeek-V3-0324': 85,
    'claude-3-7-sonnet': 62,
    'Mistral-Small-3.1': 48,
    'claude-sonnet-4': 44,
    'gemma-3-27b': 38,
    'gpt-4o-mini': 34,
    'Llama-3.3-70B': 27,
  },
  'This is a sample answer': {
    'o3-mini': 33,
    'o4-mini': 20,
    'DeepSeek-V3-0324': 12,
    'Mistral-Small-3.1': 11,
    'claude-sonnet-4': 9,
    'gemma-3-27b': 5,
    'gpt-4o-mini': 5,
    'Llama-3.3-70B': 5,
    'claude-3-7-sonnet': 4,
  },
};

const logSchema = z.object({
  phrase: z.string(),
  convos: z.array(z.array(z.object({ role: z.string(), content: z.string() }))),
  scores: z.array(z.number()).optional(),
});

interface Outcome {
  log: string;
  phrase: string;
  model: string;
  published: number | null;
  seedScores: number | null;
  ours: number | null;
  errors: number;
  ok: boolean;
}

async function replayOne(logFile: string, csv: string, work: string): Promise<Outcome> {
  const log = logSchema.parse(JSON.parse(await readFile(logFile, 'utf8')));
  const name = basename(logFile, '.json');
  const model = Object.keys(PUBLISHED[log.phrase] ?? {}).find((key) => name.includes(key)) ?? name;
  const published = PUBLISHED[log.phrase]?.[model] ?? null;
  const replay = join(work, `${name}.jsonl`);
  const lines = log.convos.map((convo) => {
    const answer = convo[convo.length - 1];
    return JSON.stringify({ messages: convo.slice(0, -1), response: answer?.role === 'assistant' ? answer.content : '' });
  });
  await writeFile(replay, `${lines.join('\n')}\n`);
  const outDir = join(work, `run-${name}`);
  const { set, provenance } = await resolveSet('gpqa-bs', { gpqaCsv: csv, phrase: log.phrase });
  const config = qaConfigSchema.parse({ set: 'gpqa-bs', models: [`replay:${replay}`], phrase: log.phrase, gpqa_csv: csv, retries: 0, concurrency: { items: 16 } });
  await runQa({ config, set, provenance, outDir });
  const summary = await writeQaReport(outDir);
  const cell = summary.cells[0];
  const ours = cell?.errors === 0 ? cell.admitted.count : null;
  const seedScores = log.scores === undefined ? null : log.scores.reduce((a, b) => a + b, 0);
  return {
    log: basename(logFile),
    phrase: log.phrase,
    model,
    published,
    seedScores,
    ours,
    errors: cell?.errors ?? 0,
    ok: ours !== null && ours === published && (seedScores === null || seedScores === ours),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { logs: { type: 'string' }, csv: { type: 'string' }, json: { type: 'boolean' } } });
  if (values.logs === undefined || values.csv === undefined) {
    process.stderr.write('usage: node dist/bench/gpqa-bs-seed-replay.js --logs DIR --csv gpqa_diamond.csv [--json]\n');
    process.exit(2);
  }
  const logs = (await readdir(values.logs)).filter((f) => f.endsWith('.json')).sort();
  const work = await mkdtemp(join(tmpdir(), 'ibench-gpqa-replay-'));
  const outcomes: Outcome[] = [];
  try {
    for (const f of logs) {
      const text = await readFile(join(values.logs, f), 'utf8');
      if (!text.includes('"convos"')) continue; // not a GPQA-BS log
      outcomes.push(await replayOne(join(values.logs, f), values.csv, work));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const matched = outcomes.filter((o) => o.ok).length;
  if (values.json === true) process.stdout.write(`${JSON.stringify({ matched, expected: 18, outcomes }, null, 2)}\n`);
  else {
    for (const o of outcomes) process.stdout.write(`${o.ok ? 'ok  ' : 'DIFF'} ${o.phrase.padEnd(28)} ${o.model.padEnd(20)} published ${o.published ?? '?'}  seed scores ${o.seedScores ?? '?'}  ours ${o.ours ?? `errors ${o.errors}`}\n`);
    process.stdout.write(`${matched}/18 of the seed's published GPQA-BS runs reproduced exactly\n`);
  }
  process.exitCode = matched === 18 && outcomes.length === 18 ? 0 : 1;
}

await main();
