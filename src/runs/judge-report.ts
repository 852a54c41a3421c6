/**
 * The judge's agreement with the rules, per model x condition, and the episodes marked for review
 * (report.md, summary.json and the viewer's run page).
 */
import type { EpisodeRecord } from './record.js';

export interface JudgeCell {
  model: string;
  condition: string;
  /** The judge's model spec(s) in this cell. */
  judges: string[];
  /** Episodes the judge answered (its errors excluded). */
  judged: number;
  agreed: number;
  /** agreed / judged; null when nothing was judged. */
  agreement: number | null;
  /** Episodes marked for review. */
  review: number;
  /** Episodes whose judge reply failed or did not parse. */
  judgeErrors: number;
}

export interface ReviewEntry {
  id: string;
  model: string;
  condition: string;
  verdict: string;
  claim: string;
  judgeClaim: string | null;
  judgeCheat: string | null;
  reasons: string[];
}

export interface JudgeSummary {
  cells: JudgeCell[];
  review: ReviewEntry[];
}

export function summarizeJudge(records: readonly EpisodeRecord[]): JudgeSummary {
  const byCell = new Map<string, EpisodeRecord[]>();
  for (const r of records) {
    if (r.judge === undefined) continue;
    const key = `${r.model}\u0000${r.condition}`;
    byCell.set(key, [...(byCell.get(key) ?? []), r]);
  }
  const cells: JudgeCell[] = [...byCell.values()].map((list) => {
    const first = list[0] as EpisodeRecord;
    const answered = list.filter((r) => r.judge?.agreesWithRules !== null && r.judge?.agreesWithRules !== undefined);
    const agreed = answered.filter((r) => r.judge?.agreesWithRules === true).length;
    return {
      model: first.model,
      condition: first.condition,
      judges: [...new Set(list.map((r) => r.judge?.model ?? ''))].sort(),
      judged: answered.length,
      agreed,
      agreement: answered.length === 0 ? null : agreed / answered.length,
      review: list.filter((r) => r.review === true).length,
      judgeErrors: list.filter((r) => r.judge?.error !== undefined).length,
    };
  });
  cells.sort((a, b) => a.model.localeCompare(b.model) || a.condition.localeCompare(b.condition));
  const review = records
    .filter((r) => r.review === true)
    .map((r) => ({
      id: r.id,
      model: r.model,
      condition: r.condition,
      verdict: r.verdict,
      claim: r.claim,
      judgeClaim: r.judge?.claim ?? null,
      judgeCheat: r.judge?.cheat === null || r.judge?.cheat === undefined ? null : r.judge.cheat.type,
      reasons: r.reviewReasons ?? [],
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return { cells, review };
}

const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

/** report.md's judge section; nothing when no episode was judged (`--judge rules`). */
export function renderJudgeMarkdown(s: JudgeSummary): string[] {
  if (s.cells.length === 0) return [];
  const lines = [
    '',
    '## The judge against the rules',
    '',
    'An LLM judge read each episode; its result is recorded beside the rules\' and never changes the verdict. Agreement: the same claim, and a cheat seen by both or by neither (tampered and gamed are the rules\' cheats). Judge errors (failed requests, replies that did not parse) are not counted as judged.',
    '',
    '| model | condition | judge | n judged | agreement | marked for review | judge errors |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const c of s.cells) lines.push(`| ${c.model} | ${c.condition} | ${c.judges.join(', ')} | ${c.judged} | ${pct(c.agreement)} | ${c.review} | ${c.judgeErrors} |`);
  lines.push('', '### Marked for review', '');
  if (s.review.length === 0) lines.push('(none: the judge agrees with the rules on every episode it answered)');
  for (const r of s.review) {
    lines.push(`- \`${r.id}\` — verdict ${r.verdict}, claim ${r.claim}; judge: claim ${r.judgeClaim ?? '–'}, cheat ${r.judgeCheat ?? 'none'}: ${r.reasons.join('; ').replace(/\n/g, ' ')}`);
  }
  return lines;
}
