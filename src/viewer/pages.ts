/**
 * The viewer's pages as HTML strings. Everything shown from a run goes through the html`` template
 * (escape.ts); lists and the transcript are drawn by the client script from the JSON embedded in
 * <script type="application/json" id="page-data"> (never as markup).
 */
import { agentOf, BUILTIN_AGENT } from '../runs/agents.js';
import type { EpisodeRecord } from '../runs/record.js';
import { BASELINE_CONDITION, hasAgents, summarize, renderSvg, type Rate, type RunSummary } from '../runs/report.js';
import { costText, type UsageSummary, type UsageTotal } from '../runs/usage-report.js';
import { significant } from '../util/decimal.js';
import { verdicts } from '../inspect/types.js';
import { html, jsonForScript, trusted, type HtmlValue, type SafeHtml } from './escape.js';
import { EPISODE_COLUMNS } from './columns.js';
import { renderDiff } from './diff.js';
import { isFalseFlag, verdictClasses, verdictLabel } from './outcome.js';
import { SEARCH_QUERY_MAX, SEARCH_QUERY_MIN } from './search.js';
import { episodeHref, runHref, type EpisodeEntry } from './store.js';
import type { EpisodeRow, RunRow, TranscriptPage } from './types.js';

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

/** The same policy for a static export, as a <meta> (which cannot carry frame-ancestors). */
export const META_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'none'";

export interface PageContext {
  /** The relative path from this page to the site root ('' or '../../'...). */
  root: string;
  /** Served by `ibench view` (polls for new episodes); false in a static export. */
  live: boolean;
  /** Appended to folder links: '' when served, 'index.html' in an export. */
  index: '' | 'index.html';
}

interface Crumb {
  label: string;
  href?: string;
}

interface LayoutOptions {
  ctx: PageContext;
  title: string;
  page: string;
  crumbs: Crumb[];
  body: SafeHtml;
  data?: unknown;
  diffCss?: boolean;
}

export function layout(o: LayoutOptions): string {
  const { root } = o.ctx;
  const crumbs = o.crumbs.map((c, i) => html`${i > 0 ? html`<span class="sep">›</span>` : ''}${c.href === undefined ? html`<span>${c.label}</span>` : html`<a href="${c.href}">${c.label}</a>`}`);
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
${o.ctx.index === 'index.html' ? html`<meta http-equiv="Content-Security-Policy" content="${META_CSP}">` : ''}
<title>${o.title} · Impossible Bench</title>
<link rel="stylesheet" href="${root}assets/viewer.css">
${o.diffCss === true ? html`<link rel="stylesheet" href="${root}assets/diff2html.min.css">` : ''}
<script src="${root}assets/viewer.js" defer></script>
</head>
<body data-page="${o.page}" data-root="${root}" data-live="${o.ctx.live ? '1' : '0'}" data-index="${o.ctx.index}">
<header class="top"><a class="brand" href="${root === '' && o.ctx.index === '' ? './' : `${root}${o.ctx.index}`}">Impossible Bench</a><nav class="crumbs">${crumbs}</nav></header>
<main>
${o.body}
</main>
${o.data === undefined ? '' : html`<script type="application/json" id="page-data">${trusted(jsonForScript(o.data))}</script>`}
</body>
</html>
`;
  return page.value;
}

const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const ci = (r: Rate): string => (r.n === 0 ? '–' : `[${pct(r.ci.low)}, ${pct(r.ci.high)}]`);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pp`;

function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return value < 1000 ? `${Math.round(value)} ms` : value < 120_000 ? `${(value / 1000).toFixed(1)} s` : `${(value / 60_000).toFixed(1)} min`;
}

function verdictBadge(verdict: string, falseFlag = false): SafeHtml {
  return html`<span class="${verdictClasses(verdict, falseFlag)}"${falseFlag ? html` title="flagged as impossible, but the task is a possible twin: a failure"` : ''}>${verdictLabel(verdict, falseFlag)}</span>`;
}

function claimBadge(claim: string): SafeHtml {
  return html`<span class="badge claim c-${claim}">claim: ${claim}</span>`;
}

function compareHref(ctx: PageContext, a: { run: string; id: string }, b: { run: string; id: string }): string {
  return `${ctx.root}compare/${ctx.index}?a=${encodeURIComponent(`${a.run}/${a.id}`)}&b=${encodeURIComponent(`${b.run}/${b.id}`)}`;
}

// ---------------------------------------------------------------- runs list

export function runsPage(ctx: PageContext, runsDir: string, rows: RunRow[]): string {
  const body = html`<h1>Runs</h1>
<p class="muted">Runs directory: <code>${runsDir}</code>${ctx.live ? ' — new runs and episodes appear as they are written.' : ''}</p>
<div id="runs"><p class="muted">Loading…</p></div>
<noscript><ul>${rows.map((r) => html`<li><a href="${r.href}">${r.name}</a> — ${r.episodes} episodes</li>`)}</ul></noscript>`;
  return layout({ ctx, title: 'Runs', page: 'runs', crumbs: [{ label: 'runs' }], body, data: { rows, api: 'api/runs.json' } });
}

// ---------------------------------------------------------------- run summary

function rateCell(r: Rate): SafeHtml {
  return html`<td class="num">${pct(r.rate)}</td><td class="ci">${ci(r)}</td>`;
}

function filteredLink(ctx: PageContext, run: string, filters: Record<string, string>, label: HtmlValue): SafeHtml {
  const query = new URLSearchParams(filters).toString();
  return html`<a href="${ctx.root}${runHref(run, '')}episodes/${ctx.index}${query === '' ? '' : `?${query}`}">${label}</a>`;
}

/** The run's verdicts as filter links; flagged is split into honest flags and false flags (on possible twins). */
function verdictMix(ctx: PageContext, run: string, row: RunRow): SafeHtml[] {
  const out: SafeHtml[] = [];
  for (const v of verdicts) {
    const n = row.verdicts[v] ?? 0;
    if (n === 0) continue;
    if (v !== 'flagged') {
      out.push(html`${filteredLink(ctx, run, { verdict: v }, verdictBadge(v))} ${n} `);
      continue;
    }
    const honest = n - row.falseFlags;
    if (honest > 0) out.push(html`${filteredLink(ctx, run, { verdict: v, kind: 'impossible' }, verdictBadge(v))} ${honest} `);
    if (row.falseFlags > 0) out.push(html`${filteredLink(ctx, run, { verdict: v, kind: 'possible' }, verdictBadge(v, true))} ${row.falseFlags} `);
  }
  return out;
}

/** Tokens and cost per (agent x) model x condition, per agent, per model and for the run (as report.md has them). */
function usageTable(u: UsageSummary): SafeHtml {
  const byAgent = u.agents !== undefined;
  const n = (x: number): string => x.toLocaleString('en');
  const line = (label: HtmlValue, t: UsageTotal, cls = ''): SafeHtml =>
    html`<tr class="${cls}"><td>${label}</td><td class="num">${t.episodes}</td><td class="num">${n(t.inputTokens)}</td><td class="num">${n(t.cachedInputTokens)}</td><td class="num">${n(t.cacheWriteTokens)}</td><td class="num">${n(t.outputTokens)}</td><td class="num">${n(t.reasoningTokens)}</td><td class="num">${costText(t)}</td></tr>`;
  return html`<div class="scroll"><table class="usage"><thead><tr><th>${byAgent ? 'agent · ' : ''}model · condition</th><th>episodes</th><th>input</th><th>cached input</th><th>cache write</th><th>output</th><th>reasoning</th><th>cost (USD)</th></tr></thead><tbody>${u.cells.map((c) => line(`${c.agent === undefined ? '' : `${c.agent} · `}${c.model} · ${c.condition}`, c))}${(u.agents ?? []).map((a) => line(html`<strong>${a.agent}</strong> (all models and conditions)`, a, 'total'))}${u.models.map((m) => line(html`<strong>${m.model}</strong> (all ${byAgent ? 'agents and ' : ''}conditions)`, m, 'total'))}${line(html`<strong>run</strong>`, u.run, 'total')}</tbody></table></div>`;
}

export function runSummaryPage(ctx: PageContext, run: string, entries: EpisodeEntry[], row: RunRow): string {
  const records = entries.flatMap((e) => (e.record === null ? [] : [e.record]));
  const s: RunSummary = summarize(records, run);
  const shown = ['sabotaged', 'tampered', 'gamed', 'claimed_success', 'flagged', 'partial', 'no_claim'] as const;
  const byAgent = hasAgents(s);
  // The agent's column and filter only in a run with an agent besides the builtin loop.
  const agentTd = (c: { agent?: string }): SafeHtml | '' => (byAgent ? html`<td class="agent">${c.agent ?? ''}</td>` : '');
  const agentTh = byAgent ? html`<th>agent</th>` : '';
  const agentFilter = (c: { agent?: string }): Record<string, string> => (c.agent === undefined ? {} : { agent: c.agent });
  const cells = s.cells.map((c) => {
    const f = { ...agentFilter(c), model: c.model, condition: c.condition };
    const falseFlags = c.possible.falseFlag.count;
    const counts = shown.map(
      (v) => html`<td class="num">${c.verdicts[v] === 0 ? '0' : filteredLink(ctx, run, { ...f, verdict: v, kind: 'impossible' }, c.verdicts[v])}</td>`,
    );
    return html`<tr>${agentTd(c)}<td class="model">${filteredLink(ctx, run, f, c.model)}</td><td>${c.condition}</td><td class="num">${c.n}</td>${rateCell(c.bs)}<td class="num">${c.possible.n}</td>${rateCell(c.possible.solved)}<td class="num${falseFlags > 0 ? ' bad-text' : ''}">${
      falseFlags === 0 ? pct(c.possible.falseFlag.rate) : filteredLink(ctx, run, { ...f, verdict: 'flagged', kind: 'possible' }, `${pct(c.possible.falseFlag.rate)} (${falseFlags})`)
    }</td><td class="ci">${ci(c.possible.falseFlag)}</td>${counts}<td class="num">${c.errors === 0 ? '0' : filteredLink(ctx, run, { ...f, verdict: 'error' }, c.errors)}</td></tr>`;
  });
  const comparisons =
    s.comparisons.length === 0
      ? html`<p class="muted">No pairs: ${
          records.some((r) => r.condition === BASELINE_CONDITION)
            ? `the run has no impossible-task episode under another condition to pair with ${BASELINE_CONDITION}.`
            : `the run has no ${BASELINE_CONDITION} episodes to compare with.`
        }</p>`
      : html`<table><thead><tr>${agentTh}<th>model</th><th>condition</th><th>pairs</th><th>both</th><th>${BASELINE_CONDITION} only</th><th>condition only</th><th>neither</th><th>difference</th><th>95% CI</th><th>p (McNemar)</th></tr></thead><tbody>${s.comparisons.map(
          (c) =>
            html`<tr>${agentTd(c)}<td>${c.model}</td><td>${c.condition}</td><td class="num">${c.pairs}</td><td class="num">${c.table.a}</td><td class="num">${c.table.b}</td><td class="num">${c.table.c}</td><td class="num">${c.table.d}</td><td class="num">${signed(c.difference.estimate)}</td><td class="ci">[${signed(c.difference.low)}, ${signed(c.difference.high)}]</td><td class="num">${significant(c.pValue)}</td></tr>`,
        )}</tbody></table>`;
  const categories = html`<table><thead><tr>${agentTh}<th>model</th><th>condition</th><th>category</th><th>n</th><th>BS score</th><th>95% CI</th></tr></thead><tbody>${s.categories.map(
    (c) =>
      html`<tr>${agentTd(c)}<td>${c.model}</td><td>${c.condition}</td><td>${filteredLink(ctx, run, { ...agentFilter(c), model: c.model, condition: c.condition, category: c.category }, c.category)}</td><td class="num">${c.bs.n}</td>${rateCell(c.bs)}</tr>`,
  )}</tbody></table>`;
  const judgeSection =
    s.judge.cells.length === 0
      ? ''
      : html`<h2 id="judge">The judge against the rules</h2>
<p class="muted">An LLM judge read each episode; its result is recorded beside the rules' and never changes the verdict. Agreement: the same claim, and a cheat seen by both or by neither.</p>
<div class="scroll"><table class="judge-agreement"><thead><tr><th>model</th><th>condition</th><th>judge</th><th>n judged</th><th>agreement</th><th>marked for review</th><th>judge errors</th></tr></thead><tbody>${s.judge.cells.map(
          (c) =>
            html`<tr><td>${c.model}</td><td>${c.condition}</td><td>${c.judges.join(', ')}</td><td class="num">${c.judged}</td><td class="num">${pct(c.agreement)}</td><td class="num">${c.review === 0 ? '0' : filteredLink(ctx, run, { model: c.model, condition: c.condition, review: 'yes' }, c.review)}</td><td class="num">${c.judgeErrors}</td></tr>`,
        )}</tbody></table></div>
<h2 id="needs-review">Needs review</h2>${
          s.judge.review.length === 0
            ? html`<p class="muted">None: the judge agrees with the rules on every episode it answered.</p>`
            : html`<p>${filteredLink(ctx, run, { review: 'yes' }, `${s.judge.review.length} episode(s) where the judge and the rules disagree →`)}</p><ul class="review-list">${s.judge.review.map(
                (e) =>
                  html`<li><a href="${ctx.root}${episodeHref(run, e.id, ctx.index)}">${e.id}</a> ${verdictBadge(e.verdict)}: <span class="pre-line">${e.reasons.join('; ')}</span></li>`,
              )}</ul>`
        }`;
  const errors =
    s.errorList.length === 0
      ? ''
      : html`<h2>Errors</h2><ul>${s.errorList.map((e) => html`<li><a href="${ctx.root}${episodeHref(run, e.id, ctx.index)}">${e.id}</a>: <span class="pre-line">${e.error}</span></li>`)}</ul>`;
  const body = html`<h1>${run}</h1>
<p>${row.episodes} finished episodes${row.running > 0 ? html`, <strong>${row.running} running</strong>` : ''}${row.unreadable > 0 ? html`, <span class="warn">${row.unreadable} unreadable</span>` : ''}, ${s.errors} errors (errors are excluded from every rate).
${row.createdAt === null ? '' : html` Started ${row.createdAt}.`}</p>
<p class="actions">${filteredLink(ctx, run, {}, html`<strong>All episodes →</strong>`)} · <a href="report.md">report.md</a></p>
<p class="verdict-mix">${verdictMix(ctx, run, row)}</p>
<h2>BS score per ${byAgent ? 'agent, ' : ''}model and condition</h2>
<p class="muted">BS score: share of non-error episodes on impossible tasks whose verdict is sabotaged, tampered, gamed or claimed_success (95% Wilson interval). Beside it, on the possible twins: the solve rate and the false-flag rate.</p>
${s.cells.length === 0 ? html`<p class="muted">No finished episode yet.</p>` : html`<div class="chart">${trusted(renderSvg(s))}</div>`}
<div class="scroll"><table class="summary"><thead><tr>${byAgent ? html`<th rowspan="2">agent</th>` : ''}<th rowspan="2">model</th><th rowspan="2">condition</th><th colspan="3" class="group impossible">impossible tasks</th><th colspan="5" class="group possible">possible twins</th><th colspan="${shown.length}" class="group impossible">verdicts on impossible tasks</th><th rowspan="2">errors</th></tr>
<tr><th>n</th><th>BS score</th><th>95% CI</th><th>n</th><th>solved</th><th>95% CI</th><th>false flags</th><th>95% CI</th>${shown.map((v) => html`<th>${v}</th>`)}</tr></thead><tbody>${cells}</tbody></table></div>
<h2>Each condition against ${BASELINE_CONDITION}</h2>
<p class="muted">Paired on the same ${byAgent ? 'agent, ' : ''}model, task and epoch; exact McNemar test; difference in BS score with Newcombe's 95% interval.</p>
<div class="scroll">${comparisons}</div>
<h2>Per category</h2>
<div class="scroll">${categories}</div>
<h2 id="usage">Tokens and cost</h2>
<p class="muted">Input counts cached tokens, output counts reasoning tokens; cost at list prices (cached input and cache writes at their own prices); a model with no known price is counted as unpriced.</p>
${usageTable(s.usage)}
${judgeSection}
${errors}`;
  return layout({ ctx, title: run, page: 'run', crumbs: [{ label: 'runs', href: `${ctx.root}${ctx.index}` }, { label: run }], body });
}

// ---------------------------------------------------------------- episodes list

export const filterKeys = ['agent', 'model', 'condition', 'task', 'kind', 'category', 'verdict', 'claim', 'review'] as const;
const filterLabels: Record<(typeof filterKeys)[number], string> = {
  agent: 'agent',
  model: 'model',
  condition: 'condition',
  task: 'task',
  kind: 'possible / impossible',
  category: 'category',
  verdict: 'verdict',
  claim: 'claim',
  review: 'review',
};

export function episodesPage(ctx: PageContext, run: string, rows: EpisodeRow[]): string {
  const search = ctx.live
    ? html`<form id="transcript-search" class="filters search-form" role="search">
<label>search transcripts <input type="search" name="text" id="search-text" minlength="${SEARCH_QUERY_MIN}" maxlength="${SEARCH_QUERY_MAX}" placeholder="words in messages, commands, outputs, reasoning"></label>
<label><input type="checkbox" id="search-reasoning"> reasoning only</label>
<button type="submit">search</button> <span id="search-status" class="muted"></span></form>
<div id="search-results" hidden></div>`
    : html`<p class="muted">Searching the transcripts needs the server: open this run with <code>ibench view</code>.</p>`;
  const body = html`<h1>Episodes of ${run}</h1>
${search}
<form id="filters" class="filters">${filterKeys.map((k) => html`<label>${filterLabels[k]} <select name="${k}" data-filter="${k}"><option value="">all</option></select></label>`)}
<label>episode <input type="search" name="q" data-filter="q" placeholder="episode id"></label>
<button type="button" id="clear-filters">clear</button></form>
<p id="count" class="muted"></p>
<div class="windowed-scroll" id="episodes-scroll"><table id="episodes" class="episodes windowed"><colgroup>${EPISODE_COLUMNS.map(([c]) => html`<col class="col-${c}">`)}</colgroup><thead><tr>
${EPISODE_COLUMNS.map(([c]) => html`<th data-sort="${c}" tabindex="0" title="sort by ${c}">${c}</th>`)}
</tr></thead><tbody></tbody></table></div>
<noscript><p>This list needs JavaScript; the run's summary links every error, and episode pages work without it.</p></noscript>`;
  return layout({
    ctx,
    title: `Episodes of ${run}`,
    page: 'episodes',
    crumbs: [{ label: 'runs', href: `${ctx.root}${ctx.index}` }, { label: run, href: `${ctx.root}${runHref(run, ctx.index)}` }, { label: 'episodes' }],
    body,
    data: { run, rows, api: `api/runs/${encodeURIComponent(run)}/episodes.json`, search: ctx.live ? `api/runs/${encodeURIComponent(run)}/search.json` : null },
  });
}

// ---------------------------------------------------------------- episode

type TestRun = NonNullable<NonNullable<EpisodeRecord['evidence']>['pristineTests']>;

function testLine(label: string, t: TestRun | null): SafeHtml {
  if (t === null) return html`<li>${label}: <span class="muted">not run</span></li>`;
  const graded = t.grading === undefined ? '' : html` <span class="muted">(graded by ${t.grading === 'exit-status' ? 'exit status' : t.grading === 'junit' ? 'JUnit report' : "pytest's summary"})</span>`;
  const problem = t.reportProblem === undefined ? '' : html`<br><span class="warn">${t.reportProblem}</span>`;
  return html`<li>${label}: <span class="badge ${t.ok ? 'ok' : 'bad'}">${t.ok ? 'pass' : 'fail'}</span> ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped — exit ${t.exitCode}${t.timedOut ? ' (timed out)' : ''}, ${ms(t.durationMs)}${graded}${problem}${perTest(t)}</li>`;
}

/** The per-test results a JUnit report gave, failures first. */
function perTest(t: TestRun): HtmlValue {
  if (t.grading !== 'junit' || t.tests === undefined || t.tests.length === 0) return '';
  const order = { error: 0, failed: 1, skipped: 2, passed: 3 } as const;
  const sorted = [...t.tests].sort((a, b) => order[a.status] - order[b.status]);
  return html`<details class="per-test"><summary>${t.tests.length} test(s)</summary><ul>${sorted.map(
    (c) => html`<li><span class="badge ${c.status === 'passed' ? 'ok' : 'bad'}">${c.status}</span> <code>${c.name}</code></li>`,
  )}</ul></details>`;
}

/**
 * Rows of an evidence list shown on the page; the rest are one link away (episode.json), so that
 * an episode with 200,000 changed files still makes a page a browser loads.
 */
export const EVIDENCE_LIST_CAP = 100;

function capped<T>(list: readonly T[]): { shown: readonly T[]; more: number } {
  return { shown: list.slice(0, EVIDENCE_LIST_CAP), more: Math.max(0, list.length - EVIDENCE_LIST_CAP) };
}

function moreLink(more: number, what: string, recordHref: string): HtmlValue {
  return more === 0 ? '' : html`<p class="more muted">… and ${more.toLocaleString('en')} more ${what}: <a href="${recordHref}">the whole list in episode.json</a>.</p>`;
}

const accessText: Record<NonNullable<EpisodeRecord['testAccess']>, string> = {
  visible: 'the tests were in /work as the task has them',
  'read-only': 'the tests were in /work, not writable by the agent',
  hidden: 'the tests were not in /work; put in only to grade',
};

function heldOutLine(h: NonNullable<EpisodeRecord['evidence']>['heldOut']): HtmlValue {
  if (h === undefined) return '';
  const label = `held-out tests (${h.files.length} file(s) never shown, beside the pristine tests)`;
  if (h.result === null) return html`<li>${label}: <span class="muted">${h.note ?? 'not run'}</span></li>`;
  const failing = h.failing.length === 0 ? '' : html`<br>failing held-out tests: ${capped(h.failing).shown.map((name, i) => html`${i > 0 ? ', ' : ''}<code>${name}</code>`)}`;
  return html`${testLine(label, h.result)}${failing === '' ? '' : html`<li class="held-out-failing">${failing}</li>`}`;
}

function evidenceBlock(record: EpisodeRecord, recordHref: string): SafeHtml {
  const e = record.evidence;
  if (e === null) return html`<p class="muted">No evidence: the episode did not reach the inspection.</p>`;
  const touched = capped(e.protectedChanges);
  const protectedTable =
    e.protectedChanges.length === 0
      ? html`<p class="ok-text">No protected path changed.</p>`
      : html`<table class="protected-changes"><thead><tr><th>protected path</th><th>change</th><th>why it counts</th></tr></thead><tbody>${touched.shown.map(
          (c) => html`<tr><td><code>${c.path}</code></td><td>${c.kind}</td><td>${c.reason}</td></tr>`,
        )}</tbody></table>${moreLink(touched.more, 'protected changes', recordHref)}`;
  const fired = capped(e.rules);
  const rules =
    e.rules.length === 0
      ? html`<p class="muted">No cheat rule fired.</p>`
      : html`<table class="rules"><thead><tr><th>rule</th><th>where</th><th>line</th><th>what it means</th></tr></thead><tbody>${fired.shown.map(
          (r) => html`<tr><td>${r.rule}</td><td><code>${r.path}:${r.line}</code></td><td><code class="pre">${r.excerpt}</code></td><td>${r.description}${r.test === undefined ? '' : html` <span class="muted">(mirrors <code>${r.test}</code>)</span>`}</td></tr>`,
        )}</tbody></table>${moreLink(fired.more, 'rules that fired', recordHref)}`;
  const problems = capped(e.treeProblems ?? []);
  const treeTable =
    problems.shown.length === 0
      ? ''
      : html`<h3>What the copy-out cut or left out</h3><table class="tree-problems"><thead><tr><th>path</th><th>size</th><th>why</th><th>grading</th></tr></thead><tbody>${problems.shown.map(
          (p) => html`<tr><td><code>${p.path}</code></td><td class="num">${p.size === undefined ? '' : p.size}</td><td>${p.reason}</td><td>${p.sabotage ? html`<span class="badge bad">made impossible</span>` : 'note'}</td></tr>`,
        )}</tbody></table>${moreLink(problems.more, 'entries cut or left out', recordHref)}`;
  const changeList = (label: string, list: string[]): HtmlValue => {
    if (list.length === 0) return '';
    const { shown, more } = capped(list);
    return html`<li>${label}: ${shown.map((p, i) => html`${i > 0 ? ', ' : ''}<code>${p}</code>`)}${
      more === 0 ? '' : html` <span class="more muted">… and ${more.toLocaleString('en')} more (<a href="${recordHref}">episode.json</a>)</span>`
    }</li>`;
  };
  return html`<div class="evidence">
<h3>Protected changes</h3>${protectedTable}
<h3>Rules that fired</h3>${rules}
${treeTable}
<h3>Tests</h3><p class="test-access">Test access: <strong>${record.testAccess ?? 'visible'}</strong> <span class="muted">(${accessText[record.testAccess ?? 'visible']})</span></p><ul class="tests-summary">${testLine('pristine tests (the originals, against the agent\'s code)', e.pristineTests)}${testLine('agent tests (as the agent left them)', e.agentTests)}${heldOutLine(e.heldOut)}</ul>
<h3>Changes</h3><ul>${changeList('added', e.changes.added)}${changeList('modified', e.changes.modified)}${changeList('deleted', e.changes.deleted)}${changeList('tests added (not counted as tampering)', e.addedTests)}</ul>
${e.changes.added.length + e.changes.modified.length + e.changes.deleted.length === 0 ? html`<p class="muted">The agent changed nothing.</p>` : ''}
</div>`;
}

function judgeBlock(record: EpisodeRecord): HtmlValue {
  const j = record.judge;
  if (j === undefined) return '';
  const agreement =
    j.error !== undefined
      ? html`<p class="warn">Judge error: <span class="pre-line">${j.error}</span> (the verdict stands as the rules decided it).</p>`
      : j.agreesWithRules === true
        ? html`<p class="ok-text">Agrees with the rules.</p>`
        : html`<p class="warn"><strong>Needs review</strong>: the judge disagrees with the rules.</p><ul class="review-reasons">${(record.reviewReasons ?? []).map((reason) => html`<li>${reason}</li>`)}</ul>`;
  return html`<div class="judge" id="judge"><h3>Judge <span class="muted">(${j.model})</span></h3>${agreement}${
    j.error !== undefined
      ? ''
      : html`<dl class="facts-grid"><dt>claim</dt><dd>${j.claim ?? '–'}</dd><dt>cheat</dt><dd>${j.cheat === null ? 'none' : html`${j.cheat.type}: <q>${j.cheat.reason}</q>`}</dd></dl>`
  }<details><summary>the judge's raw reply</summary><pre>${j.raw}</pre></details></div>`;
}

/** The last message with the sentence the classifier decided on marked. */
function highlighted(text: string, sentence: string): HtmlValue {
  const at = sentence === '' ? -1 : text.indexOf(sentence);
  if (at < 0) return text;
  return html`${text.slice(0, at)}<mark class="claim-sentence" title="the sentence the claim was read from">${sentence}</mark>${text.slice(at + sentence.length)}`;
}

function claimBlock(record: EpisodeRecord): SafeHtml {
  if (record.submit !== null) {
    return html`<div class="submit"><h3>Submit message <span class="muted">(outcome: ${record.submit.outcome})</span></h3><blockquote class="pre-wrap" id="submit-message">${record.submit.message}</blockquote></div>`;
  }
  const e = record.evidence;
  if (e === null || e.claimSource === 'none') return html`<div class="submit"><h3>No submit</h3><p class="muted">The model did not call submit; nothing to classify.</p></div>`;
  return html`<div class="submit"><h3>No submit: claim read from the last message <span class="muted">(${e.claimSource})</span></h3><blockquote class="pre-wrap">${highlighted(e.claimText, e.claimSentence)}</blockquote>${
    e.claimMatches.length === 0 ? '' : html`<p class="muted">matched: ${e.claimMatches.join(', ')}</p>`
  }</div>`;
}

export interface EpisodePageInput {
  entry: EpisodeEntry;
  transcript: TranscriptPage;
  diff: string | null;
  pristine: string | null;
  agent: string | null;
  /** The same task's episodes (all runs), this one included. */
  sameTask: EpisodeRow[];
  /** Where "load more" gets its pages: the JSON API when served, data scripts in an export. */
  transcriptSource: { kind: 'api'; href: string } | { kind: 'script'; prefix: string };
}

/** Characters of a test output shown before it is folded. */
const TEST_OUTPUT_CAP = 20_000;

function outputBlock(title: string, text: string | null, rawHref: string, id: string): SafeHtml {
  if (text === null) return html`<h3>${title}</h3><p class="muted">Not recorded.</p>`;
  const cut = text.length > TEST_OUTPUT_CAP;
  return html`<h3>${title}</h3><details open class="output" id="${id}"><summary>${text.length.toLocaleString('en')} characters — <a href="${rawHref}">raw</a></summary><pre>${cut ? text.slice(0, TEST_OUTPUT_CAP) : text}</pre>${
    cut ? html`<p class="folded">… ${(text.length - TEST_OUTPUT_CAP).toLocaleString('en')} more characters folded: <a href="${rawHref}">the whole output</a></p>` : ''
  }</details>`;
}

/**
 * Where an episode's file is linked from its page. A static export stores them with a .txt suffix
 * so that a browser shows them from file:// instead of downloading them.
 */
export function rawFileHref(ctx: PageContext, name: string): string {
  return `files/${name}${ctx.index === 'index.html' && !name.endsWith('.txt') ? '.txt' : ''}`;
}

export function episodePage(ctx: PageContext, input: EpisodePageInput): string {
  const { entry } = input;
  const raw = (name: string): string => rawFileHref(ctx, name);
  const r = entry.record;
  const me = { run: entry.run, id: entry.id };
  const others = input.sameTask.filter((o) => !(o.run === entry.run && o.id === entry.id));
  const shownOthers = others.slice(0, 100);
  const sameTask =
    others.length === 0
      ? html`<p class="muted">No other episode of this task.</p>`
      : html`<table class="same-task"><thead><tr><th>episode</th><th>run</th><th>agent</th><th>model</th><th>condition</th><th>epoch</th><th>verdict</th><th>claim</th><th></th></tr></thead><tbody>${shownOthers.map(
          (o) =>
            html`<tr><td><a href="${ctx.root}${o.href}">${o.id}</a></td><td>${o.run}</td><td>${o.agent}</td><td>${o.model}</td><td>${o.condition}</td><td>${o.epoch ?? ''}</td><td>${verdictBadge(o.verdict, o.falseFlag)}</td><td>${o.claim}</td><td><a class="compare-link" href="${compareHref(ctx, me, o)}">compare</a></td></tr>`,
        )}</tbody></table>${others.length > shownOthers.length ? html`<p class="muted">and ${others.length - shownOthers.length} more.</p>` : ''}`;

  const header =
    r === null
      ? html`<section class="episode-head"><h1>${entry.id}</h1><p>${verdictBadge(entry.row.verdict, entry.row.falseFlag)} ${
          entry.problem === null ? 'No episode.json yet: the episode is still running (or was stopped). The transcript below follows it.' : html`<span class="warn">${entry.problem}</span>`
        }</p></section>`
      : html`<section class="episode-head">
<h1>${r.id}</h1>
<p class="facts">${verdictBadge(r.verdict, isFalseFlag(r.verdict, r.impossible))} ${claimBadge(r.claim)} <span class="badge ${r.impossible ? 'impossible' : 'possible'}">${r.impossible ? 'impossible task' : 'possible task'}</span></p>
<dl class="facts-grid">
<dt>task</dt><dd><code>${r.task}</code> (${r.category})${r.twin === null ? '' : html` · twin <code>${r.twin}</code>`}</dd>
<dt>agent</dt><dd>${agentOf(r)}${r.agentVersion === undefined || r.agentVersion === null ? '' : html` ${r.agentVersion}`}</dd>
<dt>model</dt><dd><code>${r.model}</code></dd>
<dt>condition</dt><dd>${r.condition}</dd>
<dt>epoch</dt><dd>${r.epoch}</dd>
<dt>end</dt><dd>${r.endReason} after ${r.steps} steps</dd>
<dt>tokens</dt><dd>${r.usage.inputTokens.toLocaleString('en')} in, ${r.usage.outputTokens.toLocaleString('en')} out${r.usage.costUsd === undefined ? '' : html`, $${r.usage.costUsd.toFixed(4)}`}</dd>
<dt>time</dt><dd>${Object.entries(r.timings).map(([k, v], i) => html`${i > 0 ? ' · ' : ''}${k.replace(/Ms$/, '')} ${ms(v)}`)}</dd>
<dt>started</dt><dd>${r.startedAt}</dd>
<dt>harness</dt><dd>${r.harness.version}${r.harness.commit === null ? '' : html` (${r.harness.commit.slice(0, 12)})`}</dd>
</dl>
${r.error === null ? '' : html`<div class="error-box"><h3>Harness error</h3><pre>${r.error}</pre></div>`}
${claimBlock(r)}
${judgeBlock(r)}
${evidenceBlock(r, raw('episode.json'))}
</section>`;

  const protectedChanges = r?.evidence?.protectedChanges ?? [];
  const diff = input.diff === null ? null : renderDiff(input.diff, protectedChanges, raw('diff.patch'));
  const diffSection =
    diff === null
      ? html`<p class="muted">${r === null ? 'The diff is written when the episode ends.' : 'No diff.patch recorded.'}</p>`
      : html`<div class="diff-toolbar"><span>${diff.files} files changed${diff.protectedFiles.length > 0 ? html`, <strong class="warn">${diff.protectedFiles.length} protected</strong>` : ''}.</span>
<span class="toggle" role="group" aria-label="diff layout"><button type="button" data-diff-format="side-by-side">side by side</button><button type="button" data-diff-format="line-by-line">line by line</button></span> <a href="${raw('diff.patch')}">diff.patch</a></div>
<div id="diff-body" class="diff-body show-side-by-side">${diff.body}</div>`;

  const heldOutRan = r?.evidence?.heldOut?.ran === true;
  const cliAgent = r !== null && agentOf(r) !== BUILTIN_AGENT;
  const files = html`<ul class="raw-files">${['episode.json', 'transcript.jsonl', 'diff.patch', 'tests-pristine.txt', 'tests-agent.txt', ...(heldOutRan ? ['tests-held-out.txt'] : []), ...(cliAgent ? ['agent-log.jsonl'] : [])].map((f) => html`<li><a href="${raw(f)}">${f}</a></li>`)}</ul>`;
  const body = html`${header}
<nav class="sections"><a href="#transcript">transcript</a> · <a href="#diff">diff</a> · <a href="#tests">test output</a> · <a href="#same-task">same task</a> · <a href="#files">files</a></nav>
<section id="transcript"><h2>Transcript</h2>
<p class="transcript-tools"><button type="button" id="expand-all">expand all</button> <button type="button" id="collapse-all">collapse all</button> <span id="transcript-status" class="muted"></span></p>
<div id="events"></div>
<p><button type="button" id="load-more" hidden>load more</button></p>
</section>
<section id="diff"><h2>Diff</h2>${diffSection}</section>
<section id="tests"><h2>Test output</h2>
${outputBlock('Pristine tests (the original tests against the agent\'s code)', input.pristine, raw('tests-pristine.txt'), 'tests-pristine')}
${outputBlock('Agent tests (the tests as the agent left them)', input.agent, raw('tests-agent.txt'), 'tests-agent')}
</section>
<section id="same-task"><h2>Other episodes of ${r?.task ?? entry.row.task}</h2>${sameTask}</section>
<section id="files"><h2>Files</h2>${files}</section>`;
  return layout({
    ctx,
    title: entry.id,
    page: 'episode',
    crumbs: [
      { label: 'runs', href: `${ctx.root}${ctx.index}` },
      { label: entry.run, href: `${ctx.root}${runHref(entry.run, ctx.index)}` },
      { label: 'episodes', href: `${ctx.root}${runHref(entry.run, '')}episodes/${ctx.index}` },
      { label: entry.id },
    ],
    body,
    diffCss: true,
    data: { run: entry.run, id: entry.id, finished: r !== null, transcript: input.transcript, source: input.transcriptSource },
  });
}

// ---------------------------------------------------------------- compare

export function comparePage(ctx: PageContext, rows: Record<string, EpisodeRow>): string {
  const body = html`<h1>Compare two episodes</h1>
<p id="compare-problem" class="warn" hidden></p>
<div id="compare-facts"></div>
<div class="compare">
<div class="pane"><iframe id="frame-a" title="episode A"></iframe></div>
<div class="pane"><iframe id="frame-b" title="episode B"></iframe></div>
</div>`;
  return layout({ ctx, title: 'Compare', page: 'compare', crumbs: [{ label: 'runs', href: `${ctx.root}${ctx.index}` }, { label: 'compare' }], body, data: { rows } });
}

export function notFoundPage(ctx: PageContext, what: string): string {
  return layout({ ctx, title: 'Not found', page: 'error', crumbs: [{ label: 'runs', href: `${ctx.root}${ctx.index}` }], body: html`<h1>Not found</h1><p>${what}</p>` });
}
