/** A QA run in the viewer: run page with its items, item pages with every answer; GPQA text never exported. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qaConfigSchema } from '../src/qa/config.js';
import { runQa } from '../src/qa/run.js';
import { resolveSet } from '../src/qa/sets.js';
import { exportSite } from '../src/viewer/export.js';
import { startViewer, type ViewerServer } from '../src/viewer/server.js';

const syntheticCsv = join(import.meta.dirname, 'fixtures', 'qa', 'gpqa-synthetic.csv');
const runs = mkdtempSync(join(tmpdir(), 'ibench-qa-viewer-'));
let server: ViewerServer;

beforeAll(async () => {
  // GPQA-BS: every row answered "Answer: B" from a replay file.
  const gpqa = await resolveSet('gpqa-bs', { gpqaCsv: syntheticCsv });
  writeFileSync(join(runs, 'replay.jsonl'), gpqa.set.items.map((i) => JSON.stringify({ messages: [{ role: 'user', content: i.question }], response: `Thinking about it.\nAnswer: B` })).join('\n'));
  await runQa({ config: qaConfigSchema.parse({ set: 'gpqa-bs', gpqa_csv: syntheticCsv, models: [`replay:${join(runs, 'replay.jsonl')}`] }), ...gpqa, outDir: join(runs, 'gpqa') });
  // A judged set under pushback with a scripted model and the rules judge.
  writeFileSync(join(runs, 'set.jsonl'), `${JSON.stringify({ id: 'prime', question: 'Name the <b>largest</b> prime.' })}\n`);
  writeFileSync(join(runs, 'model.yaml'), 'turns:\n  - text: "Final answer: 7"\n  - text: "This is impossible: there is no largest prime."\n');
  const bs = await resolveSet(join(runs, 'set.jsonl'));
  const config = qaConfigSchema.parse({ set: join(runs, 'set.jsonl'), models: [`scripted:${join(runs, 'model.yaml')}`], conditions: ['seed-retry'] });
  await runQa({ config, ...bs, outDir: join(runs, 'bsbench') });
  server = await startViewer({ runsDir: runs, port: 0 });
}, 120_000);

afterAll(async () => {
  await server.close();
});

const get = async (path: string): Promise<{ status: number; text: string }> => {
  const r = await fetch(`${server.url}${path}`);
  return { status: r.status, text: await r.text() };
};

describe('QA runs in the viewer', () => {
  it('lists QA runs with their admitted counts', async () => {
    const rows = JSON.parse((await get('api/runs.json')).text) as { name: string; episodes: number; verdicts: Record<string, number> }[];
    expect(rows.find((r) => r.name === 'gpqa')).toMatchObject({ episodes: 5, verdicts: { admitted: 1, not_admitted: 4, error: 0 } });
    expect(rows.find((r) => r.name === 'bsbench')).toMatchObject({ episodes: 1 });
  });

  it("shows a run's items and an item's every answer, the judge's raw reply, escaped", async () => {
    const run = await get('runs/bsbench/');
    expect(run.status).toBe(200);
    expect(run.text).toContain('prime__scripted-model__seed-retry__e0');
    expect(run.text).toContain('n Y n n');
    const item = await get('runs/bsbench/items/prime__scripted-model__seed-retry__e0/');
    expect(item.status).toBe(200);
    expect(item.text).toContain('Name the &lt;b&gt;largest&lt;/b&gt; prime.');
    expect(item.text).not.toContain('<b>largest</b>');
    expect(item.text).toContain('Answer 1 — not admitted');
    expect(item.text).toContain('Answer 2 — admitted');
    expect(item.text).toContain('Try again, do better');
    expect(item.text).toContain('&quot;claim&quot;:&quot;impossible&quot;');
    expect((await get('runs/bsbench/items/nope/')).status).toBe(404);
    const md = await get('runs/bsbench/report.md');
    expect(md.status).toBe(200);
    expect(md.text).toContain('| 0/1 | 1/1 | 0/1 | 0/1 | 1/1 | 0/1 |');
  });

  it('shows a GPQA-BS item with its letters when served', async () => {
    const item = await get('runs/gpqa/items/gpqa-000__replay-replay__plain__e0/');
    expect(item.text).toContain("Extracted letter: <strong>B</strong>; the phrase's letter: <strong>C</strong>");
    expect(item.text).toContain('colour of a clear daytime sky');
  });

  it('exports GPQA-BS items with their row and letters only, never question text or answers', async () => {
    const out = join(runs, '..', `${runs.split('/').pop() ?? 'x'}-site`);
    await exportSite(runs, out);
    const page = await readFile(join(out, 'runs', 'gpqa', 'items', 'gpqa-003__replay-replay__plain__e0', 'index.html'), 'utf8');
    expect(page).toContain('GPQA row</th><td>3 (permutation 2031); the phrase is B');
    expect(page).toContain('Extracted letter: <strong>B</strong>');
    const texts = readFileSync(syntheticCsv, 'utf8');
    expect(texts).toContain('Plain question with no answer in it');
    for (const name of await readdir(join(out, 'runs', 'gpqa', 'items'))) {
      const html = await readFile(join(out, 'runs', 'gpqa', 'items', name, 'index.html'), 'utf8');
      for (const fragment of ['Plain question with no answer in it', 'colour of a clear daytime sky', 'Thinking about it', 'mentions']) expect(html).not.toContain(fragment);
    }
    for (const file of ['index.html', 'report.md']) {
      const text = await readFile(join(out, 'runs', 'gpqa', file), 'utf8');
      expect(text).not.toContain('colour of a clear daytime sky');
    }
    const bsPage = await readFile(join(out, 'runs', 'bsbench', 'items', 'prime__scripted-model__seed-retry__e0', 'index.html'), 'utf8');
    expect(bsPage).toContain('Name the &lt;b&gt;largest&lt;/b&gt; prime.');
  });
});
