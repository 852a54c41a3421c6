/**
 * The transcript search (src/viewer/search.ts) over real transcript files, its HTTP route, the
 * episode rows' false-flag and kind fields, and the chart (src/runs/chart.ts): no browser, no Docker.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimedEvent } from '../src/agent/transcript.js';
import { CHART_SERIES, renderSvg, wrapLabel } from '../src/runs/chart.js';
import { EPISODE_FILES, type EpisodeRecord } from '../src/runs/record.js';
import { summarize } from '../src/runs/report.js';
import { searchRun } from '../src/viewer/search.js';
import { startViewer, type ViewerServer } from '../src/viewer/server.js';
import { RunsStore } from '../src/viewer/store.js';
import type { EpisodeRow, SearchResult } from '../src/viewer/types.js';
import { syntheticRecord, syntheticTranscript, writeSyntheticEpisode } from './fixtures/viewer/synthetic.js';

let root = '';
let runs = '';
const RUN = 'run-s';
const A = 'exit-both-codes__scripted-a__neutral__e0';
const B = 'exit-code-by-input__scripted-b__neutral__e0';
const SECRET = 'needle-secret-host-7d1';

/** A transcript whose reasoning, words, command, output and stderr hold the needle in different cases. */
function transcriptA(): TimedEvent[] {
  const events = syntheticTranscript(3);
  events[2] = {
    type: 'assistant',
    step: 1,
    text: 'I will look for the Needle.',
    reasoning: [
      { type: 'thinking', text: 'Where is the needle? "quoted" needle\nagain needle', signature: 's' },
      { type: 'redacted_thinking', data: 'needle-in-encrypted-data' },
    ],
    toolCalls: [{ id: 'c1', name: 'bash', arguments: { command: 'grep -r NEEDLE .' } }],
    usage: { inputTokens: 1, outputTokens: 1 },
    stopReason: 'tool_calls',
    latencyMs: 1,
    seq: 2,
    t: 20,
  };
  const result = events[3];
  if (result?.type !== 'tool_result' || result.exec === undefined) throw new Error('event 3 should be a bash result');
  events[3] = { ...result, exec: { ...result.exec, stdout: `${'x'.repeat(500)} a needle here ${'y'.repeat(500)}`, stderr: 'no needle in stderr? yes: needle' } };
  return events;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ibench-viewer-search-'));
  runs = join(root, 'runs');
  const run = join(runs, RUN);
  await writeSyntheticEpisode(run, A, { transcript: transcriptA(), record: syntheticRecord(A) });
  await writeSyntheticEpisode(run, B, {
    transcript: syntheticTranscript(2).map((e) => (e.type === 'user' ? { ...e, content: 'Find the nëedle, the "needle".' } : e)),
    record: syntheticRecord(B, { task: 'exit-code-by-input', impossible: false, verdict: 'flagged', claim: 'impossible' }),
  });
  // A transcript that is a link to a host file, and one that is a FIFO: neither is read.
  await writeFile(join(root, 'host.jsonl'), `${JSON.stringify({ type: 'user', content: `needle ${SECRET}`, seq: 0, t: 0 })}\n`);
  const linked = await writeSyntheticEpisode(run, 'linked', { record: syntheticRecord('linked') });
  await rm(join(linked, EPISODE_FILES.transcript));
  await symlink(join(root, 'host.jsonl'), join(linked, EPISODE_FILES.transcript));
  const fifo = await writeSyntheticEpisode(run, 'fifo', { record: syntheticRecord('fifo') });
  await rm(join(fifo, EPISODE_FILES.transcript));
  execFileSync('mkfifo', [join(fifo, EPISODE_FILES.transcript)]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('searchRun', () => {
  it('finds the text case-insensitively in reasoning, words, tool calls, outputs and messages, reasoning marked as such', async () => {
    const r = (await searchRun(new RunsStore(runs), RUN, 'needle')) as SearchResult;
    expect(r.searched).toBe(4);
    expect(r.total).toBe(4);
    expect(r.stopped).toBeNull();
    expect(r.episodes.map((e) => e.id)).toEqual([A, B]);
    const a = r.episodes[0];
    expect(a?.hits.map((h) => [h.index, h.field, h.match])).toEqual([
      [2, 'reasoning', 'needle'],
      [2, 'text', 'Needle'],
      [2, 'tool call', 'NEEDLE'],
      [3, 'stdout', 'needle'],
      [3, 'stderr', 'needle'],
    ]);
    // The encrypted (redacted) block is not text: it is never matched.
    expect(JSON.stringify(r)).not.toContain('encrypted-data');
    const reasoning = a?.hits[0];
    expect(reasoning?.matches).toBe(3);
    expect(reasoning?.step).toBe(1);
    expect(`${reasoning?.before}${reasoning?.match}${reasoning?.after}`).toBe('Where is the needle? "quoted" needle\nagain needle');
    // Context is cut around the match, and says so.
    const stdout = a?.hits[3];
    expect(stdout?.before.startsWith('…')).toBe(true);
    expect(stdout?.after.endsWith('…')).toBe(true);
    expect(stdout?.before.length).toBeLessThan(80);
    // B: a false flag on a possible twin, found in the user message (a quote in JSON is escaped).
    const b = r.episodes[1];
    expect(b).toMatchObject({ falseFlag: true, kind: 'possible', verdict: 'flagged' });
    expect(b?.hits.map((h) => [h.type, h.field])).toEqual([['user', 'content']]);
  });

  it('never reads a transcript behind a link or a FIFO', async () => {
    const r = (await searchRun(new RunsStore(runs), RUN, SECRET.slice(7))) as SearchResult;
    expect(r.episodes).toEqual([]);
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('searches only the reasoning when asked, text with quotes and non-ASCII text', async () => {
    const store = new RunsStore(runs);
    const reasoning = (await searchRun(store, RUN, 'needle', { reasoningOnly: true })) as SearchResult;
    expect(reasoning.episodes.flatMap((e) => e.hits.map((h) => h.field))).toEqual(['reasoning']);
    const quoted = (await searchRun(store, RUN, '"quoted" NEEDLE')) as SearchResult;
    expect(quoted.episodes.flatMap((e) => e.hits.map((h) => h.match))).toEqual(['"quoted" needle']);
    const accented = (await searchRun(store, RUN, 'NËEDLE')) as SearchResult;
    expect(accented.episodes.map((e) => [e.id, e.hits[0]?.match])).toEqual([[B, 'nëedle']]);
    // A query that is a regular expression's syntax is plain text.
    expect(((await searchRun(store, RUN, 'ne.dle')) as SearchResult).episodes).toEqual([]);
  });

  it("reads only the episodes in its scope (the list's filters)", async () => {
    const store = new RunsStore(runs);
    const possible = (await searchRun(store, RUN, 'needle', { scope: { kind: 'possible' } })) as SearchResult;
    expect([possible.total, possible.searched, possible.episodes.map((e) => e.id)]).toEqual([1, 1, [B]]);
    const none = (await searchRun(store, RUN, 'needle', { scope: { kind: 'possible', verdict: 'tampered' } })) as SearchResult;
    expect([none.total, none.episodes]).toEqual([0, []]);
    expect(((await searchRun(store, RUN, 'needle', { scope: { model: '' } })) as SearchResult).total).toBe(4);
  });

  it('stops at its caps and says so', async () => {
    const store = new RunsStore(runs);
    const capped = (await searchRun(store, RUN, 'needle', { maxHits: 2 })) as SearchResult;
    expect(capped.hits).toBe(2);
    expect(capped.stopped).toBe('hits');
    expect(capped.episodes[0]?.more).toBe(3);
    const perEpisode = (await searchRun(store, RUN, 'needle', { hitsPerEpisode: 1 })) as SearchResult;
    expect(perEpisode.episodes.map((e) => [e.hits.length, e.more])).toEqual([
      [1, 4],
      [1, 0],
    ]);
    const late = (await searchRun(store, RUN, 'needle', { budgetMs: -1 })) as SearchResult;
    expect(late.stopped).toBe('time');
    expect(await searchRun(store, 'no-such-run', 'needle')).toBeNull();
  });
});

function get(server: ViewerServer, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host: `127.0.0.1:${server.port}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the search route and the rows', () => {
  let server: ViewerServer;
  beforeAll(async () => {
    server = await startViewer({ runsDir: runs, port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers JSON, and a one-line 400 for a bad query', async () => {
    const ok = await get(server, `/api/runs/${RUN}/search.json?q=needle&in=reasoning`);
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('application/json; charset=utf-8');
    expect((JSON.parse(ok.body) as SearchResult).hits).toBe(1);
    expect(await get(server, `/api/runs/${RUN}/search.json`)).toMatchObject({ status: 400, body: 'q: give 2 to 200 characters to search for\n' });
    expect((await get(server, `/api/runs/${RUN}/search.json?q=${'x'.repeat(201)}`)).status).toBe(400);
    expect(await get(server, `/api/runs/${RUN}/search.json?q=needle&in=code`)).toMatchObject({ status: 400, body: 'in: all or reasoning\n' });
    expect((await get(server, '/api/runs/nothing/search.json?q=needle')).status).toBe(404);
    const scoped = JSON.parse((await get(server, `/api/runs/${RUN}/search.json?q=needle&verdict=tampered&kind=impossible`)).body) as SearchResult;
    expect([scoped.total, scoped.episodes.map((e) => e.id)]).toEqual([3, [A]]);
  });

  it('gives each episode row its kind and whether it is a false flag', async () => {
    const rows = JSON.parse((await get(server, `/api/runs/${RUN}/episodes.json`)).body) as EpisodeRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(A)).toMatchObject({ kind: 'impossible', falseFlag: false, verdict: 'tampered' });
    expect(byId.get(B)).toMatchObject({ kind: 'possible', falseFlag: true, verdict: 'flagged' });
    const run = JSON.parse((await get(server, '/api/runs.json')).body) as { falseFlags: number; verdicts: Record<string, number> }[];
    expect(run[0]).toMatchObject({ falseFlags: 1, verdicts: { flagged: 1, tampered: 3 } });
  });

  it('the episodes page offers the search only when served', async () => {
    const page = await get(server, `/runs/${RUN}/episodes/`);
    expect(page.body).toContain('id="transcript-search"');
    expect(page.body).toContain(`"search":"api/runs/${RUN}/search.json"`);
  });
});

describe('the chart', () => {
  const record = (model: string, impossible: boolean, verdict: EpisodeRecord['verdict'], i: number): EpisodeRecord =>
    syntheticRecord(`t${i}__${model}__neutral__e0`, { model, impossible, verdict, task: `t${i}` });

  it('wraps a label without losing a character', () => {
    const name = 'openrouter:provider/a-model-name-with-no-end-in-sight_v2.5-preview-2026-11-30';
    const lines = wrapLabel(name, 20);
    expect(lines.join('')).toBe(name);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(20);
    expect(wrapLabel('x'.repeat(45), 20)).toEqual(['x'.repeat(20), 'x'.repeat(20), 'x'.repeat(5)]);
    expect(wrapLabel('short')).toEqual(['short']);
  });

  it('draws BS, solved and false flags per cell with their intervals, a legend and a solid background, names escaped', () => {
    const records = [
      record('m<1>', true, 'tampered', 0),
      record('m<1>', true, 'flagged', 1),
      record('m<1>', false, 'solved', 2),
      record('m<1>', false, 'flagged', 3),
      record('refuser', true, 'flagged', 4),
      record('refuser', false, 'flagged', 5),
    ];
    const svg = renderSvg(summarize(records, '/runs/x'));
    expect(svg).toMatch(/^<svg[^>]*viewBox/);
    expect(svg).toContain('<rect class="background" x="0" y="0"');
    expect(svg).toContain('fill="#ffffff"');
    for (const s of CHART_SERIES) expect(svg).toContain(`<g class="legend-item" data-series="${s.key}">`);
    expect(svg).toContain('data-model="m&lt;1&gt;"');
    expect(svg).not.toContain('m<1>');
    const rates = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="\d+" fill="#[0-9a-f]+" data-series="(\w+)" data-rate="([\d.]+)"/g)].map((m) => [m[1], Number(m[2])]);
    expect(rates).toEqual([
      ['bs', 0.5],
      ['solved', 0.5],
      ['falseFlag', 0.5],
      ['bs', 0],
      ['solved', 0],
      ['falseFlag', 1],
    ]);
    expect(svg.match(/data-ci="/g)?.length).toBe(6);
    // Every text is drawn in dark ink on the white background, none left to the page's colour.
    for (const t of svg.match(/<text [^>]*>/g) ?? []) expect(t).toMatch(/fill="#/);
  });
});
