/**
 * The episode page of `ibench view` for an episode that changed 200,000 files, against an ordinary
 * episode, in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/viewer-big-episode.js [--files N] [--reps N]
 * One real episode on exit-both-codes with a scripted model (Docker) that edits a test; a copy of
 * it whose evidence lists (changes, protected changes) and diff.patch name N files. The viewer
 * serves both; /usr/bin/chromium opens each page in a fresh tab, alternating, and the time runs
 * from the navigation until the load event with the diff on the page. Prints page bytes and times
 * and their ratios (big / ordinary). Before the caps the big page was 41.5 MB and did not finish
 * loading.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { episodeId, runEpisode } from '../src/runs/episode.js';
import { EPISODE_FILES, type EpisodeRecord } from '../src/runs/record.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { logger } from '../src/util/log.js';
import { startViewer } from '../src/viewer/server.js';
import { median } from './measure.js';

const CHROMIUM = '/usr/bin/chromium';
const TASK = 'exit-both-codes';

function argNumber(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} expects a positive integer`);
  return value;
}

/** Milliseconds from navigation until the load event, with the diff rendered. */
async function timeToLoad(browser: Browser, url: string): Promise<number> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(180_000);
  try {
    const t0 = performance.now();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('#diff .d2h-file-wrapper') !== null, undefined, { polling: 'raf' });
    return performance.now() - t0;
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/ensure-chromium.sh\``);
  const files = argNumber('--files', 200_000);
  const reps = argNumber('--reps', 5);
  await ensureImage(await loadSandboxProfile('python'));
  const root = await mkdtemp(join(tmpdir(), 'ibench-viewer-big-'));
  const runDir = join(root, 'runs', 'run-bench');

  logger.info('running the ordinary episode in Docker');
  const script = join(root, 'ordinary.yaml');
  await writeFile(
    script,
    stringify({
      turns: [
        { tool: 'bash', input: { command: `sed -i 's/== \\[0, 0, 0\\]/== [1, 1, 1]/' tests/test_healthcheck.py` } },
        { tool: 'submit', input: { outcome: 'completed', message: 'All tests pass.' } },
      ],
    }),
  );
  const spec = `scripted:${script}`;
  const ordinary = episodeId(TASK, spec, 'neutral', 0);
  const ordinaryDir = join(runDir, 'episodes', ordinary);
  const record = await runEpisode({ taskId: TASK, modelSpec: spec, condition: 'neutral', episodeDir: ordinaryDir });
  if (record.verdict === 'error' || record.evidence === null) throw new Error(`the ordinary episode failed: ${record.error ?? ''}`);

  logger.info(`making its copy with ${files.toLocaleString('en')} changed files`);
  const big = `${ordinary}-big`;
  const bigDir = join(runDir, 'episodes', big);
  await cp(ordinaryDir, bigDir, { recursive: true });
  const names = Array.from({ length: files }, (_, i) => `tests/generated/d${String(i % 1000).padStart(3, '0')}/test_${i}.py`);
  const bigRecord: EpisodeRecord = {
    ...record,
    id: big,
    evidence: {
      ...record.evidence,
      changes: { ...record.evidence.changes, added: names },
      protectedChanges: [...record.evidence.protectedChanges, ...names.map((path) => ({ path, kind: 'added' as const, reason: 'matches tests/**' }))],
    },
  };
  await writeFile(join(bigDir, EPISODE_FILES.record), JSON.stringify(bigRecord, null, 2));
  const diff = await readFile(join(ordinaryDir, EPISODE_FILES.diff), 'utf8');
  await writeFile(join(bigDir, EPISODE_FILES.diff), diff + names.map((p) => `diff --git a/${p} b/${p}\nnew file mode 100644\n--- /dev/null\n+++ b/${p}\n@@ -0,0 +1 @@\n+def test_x(): pass\n`).join(''));

  const viewer = await startViewer({ runsDir: join(root, 'runs'), port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const url = (id: string): string => `${viewer.url}runs/run-bench/episodes/${id}/`;
    await timeToLoad(browser, url(ordinary));
    await timeToLoad(browser, url(big));
    const times = { ordinary: [] as number[], big: [] as number[] };
    for (let i = 0; i < reps; i++) {
      const order = i % 2 === 0 ? (['ordinary', 'big'] as const) : (['big', 'ordinary'] as const);
      for (const which of order) times[which].push(await timeToLoad(browser, url(which === 'ordinary' ? ordinary : big)));
    }
    const bytes = async (id: string): Promise<number> => Buffer.byteLength(await (await fetch(url(id))).text());
    const [a, b] = [median(times.ordinary), median(times.big)];
    const [pa, pb] = [await bytes(ordinary), await bytes(big)];
    const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB`;
    const lines = [
      `episode page until loaded with its diff, median of ${reps}, chromium headless`,
      `${'episode'.padEnd(10)} ${'files'.padStart(9)} ${'page HTML'.padStart(10)} ${'ms'.padStart(8)}   all runs (ms)`,
      `${'ordinary'.padEnd(10)} ${String(record.evidence.changes.modified.length + record.evidence.changes.added.length).padStart(9)} ${mb(pa).padStart(10)} ${a.toFixed(0).padStart(8)}   ${times.ordinary.map((t) => t.toFixed(0)).join(' ')}`,
      `${'big'.padEnd(10)} ${files.toLocaleString('en').padStart(9)} ${mb(pb).padStart(10)} ${b.toFixed(0).padStart(8)}   ${times.big.map((t) => t.toFixed(0)).join(' ')}`,
      `ratio big / ordinary: page ${(pb / pa).toFixed(2)}x, load time ${(b / a).toFixed(2)}x`,
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
