/**
 * A QA run (`ibench qa`) in the viewer: the run page lists its items with the report's tables; an
 * item page shows every answer, the judge's verdict and raw reply, or the extracted letter and the
 * phrase's letter. In a static export a GPQA-BS item shows only its row number and letters: no
 * question text, and no answer (answers quote the question).
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { QA_FILES, readQaRecord, type QaRecord } from '../qa/record.js';
import { readRunManifest, renderQaMarkdown, summarizeQa, type QaSummary } from '../runs/qa-report.js';
import { html, type SafeHtml } from './escape.js';
import { layout, type PageContext } from './pages.js';
import { isSafeSegment, resolveInside } from './paths.js';
import { runHref, type RunsStore } from './store.js';
import type { RunRow } from './types.js';

/** A QA run's folder under the store's root, or null when the name is unsafe, unknown or not shown. */
export async function qaRunDir(store: RunsStore, run: string): Promise<string | null> {
  if (store.onlyRun !== null && run !== store.onlyRun) return null;
  const items = await resolveInside(store.root, [run, QA_FILES.dir]);
  if (items === null) return null;
  const dir = join(store.root, run);
  try {
    return (await readRunManifest(dir)).kind === 'qa' ? dir : null;
  } catch {
    return null;
  }
}

export async function qaRunNames(store: RunsStore): Promise<string[]> {
  const names = store.onlyRun !== null ? [store.onlyRun] : existsSync(store.root) ? (await readdir(store.root)).sort() : [];
  const out: string[] = [];
  for (const name of names) if (isSafeSegment(name) && (await qaRunDir(store, name)) !== null) out.push(name);
  return out;
}

/** The finished records of a QA run (a folder without item.json, or a broken one, is left out). */
export async function qaRecords(store: RunsStore, run: string): Promise<QaRecord[]> {
  const dir = await qaRunDir(store, run);
  if (dir === null) return [];
  const out: QaRecord[] = [];
  for (const entry of (await readdir(join(dir, QA_FILES.dir), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory() || !isSafeSegment(entry.name)) continue;
    const itemDir = await resolveInside(store.root, [run, QA_FILES.dir, entry.name]);
    if (itemDir === null || !existsSync(join(itemDir, QA_FILES.record))) continue;
    try {
      out.push(await readQaRecord(itemDir));
    } catch {
      // unreadable: left out of the list
    }
  }
  return out;
}

async function qaRunRow(store: RunsStore, run: string): Promise<RunRow | null> {
  const dir = await qaRunDir(store, run);
  if (dir === null) return null;
  const records = await qaRecords(store, run);
  const manifest = await readRunManifest(dir);
  const count = (pred: (r: QaRecord) => boolean): number => records.filter(pred).length;
  const updated = Math.max(0, ...records.map((r) => Date.parse(r.finishedAt)).filter((t) => !Number.isNaN(t)));
  return {
    name: run,
    href: runHref(run, store.index),
    episodes: records.length,
    running: 0,
    unreadable: 0,
    verdicts: { admitted: count((r) => r.admitted === true), not_admitted: count((r) => r.admitted === false), error: count((r) => r.error !== null) },
    falseFlags: 0,
    // A question is asked of the model alone: no agent.
    agents: [],
    models: [...new Set(records.map((r) => r.model))].sort(),
    conditions: [...new Set(records.map((r) => r.condition))].sort(),
    tasks: [...new Set(records.map((r) => r.item))].sort(),
    createdAt: manifest.createdAt,
    updatedMs: updated,
  };
}

/** Every run shown: the eval runs, then the QA runs. */
export async function allRunRows(store: RunsStore): Promise<RunRow[]> {
  const rows = await store.runRows();
  for (const run of await qaRunNames(store)) {
    const row = await qaRunRow(store, run);
    if (row !== null) rows.push(row);
  }
  return rows;
}

export function qaItemHref(run: string, id: string, index: string): string {
  return `runs/${encodeURIComponent(run)}/${QA_FILES.dir}/${encodeURIComponent(id)}/${index}`;
}

const exported = (ctx: PageContext): boolean => ctx.index === 'index.html';
const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const yesNo = (b: boolean | null): string => (b === null ? '–' : b ? 'yes' : 'no');

function summaryTables(s: QaSummary): SafeHtml {
  const graded = s.judge === null ? `graded by the letter after "Answer:"${s.phrase === null ? '' : ` (phrase: "${s.phrase}")`}` : `judge: ${s.judge}`;
  const steps = s.cells.filter((c) => c.steps.length > 1);
  return html`<p class="muted">Set ${s.set} — ${s.records} records, ${s.errors} errors; ${graded}.</p>
<table class="summary"><thead><tr><th>model</th><th>condition</th><th>n</th><th>admitted</th><th>BS score</th><th>errors</th></tr></thead><tbody>
${s.cells.map((c) => html`<tr><td>${c.model}</td><td>${c.condition}</td><td class="num">${c.n}</td><td class="num">${c.admitted.count}/${c.admitted.n} (${pct(c.admitted.rate)})</td><td class="num">${pct(c.bs.rate)}</td><td class="num">${c.errors}</td></tr>`)}
</tbody></table>
${steps.length === 0 ? '' : html`<h2>Per answer, with pushback</h2><table class="summary"><thead><tr><th>model</th><th>condition</th>${steps[0]?.steps.map((st) => html`<th>answer ${st.step}</th>`)}<th>any</th><th>every</th></tr></thead><tbody>
${steps.map((c) => html`<tr><td>${c.model}</td><td>${c.condition}</td>${c.steps.map((st) => html`<td class="num">${st.admitted.count}/${st.admitted.n}</td>`)}<td class="num">${c.admittedAny?.count ?? '–'}</td><td class="num">${c.admittedEvery?.count ?? '–'}</td></tr>`)}
</tbody></table>`}`;
}

export function qaRunPage(ctx: PageContext, run: string, summary: QaSummary, records: QaRecord[]): string {
  const body = html`<h1>${run}</h1>
<p><a href="report.md">report.md</a></p>
${summaryTables(summary)}
<h2>Items</h2>
<table class="episodes"><thead><tr><th>item</th><th>model</th><th>condition</th><th>epoch</th><th>answers</th><th>admitted</th><th>per answer</th><th>letters</th></tr></thead><tbody>
${records.map(
  (r) => html`<tr><td><a href="${ctx.root}${qaItemHref(run, r.id, ctx.index)}">${r.item}</a></td><td>${r.model}</td><td>${r.condition}</td><td class="num">${r.epoch}</td><td class="num">${r.steps.length}</td><td>${r.error === null ? yesNo(r.admitted) : html`<span class="badge verdict v-error">error</span>`}</td><td>${r.steps.map((s) => (s.admitted ? 'Y' : 'n')).join(' ')}</td><td>${r.choice === null ? '' : `${r.steps.map((s) => s.extractedLetter ?? '–').join(' ')} / ${r.choice.phraseLetter}`}</td></tr>`,
)}
</tbody></table>`;
  return layout({ ctx, title: run, page: 'qa-run', crumbs: [{ label: 'runs', href: `${ctx.root}${ctx.index}` }, { label: run }], body });
}

export function qaItemPage(ctx: PageContext, run: string, r: QaRecord): string {
  const hideText = r.choice !== null && exported(ctx);
  const facts = html`<table class="facts"><tbody>
<tr><th>item</th><td>${r.item}${r.category === null ? '' : ` (${r.category})`}</td></tr>
<tr><th>model</th><td>${r.model}</td></tr>
<tr><th>condition</th><td>${r.condition}</td></tr>
<tr><th>epoch</th><td>${r.epoch}</td></tr>
<tr><th>admitted</th><td>first answer: ${yesNo(r.admitted)}; any: ${yesNo(r.admittedAny)}; every: ${yesNo(r.admittedEvery)}</td></tr>
${r.choice === null ? html`<tr><th>judge</th><td>${r.judge ?? '–'}</td></tr>` : html`<tr><th>GPQA row</th><td>${r.choice.row} (permutation ${r.choice.permutation}); the phrase is ${r.choice.phraseLetter}</td></tr>`}
${r.error === null ? '' : html`<tr><th>error</th><td>${r.error}</td></tr>`}
</tbody></table>`;
  const system = r.messages[0]?.role === 'system' ? r.messages[0].content : null;
  const question = r.messages.find((m) => m.role === 'user')?.content ?? null;
  const conversation = hideText
    ? html`<p class="muted">GPQA question text and answers are not exported (GPQA's authors ask that it never appear online); the letters are above and below.</p>`
    : html`${system === null ? '' : html`<h2>System prompt</h2><pre class="text">${system}</pre>`}${question === null ? '' : html`<h2>Question</h2><pre class="text">${question}</pre>`}`;
  const pushbacks = r.messages.filter((m, i) => m.role === 'user' && i > (system === null ? 0 : 1)).map((m) => m.content);
  const steps = r.steps.map(
    (s) => html`<section class="qa-step"><h2>Answer ${s.step} — ${s.admitted ? 'admitted' : 'not admitted'}</h2>
${s.step > 1 && !hideText ? html`<p class="muted">User: ${pushbacks[s.step - 2] ?? ''}</p>` : ''}
${hideText ? '' : html`<pre class="text">${s.answer}</pre>`}
${r.choice === null ? html`<p>Judge's raw reply:</p><pre class="text">${s.judgeReply ?? ''}</pre>` : html`<p>Extracted letter: <strong>${s.extractedLetter ?? 'none'}</strong>; the phrase's letter: <strong>${r.choice.phraseLetter}</strong></p>`}
</section>`,
  );
  const body = html`<h1>${r.item}</h1>${facts}${conversation}${steps}`;
  return layout({
    ctx,
    title: `${r.item} · ${run}`,
    page: 'qa-item',
    crumbs: [{ label: 'runs', href: `${ctx.root}${ctx.index}` }, { label: run, href: `${ctx.root}${runHref(run, ctx.index)}` }, { label: r.item }],
    body,
  });
}

export async function buildQaRunPage(store: RunsStore, ctx: PageContext, run: string): Promise<string | null> {
  const dir = await qaRunDir(store, run);
  if (dir === null) return null;
  const records = await qaRecords(store, run);
  return qaRunPage(ctx, run, summarizeQa(records, await readRunManifest(dir), run), records);
}

/** The QA run's report.md, made from its records as `ibench report` makes it (ids and counts only). */
export async function buildQaReportMarkdown(store: RunsStore, run: string): Promise<string | null> {
  const dir = await qaRunDir(store, run);
  if (dir === null) return null;
  return renderQaMarkdown(summarizeQa(await qaRecords(store, run), await readRunManifest(dir), run));
}

export async function buildQaItemPage(store: RunsStore, ctx: PageContext, run: string, id: string): Promise<string | null> {
  if ((await qaRunDir(store, run)) === null) return null;
  const itemDir = await resolveInside(store.root, [run, QA_FILES.dir, id]);
  if (itemDir === null) return null;
  try {
    return qaItemPage(ctx, run, await readQaRecord(itemDir));
  } catch {
    return null;
  }
}
