/**
 * How long a filter change takes in the viewer's episodes list at 5,000 episodes against 50, in
 * one run (under a minute):
 *   npx tsc -p tsconfig.json && node dist/bench/viewer-filter.js [--reps N]
 * Two runs of synthetic episode folders (episode.json and a one-line transcript each; verdicts,
 * models and possible/impossible mixed) are served by `ibench view`; /usr/bin/chromium
 * (scripts/ensure-chromium.sh) opens each run's episodes list and, inside the page, times a change
 * of the verdict filter from the change event until the list is drawn and laid out (a forced
 * layout), alternating filters so that every change redraws. Goal: 5,000 / 50 < 3.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import type { Verdict } from '../src/inspect/types.js';
import { EPISODE_FILES, type EpisodeRecord } from '../src/runs/record.js';
import { logger } from '../src/util/log.js';
import { startViewer } from '../src/viewer/server.js';
import { median } from './measure.js';

const CHROMIUM = '/usr/bin/chromium';
const SIZES = [50, 5000] as const;
const VERDICTS: Verdict[] = ['tampered', 'flagged', 'solved', 'claimed_success', 'gamed', 'no_claim', 'partial'];
/** The filter values cycled through: each change shows a different set of rows. */
const CYCLE = ['gamed', '', 'flagged', 'tampered', ''];

function record(i: number): EpisodeRecord {
  const task = `task-${String(i % 60).padStart(2, '0')}`;
  const model = `provider:model-${i % 5}`;
  const condition = ['neutral', 'must-pass', 'expert'][i % 3] ?? 'neutral';
  const id = `${task}__${model.replace(':', '-')}__${condition}__e${i}`;
  return {
    id,
    task,
    impossible: i % 4 !== 0,
    category: 'contradictory-spec',
    twin: null,
    model,
    condition,
    conditionText: { system: 'You are a software engineer.', user: 'Please do it.', pushback: [] },
    epoch: i,
    claim: 'completed',
    verdict: VERDICTS[i % VERDICTS.length] ?? 'no_claim',
    endReason: 'submit',
    steps: 3 + (i % 20),
    submit: null,
    evidence: null,
    usage: { inputTokens: 1000 + i, outputTokens: 100 + i },
    timings: { totalMs: 1000 + i },
    error: null,
    startedAt: '2026-11-30T00:00:00.000Z',
    finishedAt: '2026-11-30T00:01:00.000Z',
    harness: { version: '0.1.0', commit: null },
  };
}

async function writeRun(dir: string, n: number): Promise<void> {
  const line = `${JSON.stringify({ type: 'system', content: 'You are a software engineer.', seq: 0, t: 0 })}\n`;
  for (let i = 0; i < n; i++) {
    const r = record(i);
    const episode = join(dir, 'episodes', r.id);
    await mkdir(episode, { recursive: true });
    await writeFile(join(episode, EPISODE_FILES.record), JSON.stringify(r));
    await writeFile(join(episode, EPISODE_FILES.transcript), line);
  }
}

/** Milliseconds of one filter change inside the page: the change handler, then a forced layout. */
function changeFilter(page: Page, value: string): Promise<number> {
  return page.evaluate((v) => {
    const select = document.querySelector<HTMLSelectElement>('select[data-filter="verdict"]');
    if (select === null) throw new Error('no verdict filter on the page');
    const t0 = performance.now();
    select.value = v;
    select.dispatchEvent(new Event('change'));
    void document.body.offsetHeight;
    return performance.now() - t0;
  }, value);
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/ensure-chromium.sh\``);
  const repsArg = process.argv.indexOf('--reps');
  const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 30;
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps: a whole number of at least 1');
  const root = await mkdtemp(join(tmpdir(), 'ibench-viewer-filter-'));
  for (const n of SIZES) await writeRun(join(root, 'runs', `run-${n}`), n);
  const viewer = await startViewer({ runsDir: join(root, 'runs'), port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const pages = new Map<number, Page>();
    const drawn = new Map<number, number>();
    for (const n of SIZES) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(120_000);
      await page.goto(`${viewer.url}runs/run-${n}/episodes/`);
      await page.locator('#episodes tbody tr[data-id]').first().waitFor();
      const count = await page.locator('#count').innerText();
      if (!count.startsWith(`${n} of ${n}`)) throw new Error(`run-${n}: the list says "${count}"`);
      // Warm-up: one full cycle.
      for (const v of CYCLE) await changeFilter(page, v);
      pages.set(n, page);
    }
    const times = new Map<number, number[]>(SIZES.map((n) => [n, []]));
    for (let i = 0; i < reps; i++) {
      const value = CYCLE[i % CYCLE.length] ?? '';
      // Alternate which size goes first.
      const order = i % 2 === 0 ? SIZES : [...SIZES].reverse();
      for (const n of order) {
        const page = pages.get(n);
        if (page === undefined) continue;
        times.get(n)?.push(await changeFilter(page, value));
        drawn.set(n, Math.max(drawn.get(n) ?? 0, await page.locator('#episodes tbody tr[data-id]').count()));
      }
    }
    const small = median(times.get(SIZES[0]) ?? []);
    const big = median(times.get(SIZES[1]) ?? []);
    const ratio = big / small;
    const lines = [
      `episodes list: a verdict filter change until the list is drawn and laid out, median of ${reps}, chromium headless, 1280x900`,
      `${'episodes'.padStart(9)} ${'ms'.padStart(8)} ${'rows in DOM'.padStart(12)}   all changes (ms)`,
      ...SIZES.map((n) => `${String(n).padStart(9)} ${median(times.get(n) ?? []).toFixed(2).padStart(8)} ${String(drawn.get(n) ?? 0).padStart(12)}   ${(times.get(n) ?? []).map((t) => t.toFixed(1)).join(' ')}`),
      `ratio 5,000 / 50: ${ratio.toFixed(2)} (goal < 3: ${ratio < 3 ? 'met' : 'NOT met'})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await browser.close();
    await viewer.close();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  logger.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
