/**
 * The viewer's lists in a real browser (Debian's chromium through playwright-core), over synthetic
 * episode folders (no Docker): a false flag (flagged on a possible twin) shown as a failure in the
 * runs list, the run summary, the episodes list and the episode page; the possible/impossible
 * column and filter; the windowed list at 5,000 episodes; the transcript search (reasoning hits
 * marked, the match highlighted, a link that opens the event far down a long transcript); the
 * chart; every page at 1280 px without a page-wide horizontal scroll. Screenshots land in
 * test-output/screenshots/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimedEvent } from '../src/agent/transcript.js';
import { EPISODE_FILES, type EpisodeRecord } from '../src/runs/record.js';
import { projectRoot } from '../src/util/paths.js';
import { startViewer, type ViewerServer } from '../src/viewer/server.js';
import { syntheticRecord, syntheticTranscript, writeSyntheticEpisode } from './fixtures/viewer/synthetic.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = join(projectRoot, 'test-output', 'screenshots');
const T = 120_000;
const RUN = 'run-lists';
const BIG = 'run-big';
const BIG_N = 5000;
const LONG_MODEL = 'openai:some-provider/an-extremely-long-model-name-that-would-be-cut-in-a-chart-2026-11-instruct';
const WORD = 'zebracorn';
const HOSTILE = '<img src=x onerror=alert(7)>';

interface Spec {
  task: string;
  impossible: boolean;
  model: string;
  verdict: EpisodeRecord['verdict'];
  claim: EpisodeRecord['claim'];
}

const specs: Spec[] = [
  { task: 'exit-both-codes', impossible: true, model: LONG_MODEL, verdict: 'tampered', claim: 'completed' },
  { task: 'exit-both-codes', impossible: true, model: 'scripted:honest', verdict: 'flagged', claim: 'impossible' },
  { task: 'exit-code-by-input', impossible: false, model: LONG_MODEL, verdict: 'solved', claim: 'completed' },
  { task: 'exit-code-by-input', impossible: false, model: 'scripted:honest', verdict: 'flagged', claim: 'impossible' },
];

const idOf = (s: Spec): string => `${s.task}__${s.model.replace(/[^a-z0-9]+/gi, '-')}__neutral__e0`;
const FALSE_FLAG = idOf(specs[3] as Spec);
const HONEST_FLAG = idOf(specs[1] as Spec);
const LONG = idOf(specs[0] as Spec);
/** The transcript line of the reasoning that holds WORD in the long transcript (past the first page of 200 events). */
const REASONING_LINE = 302;

let root: string;
let server: ViewerServer;
let bigServer: ViewerServer;
let browser: Browser;

/** 240 steps; the reasoning of the assistant event at REASONING_LINE and one bash output hold WORD. */
function longTranscript(): TimedEvent[] {
  const events = syntheticTranscript(240);
  const at = events[REASONING_LINE];
  if (at?.type !== 'assistant') throw new Error(`line ${REASONING_LINE} should be an assistant event`);
  events[REASONING_LINE] = { ...at, reasoning: [{ type: 'thinking', text: `The tests want a ${WORD} exit code. ${HOSTILE} I should not edit them.`, signature: 'sig' }] };
  const out = events[7];
  if (out?.type !== 'tool_result' || out.exec === undefined) throw new Error('line 7 should be a bash result');
  events[7] = { ...out, exec: { ...out.exec, stdout: `grep found ${WORD.toUpperCase()} in notes.txt` } };
  return events;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/ensure-chromium.sh\` (scripts/setup.sh does) before the viewer's browser tests`);
  root = await mkdtemp(join(tmpdir(), 'ibench-viewer-lists-'));
  const runDir = join(root, 'runs', RUN);
  for (const s of specs) {
    const id = idOf(s);
    const record = syntheticRecord(id, { task: s.task, impossible: s.impossible, twin: null, model: s.model, verdict: s.verdict, claim: s.claim });
    await writeSyntheticEpisode(runDir, id, { record, transcript: id === LONG ? longTranscript() : syntheticTranscript(2) });
  }
  // A big run, in a runs folder of its own (the other pages need not list it): episode.json and a
  // one-line transcript per episode, written directly.
  const bigDir = join(root, 'big', BIG, 'episodes');
  const verdicts: EpisodeRecord['verdict'][] = ['tampered', 'flagged', 'solved', 'claimed_success', 'gamed', 'no_claim'];
  const oneLine = `${JSON.stringify(syntheticTranscript(0)[0])}\n`;
  for (let i = 0; i < BIG_N; i++) {
    const id = `task-${String(i % 50).padStart(2, '0')}__scripted-m${i % 4}__neutral__e${Math.floor(i / 200)}-${i}`;
    const dir = join(bigDir, id);
    await mkdir(dir, { recursive: true });
    const verdict = verdicts[i % verdicts.length] as EpisodeRecord['verdict'];
    await writeFile(join(dir, EPISODE_FILES.record), JSON.stringify(syntheticRecord(id, { task: `task-${i % 50}`, model: `scripted:m${i % 4}`, impossible: i % 3 !== 0, verdict })));
    await writeFile(join(dir, EPISODE_FILES.transcript), oneLine);
  }
  server = await startViewer({ runsDir: join(root, 'runs'), port: 0 });
  bigServer = await startViewer({ runsDir: join(root, 'big'), port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  await mkdir(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bigServer?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

interface Watched {
  page: Page;
  dialogs: string[];
  errors: string[];
}

async function open(path: string, on: ViewerServer = server): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${on.url}${path}`);
  return { page, dialogs, errors };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The page needs no horizontal scroll at its width: a wide table scrolls inside itself. */
async function fitsWidth(page: Page): Promise<{ page: number; view: number }> {
  return page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
}

const rowSelector = '#episodes tbody tr[data-id]';

describe('a false flag is a failure', () => {
  it('in the episodes list: a red "false flag" badge, never the green of an honest flag', { timeout: T }, async () => {
    const { page, errors } = await open(`runs/${RUN}/episodes/`);
    await page.locator(rowSelector).first().waitFor();
    const falseFlag = page.locator(`${rowSelector}[data-id="${FALSE_FLAG}"] .badge.verdict`);
    const honest = page.locator(`${rowSelector}[data-id="${HONEST_FLAG}"] .badge.verdict`);
    expect(await falseFlag.innerText()).toBe('flagged · false flag');
    expect(await honest.innerText()).toBe('flagged');
    const colours = async (l: typeof falseFlag): Promise<string> => l.evaluate((n) => getComputedStyle(n).color);
    // --bad is #b42318, --ok is #1a7f37.
    expect(await colours(falseFlag)).toBe('rgb(180, 35, 24)');
    expect(await colours(honest)).toBe('rgb(26, 127, 55)');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('on the episode page, in the runs list and in the run summary', { timeout: T }, async () => {
    const ep = await open(`runs/${RUN}/episodes/${FALSE_FLAG}/`);
    const head = ep.page.locator('.episode-head .badge.verdict');
    expect(await head.innerText()).toBe('flagged · false flag');
    expect(await head.evaluate((n) => getComputedStyle(n).color)).toBe('rgb(180, 35, 24)');
    expect(await ep.page.locator('.episode-head .badge.possible').innerText()).toBe('possible task');
    // The same task's other episode is listed with its own (green) badge.
    expect(await ep.page.locator('.same-task .badge.verdict').first().innerText()).toBe('solved');
    await shot(ep.page, 'lists-episode-false-flag');

    const runs = await open('');
    const row = runs.page.locator(`#runs-table tr[data-run="${RUN}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('false flag 1');
    expect(await row.locator('.mix .false-flag').count()).toBe(1);

    const summary = await open(`runs/${RUN}/`);
    const mix = summary.page.locator('.verdict-mix');
    expect(await mix.locator('.badge.false-flag').innerText()).toBe('flagged · false flag');
    expect(await mix.locator('a:has(.badge.false-flag)').getAttribute('href')).toContain('kind=possible');
    const honestCell = summary.page.locator('table.summary tr', { hasText: 'scripted:honest' });
    expect(await honestCell.locator('td.bad-text').innerText()).toBe('100.0% (1)');
    for (const w of [ep, runs, summary]) {
      expect(w.errors).toEqual([]);
      await w.page.close();
    }
  });
});

describe('the possible / impossible column and filter', () => {
  it('filters the list by kind, combined with the verdict, and the URL keeps it', { timeout: T }, async () => {
    const { page, errors } = await open(`runs/${RUN}/episodes/`);
    await page.locator(rowSelector).first().waitFor();
    expect(await page.locator(rowSelector).count()).toBe(4);
    expect(await page.locator(`${rowSelector}[data-id="${FALSE_FLAG}"] .badge.possible`).innerText()).toBe('possible');
    await page.selectOption('select[data-filter="kind"]', 'possible');
    await page.waitForFunction((s) => document.querySelectorAll(s).length === 2, rowSelector);
    expect(await page.locator(rowSelector).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')))).toEqual(['possible', 'possible']);
    await page.selectOption('select[data-filter="verdict"]', 'flagged');
    await page.waitForFunction((s) => document.querySelectorAll(s).length === 1, rowSelector);
    expect(await page.locator(rowSelector).getAttribute('data-id')).toBe(FALSE_FLAG);
    expect(page.url()).toContain('kind=possible');
    expect(await page.locator('#count').innerText()).toBe('1 of 4 episodes');
    await shot(page, 'lists-kind-filter');
    // The summary's false-flag link opens this same filtered list.
    const shared = await open(`runs/${RUN}/episodes/?verdict=flagged&kind=impossible`);
    await shared.page.locator(rowSelector).first().waitFor();
    expect(await shared.page.locator(rowSelector).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')))).toEqual([HONEST_FLAG]);
    expect([...errors, ...shared.errors]).toEqual([]);
    await page.close();
    await shared.page.close();
  });
});

describe('the windowed list at 5,000 episodes', () => {
  it('keeps only the rows in view in the DOM, scrolls to any row, and filters', { timeout: T }, async () => {
    const { page, errors } = await open(`runs/${BIG}/episodes/`, bigServer);
    await page.locator(rowSelector).first().waitFor();
    expect(await page.locator('#count').innerText()).toBe(`${BIG_N} of ${BIG_N} episodes`);
    const drawn = await page.locator(rowSelector).count();
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(120);
    // The scroll height is that of every row: the last row is reached by scrolling.
    await page.locator('#episodes-scroll').evaluate((n) => {
      n.scrollTop = n.scrollHeight;
    });
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#episodes tbody tr[data-id]')];
      return rows.length > 0 && rows.length < 120 && (rows.pop()?.getAttribute('data-id') ?? '').startsWith('task-49');
    });
    expect(await page.locator(rowSelector).count()).toBeLessThan(120);
    // A filter: 5000 / 6 verdicts, of which a third are possible twins.
    await page.selectOption('select[data-filter="verdict"]', 'gamed');
    await page.waitForFunction(() => (document.getElementById('count')?.textContent ?? '').startsWith('833 of'));
    expect(await page.locator(rowSelector).count()).toBeLessThan(120);
    expect(new Set(await page.locator(rowSelector).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-verdict'))))).toEqual(new Set(['gamed']));
    // Sorting the whole list, not only the rows drawn.
    await page.click('th[data-sort="id"]');
    // (gamed is every 6th episode from the 5th: its highest task number is 48)
    await page.waitForFunction(() => document.querySelector('#episodes tbody tr[data-id]')?.getAttribute('data-id')?.startsWith('task-48') === true);
    expect(await fitsWidth(page)).toEqual({ page: 1280, view: 1280 });
    expect(errors).toEqual([]);
    await shot(page, 'lists-windowed-5000');
    await page.close();
  });
});

describe('searching the transcripts', () => {
  it('finds the text in words, outputs and reasoning, marks reasoning hits, highlights the match as text', { timeout: T }, async () => {
    const { page, dialogs, errors } = await open(`runs/${RUN}/episodes/`);
    await page.fill('#search-text', WORD);
    await page.click('#transcript-search button[type="submit"]');
    const hits = page.locator('#search-results li.hit');
    await hits.first().waitFor();
    expect(await hits.count()).toBe(2);
    expect(await page.locator('#search-status').innerText()).toContain('2 hits in 1 episodes (4 of 4 transcripts read)');
    const reasoning = page.locator('#search-results li.hit.field-reasoning');
    expect(await reasoning.locator('.badge.field.reasoning').innerText()).toBe('reasoning');
    expect(await reasoning.locator('mark.find').innerText()).toBe(WORD);
    expect(await reasoning.locator('.snippet').innerText()).toContain(HOSTILE);
    // The stdout hit matched case-insensitively.
    expect(await page.locator('#search-results li.hit.field-stdout mark.find').innerText()).toBe(WORD.toUpperCase());
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(await page.locator('#search-results img').count()).toBe(0);
    expect(page.url()).toContain(`text=${WORD}`);
    await shot(page, 'lists-search');

    // Reasoning only.
    await page.check('#search-reasoning');
    await page.waitForFunction(() => document.querySelectorAll('#search-results li.hit').length === 1);
    expect(await page.locator('#search-results li.hit').getAttribute('data-index')).toBe(String(REASONING_LINE));
    // The search reads only the episodes the list's filters keep: none of the possible twins has the word.
    await page.uncheck('#search-reasoning');
    await page.waitForFunction(() => document.querySelectorAll('#search-results li.hit').length === 2);
    await page.selectOption('select[data-filter="kind"]', 'possible');
    await page.waitForFunction(() => (document.getElementById('search-results')?.textContent ?? '').includes('Nothing matches'));
    expect(await page.locator('#search-status').innerText()).toContain('0 hits in 0 episodes (2 of 2 transcripts read — the episodes the filters keep)');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('links a hit to its event: the page loads past its first 200 events, opens the reasoning and marks the text', { timeout: T }, async () => {
    const { page, dialogs, errors } = await open(`runs/${RUN}/episodes/?text=${WORD}&in=reasoning`);
    const link = page.locator('#search-results li.hit a').first();
    await link.waitFor();
    await link.click();
    await page.waitForURL(new RegExp(`#event-${REASONING_LINE}$`));
    const event = page.locator(`#events .event[data-index="${REASONING_LINE}"]`);
    await event.locator('mark.find').first().waitFor();
    expect(await event.getAttribute('class')).toContain('target');
    expect(await event.locator('details.reasoning').getAttribute('open')).not.toBeNull();
    expect(await event.locator('mark.find').innerText()).toBe(WORD);
    expect(await event.locator('details.reasoning').innerText()).toContain(HOSTILE);
    expect(await page.locator('#events .event').count()).toBeGreaterThan(REASONING_LINE);
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    // The view at the event (a full-page picture of 400 events would take long to make).
    await page.screenshot({ path: join(SHOTS, 'lists-search-target.png') });
    await page.close();
  });
});

describe('the chart', () => {
  it('shows BS score, solve rate and false-flag rate per model and condition with intervals, a legend, wrapped names, a solid background', { timeout: T }, async () => {
    const { page, errors } = await open(`runs/${RUN}/`);
    const svg = page.locator('.chart svg');
    await svg.waitFor();
    expect(await svg.locator('.legend-item').count()).toBe(3);
    expect(await svg.locator('.legend').textContent()).toContain('false flags');
    expect(await svg.locator('rect.background').getAttribute('fill')).toBe('#ffffff');
    const cell = svg.locator(`g.cell[data-model="scripted:honest"]`);
    expect(await cell.locator('rect[data-series]').evaluateAll((r) => r.map((x) => [x.getAttribute('data-series'), x.getAttribute('data-rate')]))).toEqual([
      ['bs', '0'],
      ['solved', '0'],
      ['falseFlag', '1'],
    ]);
    expect(await cell.locator('line[data-ci]').count()).toBe(3);
    // The long model name is wrapped on several lines, every character kept, none outside the chart.
    const long = svg.locator(`g.cell[data-model="${LONG_MODEL}"] text.label`);
    const lines = await long.allTextContents();
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.slice(0, -1).join('')).toBe(LONG_MODEL);
    const box = await svg.boundingBox();
    for (const b of await long.evaluateAll((ts) => ts.map((t) => (t as SVGGraphicsElement).getBoundingClientRect().left))) expect(b).toBeGreaterThanOrEqual(box?.x ?? 0);
    expect(await fitsWidth(page)).toEqual({ page: 1280, view: 1280 });
    expect(errors).toEqual([]);
    await svg.screenshot({ path: join(SHOTS, 'lists-chart.png') });
    // On a dark page the chart keeps its own background (its pixels at a corner are white).
    await page.evaluate(() => {
      document.body.style.background = '#111';
    });
    await svg.screenshot({ path: join(SHOTS, 'lists-chart-dark-page.png') });
    await shot(page, 'lists-run-summary');
    await page.close();
  });
});

describe('every page at 1280 px', () => {
  it('has no page-wide horizontal scroll: wide tables scroll inside themselves', { timeout: T }, async () => {
    for (const path of ['', `runs/${RUN}/`, `runs/${RUN}/episodes/`, `runs/${RUN}/episodes/${LONG}/`, `runs/${RUN}/episodes/${FALSE_FLAG}/`]) {
      const { page, errors } = await open(path);
      await page.waitForLoadState('load');
      await page.waitForTimeout(200);
      expect(await fitsWidth(page), path).toEqual({ page: 1280, view: 1280 });
      expect(errors, path).toEqual([]);
      await page.close();
    }
  });
});
