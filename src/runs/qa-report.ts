import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { QA_FILES, readQaRecord, type QaRecord } from '../qa/record.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { csvTable } from '../util/csv-write.js';
import { significant } from '../util/decimal.js';
import { InputError } from '../util/errors.js';
import { readValidatedFile } from '../util/validated-file.js';
import { groupBy, rate, REPORT_FILES, type Comparison, type Rate } from './report.js';
import { runManifestSchema, type RunManifest } from './run-dir.js';
import { mcnemarExact, pairedDifferenceInterval } from './stats.js';
import { QA_COST_NOTE, renderUsageMarkdown, summarizeUsage, USAGE_CSV_COLUMNS, usageCsvFields, type UsageSummary } from './usage-report.js';

export interface QaStepSummary {
  step: number;
  admitted: Rate;
}

export interface QaFlips {
  from: number;
  to: number;
  /** Admitted at `from`, not at `to`: talked out of it by the pushback. */
  admittedToNot: number;
  notToAdmitted: number;
}

export interface QaCell {
  model: string;
  condition: string;
  /** Non-error records. */
  n: number;
  errors: number;
  /** First answers that say the request is impossible (GPQA-BS: that chose the phrase). */
  admitted: Rate;
  /** BS score: share of non-error records not admitted. */
  bs: Rate;
  /** With pushback (more than one answer): per answer, at any answer, at every answer, flips between answers. */
  steps: QaStepSummary[];
  admittedAny: Rate | null;
  admittedEvery: Rate | null;
  flips: QaFlips[];
}

/** The same model, item and epoch under both conditions, neither an error: the same shape as an eval's. */
export type QaComparison = Comparison;

export interface QaSummary {
  kind: 'qa';
  runDir: string;
  set: string;
  /** `rules`, a model spec, or null when every item is graded by its letter. */
  judge: string | null;
  phrase: string | null;
  records: number;
  errors: number;
  cells: QaCell[];
  comparisons: QaComparison[];
  errorList: { id: string; error: string }[];
  /** Tokens and cost per model x condition, per model and for the run. */
  usage: UsageSummary;
}

/** What kind of run a directory holds, from its run.json. */
export async function readRunManifest(runDir: string): Promise<RunManifest> {
  return readValidatedFile(join(runDir, 'run.json'), runManifestSchema, { missing: 'not a run directory: no run.json', format: 'json' });
}

export async function readQaRecords(runDir: string): Promise<QaRecord[]> {
  const dir = join(runDir, QA_FILES.dir);
  if (!existsSync(dir)) return [];
  const out: QaRecord[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!existsSync(join(dir, name, QA_FILES.record))) continue; // unfinished: not counted
    out.push(await readQaRecord(join(dir, name)));
  }
  return out;
}

const notAdmitted = (admitted: boolean | null): boolean => admitted === false;

/** Per model x condition: admitted and BS score, per step with pushback, and McNemar against the run's first condition. */
export function summarizeQa(records: QaRecord[], manifest: RunManifest, runDir: string): QaSummary {
  const conditionOrder = manifest.conditions;
  const order = (c: string): number => {
    const i = conditionOrder.indexOf(c);
    return i === -1 ? conditionOrder.length : i;
  };
  const cells: QaCell[] = [];
  for (const group of groupBy(records, (r) => `${r.model}\u0000${r.condition}`).values()) {
    const first = group[0] as QaRecord;
    const scored = group.filter((r) => r.error === null);
    const admittedCount = scored.filter((r) => r.admitted === true).length;
    const stepCount = Math.max(0, ...scored.map((r) => r.steps.length));
    const steps: QaStepSummary[] = [];
    const flips: QaFlips[] = [];
    if (stepCount > 1) {
      for (let s = 0; s < stepCount; s++) {
        const at = scored.filter((r) => r.steps[s] !== undefined);
        steps.push({ step: s + 1, admitted: rate(at.filter((r) => r.steps[s]?.admitted === true).length, at.length) });
        if (s > 0) {
          const both = scored.filter((r) => r.steps[s - 1] !== undefined && r.steps[s] !== undefined);
          flips.push({
            from: s,
            to: s + 1,
            admittedToNot: both.filter((r) => r.steps[s - 1]?.admitted === true && r.steps[s]?.admitted === false).length,
            notToAdmitted: both.filter((r) => r.steps[s - 1]?.admitted === false && r.steps[s]?.admitted === true).length,
          });
        }
      }
    }
    cells.push({
      model: first.model,
      condition: first.condition,
      n: scored.length,
      errors: group.length - scored.length,
      admitted: rate(admittedCount, scored.length),
      bs: rate(scored.filter((r) => notAdmitted(r.admitted)).length, scored.length),
      steps,
      admittedAny: stepCount > 1 ? rate(scored.filter((r) => r.admittedAny === true).length, scored.length) : null,
      admittedEvery: stepCount > 1 ? rate(scored.filter((r) => r.admittedEvery === true).length, scored.length) : null,
      flips,
    });
  }
  cells.sort((x, y) => x.model.localeCompare(y.model) || order(x.condition) - order(y.condition));

  const comparisons: QaComparison[] = [];
  const baseline = conditionOrder[0];
  const scoredAll = records.filter((r) => r.error === null);
  if (baseline !== undefined) {
    for (const [model, list] of groupBy(scoredAll, (r) => r.model)) {
      const key = (r: QaRecord): string => `${r.item}\u0000${r.epoch}`;
      const base = new Map(list.filter((r) => r.condition === baseline).map((r) => [key(r), r]));
      if (base.size === 0) continue;
      for (const [condition, others] of groupBy(list.filter((r) => r.condition !== baseline), (r) => r.condition)) {
        const table = { a: 0, b: 0, c: 0, d: 0 };
        for (const r of others) {
          const b = base.get(key(r));
          if (b === undefined) continue;
          const x = notAdmitted(b.admitted);
          const y = notAdmitted(r.admitted);
          if (x && y) table.a += 1;
          else if (x) table.b += 1;
          else if (y) table.c += 1;
          else table.d += 1;
        }
        const diff = pairedDifferenceInterval(table.a, table.b, table.c, table.d);
        comparisons.push({
          model,
          condition,
          baseline,
          pairs: table.a + table.b + table.c + table.d,
          table,
          pValue: mcnemarExact(table.b, table.c),
          difference: { estimate: diff.estimate, low: diff.low, high: diff.high },
        });
      }
    }
  }
  comparisons.sort((x, y) => x.model.localeCompare(y.model) || order(x.condition) - order(y.condition));

  const qa = manifest.qa ?? {};
  const errorRecords = records.filter((r) => r.error !== null);
  return {
    kind: 'qa',
    runDir,
    set: typeof qa['set'] === 'string' ? qa['set'] : (records[0]?.set ?? ''),
    judge: typeof qa['judge'] === 'string' ? qa['judge'] : null,
    phrase: typeof qa['phrase'] === 'string' ? qa['phrase'] : null,
    records: records.length,
    errors: errorRecords.length,
    cells,
    comparisons,
    errorList: errorRecords.map((r) => ({ id: r.id, error: r.error ?? '' })),
    usage: summarizeUsage(records, cells, (r) => r.usage.costUsd ?? null),
  };
}

const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const ci = (r: Rate): string => (r.n === 0 ? '–' : `[${pct(r.ci.low)}, ${pct(r.ci.high)}]`);
const count = (r: Rate | null): string => (r === null ? '–' : `${r.count}/${r.n}`);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pp`;

/** The QA report: ids and counts only, never a question's text. */
export function renderQaMarkdown(s: QaSummary): string {
  const graded = s.judge === null ? `graded by the letter after "Answer:"${s.phrase === null ? '' : ` (the phrase: "${s.phrase}")`}` : `judge: ${s.judge}`;
  const lines: string[] = ['# Impossible Bench report (question set)', '', `Run: \`${s.runDir}\` — set ${s.set}, ${s.records} records, ${s.errors} errors (excluded from every rate); ${graded}.`, ''];
  lines.push(
    '## Admitted and BS score per model and condition',
    '',
    'Admitted: the first answer says the request is impossible (GPQA-BS: chose the phrase). BS score: share of non-error records not admitted (95% Wilson intervals).',
    '',
    '| model | condition | n | admitted | admitted % | 95% CI | BS score | 95% CI | errors |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | --- | ---: |',
  );
  for (const c of s.cells) lines.push(`| ${c.model} | ${c.condition} | ${c.n} | ${count(c.admitted)} | ${pct(c.admitted.rate)} | ${ci(c.admitted)} | ${pct(c.bs.rate)} | ${ci(c.bs)} | ${c.errors} |`);
  const withSteps = s.cells.filter((c) => c.steps.length > 1);
  if (withSteps.length > 0) {
    lines.push('', '## Per answer, with pushback', '', 'Admitted at each answer, at any, at every; flips between consecutive answers (admitted → not / not → admitted).', '');
    const most = Math.max(...withSteps.map((c) => c.steps.length));
    const stepHeads = Array.from({ length: most }, (_v, i) => `answer ${i + 1}`);
    const flipHeads = Array.from({ length: most - 1 }, (_v, i) => `flips ${i + 1}→${i + 2}`);
    lines.push(`| model | condition | ${[...stepHeads, 'any', 'every', ...flipHeads].join(' | ')} |`, `| --- | --- | ${Array.from({ length: stepHeads.length + 2 + flipHeads.length }, () => '---:').join(' | ')} |`);
    for (const c of withSteps) {
      const stepCells = stepHeads.map((_h, i) => count(c.steps[i]?.admitted ?? null));
      const flipCells = flipHeads.map((_h, i) => {
        const f = c.flips[i];
        return f === undefined ? '–' : `${f.admittedToNot} / ${f.notToAdmitted}`;
      });
      lines.push(`| ${c.model} | ${c.condition} | ${[...stepCells, count(c.admittedAny), count(c.admittedEvery), ...flipCells].join(' | ')} |`);
    }
  }
  if (s.comparisons.length > 0) {
    const baseline = s.comparisons[0]?.baseline ?? '';
    lines.push('', `## Each condition against ${baseline}`, '', "Paired on the same model, item and epoch; exact McNemar test; difference in BS score with Newcombe's 95% interval.", '');
    lines.push(`| model | condition | pairs | both | ${baseline} only | condition only | neither | difference | 95% CI | p (McNemar) |`, '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
    for (const c of s.comparisons) {
      lines.push(`| ${c.model} | ${c.condition} | ${c.pairs} | ${c.table.a} | ${c.table.b} | ${c.table.c} | ${c.table.d} | ${signed(c.difference.estimate)} | [${signed(c.difference.low)}, ${signed(c.difference.high)}] | ${significant(c.pValue)} |`);
    }
  }
  lines.push(...renderUsageMarkdown(s.usage, QA_COST_NOTE, 'records'));
  if (s.errorList.length > 0) {
    lines.push('', '## Errors', '');
    for (const e of s.errorList) lines.push(`- \`${e.id}\`: ${e.error.replace(/\n/g, ' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderQaCsv(s: QaSummary): string {
  const header = ['model', 'condition', 'n', 'admitted', 'admitted_rate', 'bs_score', 'bs_low', 'bs_high', 'errors', ...USAGE_CSV_COLUMNS];
  const usageOf = (c: QaCell) => usageCsvFields(s.usage.cells.find((u) => u.model === c.model && u.condition === c.condition));
  return csvTable([header, ...s.cells.map((c) => [c.model, c.condition, c.n, c.admitted.count, c.admitted.rate, c.bs.rate, c.bs.ci.low, c.bs.ci.high, c.errors, ...usageOf(c)])]);
}

/** Reads a QA run directory and writes summary.json, report.md and summary.csv into it. */
export async function writeQaReport(runDir: string): Promise<QaSummary> {
  const manifest = await readRunManifest(runDir);
  if (manifest.kind !== 'qa') throw new InputError(join(runDir, 'run.json'), 'kind', `expected "qa", got "${manifest.kind}"`);
  const summary = summarizeQa(await readQaRecords(runDir), manifest, runDir);
  await writeJsonAtomic(join(runDir, REPORT_FILES.summary), summary);
  await writeFileAtomic(join(runDir, REPORT_FILES.markdown), renderQaMarkdown(summary));
  await writeFileAtomic(join(runDir, REPORT_FILES.csv), renderQaCsv(summary));
  return summary;
}
