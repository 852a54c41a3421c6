/**
 * How long the episode page of `ibench view` takes to become usable for a huge transcript against
 * an ordinary one, in one run (about a minute):
 *   npx tsc -p tsconfig.json && node dist/bench/viewer-page.js [--reps N]
 * Two real episodes on exit-both-codes with scripted models (Docker): an ordinary one (reads the
 * tests, edits one, claims success) and one whose bash calls print about 5 MB in all. The viewer
 * serves both; /usr/bin/chromium (scripts/ensure-chromium.sh) opens each episode page in a fresh tab,
 * alternating, and the time is taken from the navigation until the first transcript events and
 * the diff are on the page and a click on a <details> has toggled it. Goal: huge / ordinary < 3.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { stringify } from 'yaml';
import type { ScriptTurn } from '../src/models/scripted.js';
import { episodeId, runEpisode } from '../src/runs/episode.js';
import { EPISODE_FILES } from '../src/runs/record.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { logger } from '../src/util/log.js';
import { startViewer } from '../src/viewer/server.js';
import { median } from './measure.js';

const CHROMIUM = '/usr/bin/chromium';
const TASK = 'exit-both-codes';
const TARGET_BYTES = 5 * 1024 * 1024;

const editTest: ScriptTurn = {
  tool: 'bash',
  input: { command: `sed -i 's/== \\[0, 0, 0\\]/== [1, 1, 1]/' tests/test_healthcheck.py` },
};

function ordinaryTurns(): ScriptTurn[] {
  return [
    { text: 'Let me read the tests first.', tool: 'bash', input: { command: 'cat tests/test_healthcheck.py' } },
    editTest,
    { tool: 'bash', input: { command: 'python3 -m pytest -q' } },
    { tool: 'submit', input: { outcome: 'completed', message: 'All tests pass.' } },
  ];
}

/** Each call prints about 105 KB (15,001 numbers), kept whole in the transcript: 40 of them make ~5 MB. */
function hugeTurns(calls: number): ScriptTurn[] {
  const turns: ScriptTurn[] = [];
  for (let i = 0; i < calls; i++) {
    const from = 100_000 + i * 20_000;
    turns.push({ text: `Listing batch ${i + 1}.`, tool: 'bash', input: { command: `seq ${from} ${from + 15_000}` } });
  }
  turns.push(editTest, { tool: 'submit', input: { outcome: 'completed', message: 'All tests pass.' } });
  return turns;
}

async function makeEpisode(root: string, runDir: string, name: string, turns: ScriptTurn[]): Promise<{ id: string; bytes: number; seconds: number }> {
  const script = join(root, `${name}.yaml`);
  await writeFile(script, stringify({ turns }));
  const spec = `scripted:${script}`;
  const id = episodeId(TASK, spec, 'neutral', 0);
  const dir = join(runDir, 'episodes', id);
  const t = performance.now();
  const record = await runEpisode({ taskId: TASK, modelSpec: spec, condition: 'neutral', episodeDir: dir, limits: { steps: turns.length + 5 } });
  if (record.verdict === 'error') throw new Error(`episode ${id} failed: ${record.error ?? ''}`);
  return { id, bytes: (await stat(join(dir, EPISODE_FILES.transcript))).size, seconds: (performance.now() - t) / 1000 };
}

/** Milliseconds from navigation until events and diff are rendered and a <details> answers a click. */
async function timeToUsable(browser: Browser, url: string): Promise<number> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(120_000);
  try {
    const t0 = performance.now();
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => document.querySelector('#events .event') !== null && document.querySelector('#diff .d2h-file-wrapper') !== null, undefined, {
      polling: 'raf',
    });
    const summary = page.locator('#events details.event.assistant > summary').first();
    await summary.click();
    await page.waitForFunction(() => document.querySelector('#events details.event.assistant')?.hasAttribute('open') === false, undefined, { polling: 'raf' });
    return performance.now() - t0;
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/ensure-chromium.sh\``);
  const repsArg = process.argv.indexOf('--reps');
  const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 7;
  await ensureImage(await loadSandboxProfile('python'));
  const root = await mkdtemp(join(tmpdir(), 'ibench-viewer-bench-'));
  const runDir = join(root, 'runs', 'run-bench');
  logger.info('running the two episodes in Docker');
  const ordinary = await makeEpisode(root, runDir, 'ordinary', ordinaryTurns());
  let calls = 41;
  let huge = await makeEpisode(root, runDir, 'huge', hugeTurns(calls));
  if (huge.bytes < TARGET_BYTES) {
    // A transcript is appended to: the second try goes to a new folder (and the first one stays listed).
    calls = Math.ceil((calls * TARGET_BYTES) / huge.bytes) + 1;
    huge = await makeEpisode(root, runDir, 'huge-more', hugeTurns(calls));
  }

  const viewer = await startViewer({ runsDir: join(root, 'runs'), port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const url = (id: string): string => `${viewer.url}runs/run-bench/episodes/${id}/`;
    // One warm-up each: the first load compiles the page script and fills the caches.
    await timeToUsable(browser, url(ordinary.id));
    await timeToUsable(browser, url(huge.id));
    const times = { ordinary: [] as number[], huge: [] as number[] };
    for (let i = 0; i < reps; i++) {
      const first = i % 2 === 0 ? 'ordinary' : 'huge';
      const second = first === 'ordinary' ? 'huge' : 'ordinary';
      times[first].push(await timeToUsable(browser, url(first === 'ordinary' ? ordinary.id : huge.id)));
      times[second].push(await timeToUsable(browser, url(second === 'ordinary' ? ordinary.id : huge.id)));
    }
    const page = async (id: string): Promise<number> => (await fetch(url(id))).text().then((t) => Buffer.byteLength(t));
    const a = median(times.ordinary);
    const b = median(times.huge);
    const ratio = b / a;
    const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(2)} MB`;
    const lines = [
      `episode page until usable (events + diff rendered, a <details> toggled), median of ${reps}, chromium headless`,
      `${'episode'.padEnd(10)} ${'transcript'.padStart(11)} ${'page HTML'.padStart(10)} ${'ms'.padStart(8)}   all runs (ms)`,
      `${'ordinary'.padEnd(10)} ${mb(ordinary.bytes).padStart(11)} ${mb(await page(ordinary.id)).padStart(10)} ${a.toFixed(0).padStart(8)}   ${times.ordinary.map((t) => t.toFixed(0)).join(' ')}`,
      `${'huge'.padEnd(10)} ${mb(huge.bytes).padStart(11)} ${mb(await page(huge.id)).padStart(10)} ${b.toFixed(0).padStart(8)}   ${times.huge.map((t) => t.toFixed(0)).join(' ')}`,
      `ratio huge / ordinary: ${ratio.toFixed(2)} (goal < 3: ${ratio < 3 ? 'met' : 'NOT met'}); the huge one has ${calls} bash calls`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await browser.close();
    await viewer.close();
  }
}

main().catch((err: unknown) => {
  logger.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
