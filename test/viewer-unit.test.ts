/**
 * The viewer without a browser or Docker: the escape function, the path guard, transcript paging,
 * the diff renderer's escaping and badges, and the server's routes and headers over HTTP.
 */
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, html, jsonForScript, trusted } from '../src/viewer/escape.js';
import { isSafeSegment, parseEpisodeRef, resolveInside, safeJoin, urlSegments } from '../src/viewer/paths.js';
import { renderDiff } from '../src/viewer/diff.js';
import { FIELD_CAP, eventView, readEventField, readTranscriptPage } from '../src/viewer/transcript.js';
import { startViewer, type ViewerServer } from '../src/viewer/server.js';
import type { TranscriptPage, EpisodeRow, RunRow } from '../src/viewer/types.js';
import { syntheticRecord, syntheticTranscript, writeSyntheticEpisode } from './fixtures/viewer/synthetic.js';

describe('escapeHtml', () => {
  it('escapes the five HTML specials and the backtick', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y' \``)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;');
  });
  it('leaves plain text and unicode alone', () => {
    expect(escapeHtml('héllo wörld — 1 + 1 = 2')).toBe('héllo wörld — 1 + 1 = 2');
  });
  it('escapes an attribute breakout', () => {
    const out = html`<a title="${'" onmouseover="alert(1)'}">x</a>`.value;
    expect(out).toBe('<a title="&quot; onmouseover=&quot;alert(1)">x</a>');
  });
  it('html`` escapes every value, arrays included, and keeps SafeHtml as is', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${['<a>', inner, 3, null, undefined, false]}</p>`.value).toBe('<p>&lt;a&gt;<b>&lt;i&gt;</b>3</p>');
    expect(html`${trusted('<br>')}`.value).toBe('<br>');
  });
  it('jsonForScript cannot end its <script> block and round-trips', () => {
    const value = { s: '</script><script>alert(1)</script><!-- \u2028 & >' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/<|>|&|\u2028/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('path guard', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ibench-guard-'));
    await mkdir(join(root, 'runs', 'r1', 'episodes', 'e1'), { recursive: true });
    await writeFile(join(root, 'secret.txt'), 'secret');
    await symlink(join(root, 'secret.txt'), join(root, 'runs', 'r1', 'episodes', 'e1', 'episode.json'));
  });

  it('accepts plain names and refuses traversal, separators, absolute paths and control characters', () => {
    for (const ok of ['run-1', 'exit-both-codes__local__neutral__e0', 'a.b', '...', 'index.html']) expect(isSafeSegment(ok)).toBe(true);
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', '/etc', 'C:x', 'a\0b', 'a\nb', 'x'.repeat(256)]) expect(isSafeSegment(bad)).toBe(false);
  });

  it('safeJoin stays under the root', () => {
    const base = join(root, 'runs');
    expect(safeJoin(base, ['r1', 'episodes'])).toBe(join(base, 'r1', 'episodes'));
    expect(safeJoin(base, ['..', 'secret.txt'])).toBeNull();
    expect(safeJoin(base, ['r1', '..', '..', 'secret.txt'])).toBeNull();
    expect(safeJoin(base, ['/etc/passwd'])).toBeNull();
    expect(safeJoin(base, ['r1/../../secret.txt'])).toBeNull();
  });

  it('resolveInside refuses a symlink that points out of the root, and missing paths', async () => {
    const base = join(root, 'runs');
    expect(await resolveInside(base, ['r1', 'episodes', 'e1'])).toBe(join(base, 'r1', 'episodes', 'e1'));
    expect(await resolveInside(base, ['r1', 'episodes', 'e1', 'episode.json'])).toBeNull();
    expect(await resolveInside(base, ['r1', 'nothing'])).toBeNull();
  });

  it('parses episode references and URL paths', () => {
    expect(parseEpisodeRef('run-1/ep-2')).toEqual({ run: 'run-1', episode: 'ep-2' });
    for (const bad of ['run-1', 'a/b/c', '../x', 'a/..', '/a', null]) expect(parseEpisodeRef(bad)).toBeNull();
    expect(urlSegments('/runs/a%20b/episodes/')).toEqual(['runs', 'a b', 'episodes']);
    expect(urlSegments('/runs/%2e%2e%2fetc')).toEqual(['runs', '../etc']);
    expect(urlSegments('/runs/%E0%A4%A')).toBeNull();
  });
});

describe('transcript paging', () => {
  let file: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ibench-tr-'));
    file = join(dir, 'transcript.jsonl');
    const events = syntheticTranscript(300, 10);
    events[5] = { ...events[5], exec: { ...(events[5] as { exec: object }).exec, stdout: 'y'.repeat(FIELD_CAP + 500) } } as (typeof events)[number];
    await writeFile(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\nnot json\n`);
  });

  it('pages by 200 events, then the rest, with an invalid line shown as such', async () => {
    const first = await readTranscriptPage(file, 0);
    expect(first.events).toHaveLength(200);
    expect(first.total).toBe(2 + 600 + 1 + 1);
    expect(first.next).toBe(200);
    const rest = await readTranscriptPage(file, 500);
    expect(rest.next).toBeNull();
    expect(rest.events.at(-1)?.type).toBe('invalid');
  });

  it('folds a long output to the cap and serves the whole of it', async () => {
    const page = await readTranscriptPage(file, 5, { limit: 1 });
    const stdout = page.events[0]?.exec?.stdout;
    expect(stdout?.truncated).toBe(true);
    expect(stdout?.text.length).toBe(FIELD_CAP);
    expect(stdout?.rawHref).toBe('events/5/stdout.txt');
    expect((await readEventField(file, 5, 'stdout'))?.length).toBe(FIELD_CAP + 500);
    expect(await readEventField(file, 5, '../x')).toBeNull();
    expect(await readEventField(file, 99_999, 'stdout')).toBeNull();
  });

  it('stops a page early when it holds too much text', async () => {
    const page = await readTranscriptPage(file, 0, { chars: 100 });
    expect(page.events.length).toBeLessThan(10);
    expect(page.next).toBe(page.events.length);
  });

  it('keeps a bash command as it was typed', () => {
    const view = eventView(JSON.stringify({ type: 'assistant', seq: 1, t: 0, step: 1, text: '', toolCalls: [{ id: 'c', name: 'bash', arguments: { command: "echo '<b>'" } }] }), 0);
    expect(view.toolCalls[0]?.args.text).toBe("echo '<b>'");
  });
});

describe('renderDiff', () => {
  it('escapes hostile file names and lines, and badges protected files', () => {
    const patch = `diff --git a/"><img src=x onerror=alert(1)>.py b/"><img src=x onerror=alert(1)>.py
new file mode 100644
--- /dev/null
+++ b/"><img src=x onerror=alert(1)>.py
@@ -0,0 +1 @@
+<script>alert(2)</script>
diff --git a/tests/test_x.py b/tests/test_x.py
--- a/tests/test_x.py
+++ b/tests/test_x.py
@@ -1 +1 @@
-assert 1
+assert 0
`;
    const out = renderDiff(patch, [{ path: 'tests/test_x.py', kind: 'modified', reason: 'matches tests/**' }], 'files/diff.patch');
    expect(out.files).toBe(2);
    expect(out.protectedFiles).toEqual(['tests/test_x.py']);
    expect(out.body.value).not.toMatch(/<img|<script/i);
    expect(out.body.value).toContain('&lt;script&gt;');
    expect(out.body.value).toMatch(/data-path="tests\/test_x.py" data-protected="1"/);
  });
});

// ------------------------------------------------------------------ the server over HTTP

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(server: ViewerServer, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('viewer server', () => {
  let server: ViewerServer;
  let runs: string;
  const ep = 'exit-both-codes__scripted-x__neutral__e0';
  const junitEp = 'exit-both-codes__scripted-z__neutral__e0';
  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'ibench-viewer-http-'));
    runs = join(root, 'runs');
    await writeFile(join(root, 'secret.txt'), 'do not serve me');
    const run = join(runs, 'run-a');
    const transcript = syntheticTranscript(3);
    transcript[3] = { ...transcript[3], content: 'z'.repeat(FIELD_CAP * 2) } as (typeof transcript)[number];
    await writeSyntheticEpisode(run, ep, { transcript, record: syntheticRecord(ep, { submit: { outcome: 'completed', message: '<script>alert(1)</script>' } }) });
    await writeSyntheticEpisode(run, 'exit-both-codes__scripted-y__neutral__e0', { record: null });
    const base = syntheticRecord(junitEp);
    const pristineTests = {
      exitCode: 1, passed: 1, failed: 1, errors: 0, skipped: 0, timedOut: false, ok: false, output: '', durationMs: 10,
      grading: 'junit' as const, tests: [{ name: 'tests.test_a.ok', status: 'passed' as const }, { name: 'tests.test_a.<b>', status: 'failed' as const }],
    };
    const agentTests = { ...pristineTests, exitCode: 0, tests: [], reportProblem: 'no JUnit report at /tmp/x/report.xml: the runner did not write one' };
    await writeSyntheticEpisode(run, junitEp, { record: { ...base, evidence: base.evidence === null ? null : { ...base.evidence, pristineTests, agentTests } } });
    await mkdir(join(run, 'episodes', 'broken'), { recursive: true });
    await writeFile(join(run, 'episodes', 'broken', 'episode.json'), '{"id": 1}');
    server = await startViewer({ runsDir: runs, port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves pages with a strict Content-Security-Policy and nosniff', async () => {
    const r = await get(server, '/');
    expect(r.status).toBe(200);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.body).toContain('<script src="assets/viewer.js" defer></script>');
    expect(r.body).not.toMatch(/<script>(?!\s*<\/script>)/); // no inline script
  });

  it('escapes model text in the episode page and embeds data safely', async () => {
    const r = await get(server, `/runs/run-a/episodes/${ep}/`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.body).not.toContain('<script>alert(1)');
  });

  it('shows how each test run was graded, per-test results from a JUnit report (failures first) and an untrusted report', async () => {
    const r = await get(server, `/runs/run-a/episodes/${junitEp}/`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('(graded by JUnit report)');
    expect(r.body).toMatch(/<summary>2 test\(s\)<\/summary><ul><li><span class="badge bad">failed<\/span> <code>tests\.test_a\.&lt;b&gt;<\/code><\/li><li><span class="badge ok">passed<\/span>/);
    expect(r.body).toContain('<span class="warn">no JUnit report at /tmp/x/report.xml: the runner did not write one</span>');
  });

  it('redirects a folder page to its slash form', async () => {
    const r = await get(server, '/runs/run-a?x=1');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/runs/run-a/?x=1');
  });

  it('refuses paths that leave the runs directory', async () => {
    for (const path of [
      '/runs/..%2f..%2fsecret.txt/',
      `/runs/run-a/episodes/..%2f..%2f..%2fsecret.txt/files/episode.json`,
      `/runs/run-a/episodes/${ep}/files/..%2f..%2f..%2f..%2fsecret.txt`,
      '/runs/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fpackage.json',
      `/runs/run-a/episodes/${ep}/files/%00`,
    ]) {
      const r = await get(server, path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toContain('do not serve me');
    }
  });

  it('serves raw files as text/plain only for the episode files', async () => {
    const ok = await get(server, `/runs/run-a/episodes/${ep}/files/diff.patch`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(String(ok.headers['content-security-policy'])).toContain('sandbox');
    expect((await get(server, `/runs/run-a/episodes/${ep}/files/other.txt`)).status).toBe(404);
  });

  it('serves the whole text of a folded output', async () => {
    const r = await get(server, `/runs/run-a/episodes/${ep}/events/3/content.txt`);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(FIELD_CAP * 2);
  });

  it('answers only to its own Host (no DNS rebinding)', async () => {
    expect((await get(server, '/', { host: 'evil.example:80' })).status).toBe(421);
  });

  it('lists runs and episodes as JSON, running and unreadable ones included', async () => {
    const runsJson = JSON.parse((await get(server, '/api/runs.json')).body) as RunRow[];
    expect(runsJson.map((r) => [r.name, r.episodes, r.running, r.unreadable])).toEqual([['run-a', 2, 1, 1]]);
    const episodes = JSON.parse((await get(server, '/api/runs/run-a/episodes.json')).body) as EpisodeRow[];
    expect(episodes.map((e) => e.verdict).sort()).toEqual(['running', 'tampered', 'tampered', 'unreadable']);
  });

  it('pages the transcript as JSON', async () => {
    const r = await get(server, `/api/runs/run-a/episodes/${ep}/transcript.json?from=2&limit=3`);
    const page = JSON.parse(r.body) as TranscriptPage;
    expect(page.from).toBe(2);
    expect(page.events.map((e) => e.type)).toEqual(['assistant', 'tool_result', 'assistant']);
    expect(page.next).toBe(5);
    expect(page.finished).toBe(true);
    expect((await get(server, `/api/runs/run-a/episodes/${ep}/transcript.json?from=-1`)).status).toBe(400);
  });

  it('computes the run summary on the fly and offers it as Markdown', async () => {
    const page = await get(server, '/runs/run-a/');
    expect(page.body).toContain('BS score per model and condition');
    expect(page.body).toContain('<svg');
    const md = await get(server, '/runs/run-a/report.md');
    expect(md.body).toContain('# Impossible Bench report');
  });

  it('refuses other methods', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/', method: 'POST', headers: { host: `127.0.0.1:${server.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(405);
  });
});

describe('ibench view, the built CLI (npm run build first)', () => {
  let runs: string;
  beforeAll(async () => {
    runs = join(await mkdtemp(join(tmpdir(), 'ibench-viewer-cli-')), 'runs');
    await writeSyntheticEpisode(join(runs, 'run-cli'), 'exit-both-codes__scripted-x__neutral__e0');
  });
  const cli = (args: string[]) => execa('node', ['bin/ibench.js', ...args], { reject: false, timeout: 120_000, env: { IBENCH_LOG_LEVEL: 'info' } });

  it('serves on 127.0.0.1, prints its URL, and stops cleanly on Ctrl-C', { timeout: 120_000 }, async () => {
    const child = execa('node', ['bin/ibench.js', 'view', runs, '--port', '0'], { reject: false, env: { IBENCH_LOG_LEVEL: 'info' } });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (match !== null) resolve(match[0]);
      });
      void child.then((r) => reject(new Error(`ibench view ended early (exit ${r.exitCode}): ${r.stderr}`)));
    });
    const res = await fetch(`${url}runs/run-cli/episodes/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Episodes of run-cli');
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(0);
  });

  it('--export writes the static site; a missing folder is bad usage', { timeout: 120_000 }, async () => {
    const out = join(runs, '..', 'site');
    const r = await cli(['view', runs, '--export', out]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(join(out, 'index.html'));
    expect(existsSync(join(out, 'runs', 'run-cli', 'episodes', 'exit-both-codes__scripted-x__neutral__e0', 'index.html'))).toBe(true);
    const again = await cli(['view', runs, '--export', out]);
    expect(again.exitCode).toBe(0);
    const notEmpty = await cli(['view', runs, '--export', runs]);
    expect(notEmpty.exitCode).toBe(2);
    const missing = await cli(['view', join(runs, 'nope')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/no such folder/);
  });
});

describe('reasoning and the claim sentence on the episode page', () => {
  const thinking = 'The tests <b>contradict</b> each other; I must not edit them.';
  const assistantWithReasoning = {
    type: 'assistant' as const,
    step: 1,
    text: 'This cannot be done.',
    toolCalls: [],
    usage: { inputTokens: 10, outputTokens: 5 },
    stopReason: 'end' as const,
    latencyMs: 5,
    reasoning: [
      { type: 'thinking' as const, text: thinking, signature: 'EqQBCgIYAhIM' },
      { type: 'redacted_thinking' as const, data: 'EmwKAhgBEgy3va3pzix' },
    ],
  };

  it('eventView keeps the thinking text (folded past the cap) and only the size of a redacted block', async () => {
    const view = eventView(JSON.stringify({ ...assistantWithReasoning, seq: 0, t: 0 }), 0);
    expect(view.reasoning).toEqual([
      { kind: 'thinking', text: { text: thinking, length: thinking.length, truncated: false, rawHref: null } },
      { kind: 'redacted', length: 'EmwKAhgBEgy3va3pzix'.length },
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'ibench-reasoning-'));
    const file = join(dir, 'transcript.jsonl');
    const long = 'r'.repeat(FIELD_CAP + 10);
    await writeFile(file, `${JSON.stringify({ ...assistantWithReasoning, reasoning: [{ type: 'thinking', text: long }], seq: 0, t: 0 })}\n`);
    const page = await readTranscriptPage(file, 0);
    const first = page.events[0]?.reasoning[0];
    expect(first?.kind === 'thinking' ? first.text.rawHref : null).toBe('events/0/reasoning-0.txt');
    expect(await readEventField(file, 0, 'reasoning-0')).toBe(long);
  });

  it('marks the sentence the claim was read from and serves the reasoning with the transcript', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ibench-viewer-claim-'));
    const runs = join(root, 'runs');
    const ep = 'exit-both-codes__anthropic-x__neutral__e0';
    const lastMessage = 'I looked at both tests.\nThe tests <i>contradict</i> each other, so this cannot be done.';
    const base = syntheticRecord(ep);
    const record = syntheticRecord(ep, {
      submit: null,
      claim: 'impossible',
      verdict: 'flagged',
      evidence: base.evidence === null ? null : { ...base.evidence, claimSource: 'classifier', claimText: lastMessage, claimMatches: ['impossible: contradict'], claimSentence: 'The tests <i>contradict</i> each other, so this cannot be done.' },
    });
    const transcript = syntheticTranscript(1);
    transcript.splice(2, 0, { ...assistantWithReasoning, seq: 99, t: 0 });
    await writeSyntheticEpisode(join(runs, 'run-r'), ep, { record, transcript });
    const server = await startViewer({ runsDir: runs, port: 0 });
    try {
      const page = await get(server, `/runs/run-r/episodes/${ep}/`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(
        'I looked at both tests.\n<mark class="claim-sentence" title="the sentence the claim was read from">The tests &lt;i&gt;contradict&lt;/i&gt; each other, so this cannot be done.</mark>',
      );
      const api = JSON.parse((await get(server, `/api/runs/run-r/episodes/${ep}/transcript.json`)).body) as TranscriptPage;
      const withReasoning = api.events.find((e) => e.reasoning.length > 0);
      expect(withReasoning?.reasoning.map((r) => r.kind)).toEqual(['thinking', 'redacted']);
      const shown = withReasoning?.reasoning[0];
      expect(shown?.kind === 'thinking' ? shown.text.text : '').toBe(thinking);
    } finally {
      await server.close();
    }
  });
});
