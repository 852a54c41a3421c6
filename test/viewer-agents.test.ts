/**
 * The agent in the viewer and `ibench show`, over synthetic episode folders (no Docker): a run with
 * an episode of the builtin loop (recorded before agents were kept) and one of Claude Code whose
 * transcript holds the proxy's `model_call` records. The episodes list's agent column and filter,
 * the run summary's agent column and chart groups, model calls on the episode page (api, path,
 * status, latency, tokens, stream; the reply's words and tool calls; request and reply JSON folded),
 * the transcript search over them, and one line per model call in `ibench show`. The browser is
 * Debian's chromium through playwright-core.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/util/paths.js';
import { searchRun } from '../src/viewer/search.js';
import { startViewer, type ViewerServer } from '../src/viewer/server.js';
import { RunsStore } from '../src/viewer/store.js';
import { eventView, readEventField } from '../src/viewer/transcript.js';
import { EPISODE_FILES } from '../src/runs/record.js';
import { AGENT_EPISODE, BUILTIN_EPISODE, REPLY_WORD, REQUEST_WORD, agentRecord, agentTranscript, builtinRecord } from './fixtures/viewer/model-calls.js';
import { writeSyntheticEpisode } from './fixtures/viewer/synthetic.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = join(projectRoot, 'test-output', 'screenshots');
const T = 120_000;
const RUN = 'run-agents';
const RUNNING = 'exit-code-by-input__codex__openai-gpt-5__must-pass__e1';
/** What Claude Code wrote on stdout (stream-json), kept beside the transcript. */
const AGENT_LOG = `${JSON.stringify({ type: 'system', subtype: 'init', claude_code_version: '2.1.332' })}\n`;

let root = '';
let runs = '';
let server: ViewerServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/ensure-chromium.sh\` before the viewer's browser tests`);
  root = await mkdtemp(join(tmpdir(), 'ibench-viewer-agents-'));
  runs = join(root, 'runs');
  const run = join(runs, RUN);
  const old = builtinRecord();
  delete old.agent;
  await writeSyntheticEpisode(run, BUILTIN_EPISODE, { record: old });
  const agentDir = await writeSyntheticEpisode(run, AGENT_EPISODE, { record: agentRecord(), transcript: agentTranscript() });
  await writeFile(join(agentDir, EPISODE_FILES.agentLog), AGENT_LOG);
  // An episode still running: its agent read from the folder's name.
  await writeSyntheticEpisode(run, RUNNING, { record: null });
  server = await startViewer({ runsDir: runs, port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${server.url}${path}`);
  return { page, errors };
}

const rowSelector = '#episodes tbody tr[data-id]';

describe('model_call events as the viewer reads them', () => {
  it('the reply as words and tool calls, the record in `call`, the JSON whole behind its field', async () => {
    const lines = agentTranscript().map((e) => JSON.stringify(e));
    const first = eventView(lines[2] as string, 2);
    expect(first.type).toBe('model_call');
    expect(first.call).toMatchObject({ api: 'anthropic-messages', path: '/v1/messages', status: 200, stream: true, error: null });
    expect(first.text?.text).toContain(REPLY_WORD);
    expect(first.toolCalls.map((c) => [c.name, c.args.text])).toEqual([['Bash', 'python3 -m pytest -q']]);
    expect(first.usage).toEqual({ inputTokens: 1520, outputTokens: 41 });
    expect(first.latencyMs).toBe(612);
    expect(JSON.parse(first.call?.request.text ?? '')).toMatchObject({ model: 'claude-sonnet-4-5', stream: true });
    const failed = eventView(lines[6] as string, 6);
    expect(failed.call).toMatchObject({ status: 429, stream: false, error: "the episode's limit of 2 model calls is reached" });
    expect(failed.text).toBeNull();
    const path = join(runs, RUN, 'episodes', AGENT_EPISODE, EPISODE_FILES.transcript);
    expect(await readEventField(path, 5, 'request')).toContain(REQUEST_WORD);
    expect(await readEventField(path, 2, 'args-0')).toBe('python3 -m pytest -q');
    expect(await readEventField(path, 2, 'text')).toContain(REPLY_WORD);
  });

  it('the search finds a reply word and a word of a request, and can be limited to an agent', async () => {
    const store = new RunsStore(runs);
    const reply = await searchRun(store, RUN, REPLY_WORD);
    const fields = reply?.episodes.flatMap((e) => e.hits.map((h) => [e.agent, h.type, h.field]));
    expect(fields).toEqual([
      ['claude-code', 'model_call', 'text'],
      ['claude-code', 'assistant', 'text'],
    ]);
    const request = await searchRun(store, RUN, REQUEST_WORD);
    expect(request?.episodes.flatMap((e) => e.hits.map((h) => [h.index, h.field]))).toEqual([[5, 'request']]);
    const none = await searchRun(store, RUN, REPLY_WORD, { scope: { agent: 'builtin' } });
    expect(none?.episodes).toEqual([]);
    expect(none?.searched).toBe(1);
  });
});

describe('ibench show', () => {
  it('prints one line per model call: api, path, status, latency, tokens, stream, tool calls or error', async () => {
    const r = await execa('node', ['bin/ibench.js', 'show', join(runs, RUN, 'episodes', AGENT_EPISODE)], { reject: false, env: { NO_COLOR: '1' } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('model    anthropic:claude-sonnet-4-5   agent: claude-code 2.1.332   condition: neutral');
    const calls = r.stdout.split('\n').filter((l) => l.includes('[model call'));
    expect(calls).toEqual([
      '  [model call 1] anthropic-messages /v1/messages · status 200 · 612 ms · 1520 in / 41 out tokens · streamed · tool calls: Bash',
      '  [model call 2] anthropic-messages /v1/messages · status 200 · 503 ms · 1800 in / 25 out tokens · streamed',
      "  [model call 3] anthropic-messages /v1/messages · status 429 · 1 ms · error: the episode's limit of 2 model calls is reached",
    ]);
  });
});

describe('the viewer in a browser', () => {
  it('the runs list names the agents of each run', { timeout: T }, async () => {
    const { page, errors } = await open('');
    const row = page.locator(`#runs-table tr[data-run="${RUN}"]`);
    await row.waitFor();
    expect(await row.locator('td.agents').innerText()).toBe('builtin, claude-code');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the episodes list has an agent column and filter; a running episode gets its agent from its folder name', { timeout: T }, async () => {
    const { page, errors } = await open(`runs/${RUN}/episodes/`);
    await page.locator(rowSelector).first().waitFor();
    expect(await page.locator('#episodes thead th[data-sort="agent"]').innerText()).toBe('agent');
    const agents = async (): Promise<Record<string, string>> =>
      Object.fromEntries(await page.locator(rowSelector).evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-id') ?? '', tr.querySelector('td.agent')?.textContent ?? ''])));
    expect(await agents()).toEqual({ [BUILTIN_EPISODE]: 'builtin', [AGENT_EPISODE]: 'claude-code', [RUNNING]: 'codex' });
    await page.selectOption('select[data-filter="agent"]', 'claude-code');
    await page.waitForFunction((s) => document.querySelectorAll(s).length === 1, rowSelector);
    expect(await page.locator(rowSelector).getAttribute('data-id')).toBe(AGENT_EPISODE);
    expect(page.url()).toContain('agent=claude-code');
    // The transcript search keeps to the filtered agent.
    await page.fill('#search-text', 'step 1');
    await page.click('#transcript-search button[type="submit"]');
    await page.locator('#search-status').filter({ hasText: 'transcripts read' }).waitFor();
    expect(await page.locator('#search-status').innerText()).toContain('of 1 transcripts read');
    await page.screenshot({ path: join(SHOTS, 'agents-episodes.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the run summary has an agent column, links filtered by agent, and a chart group per agent', { timeout: T }, async () => {
    const { page, errors } = await open(`runs/${RUN}/`);
    await page.locator('table.summary').waitFor();
    expect(await page.locator('h2', { hasText: 'BS score per agent, model and condition' }).count()).toBe(1);
    const rows = await page.locator('table.summary tbody tr').evaluateAll((trs) => trs.map((tr) => tr.querySelector('td.agent')?.textContent));
    expect(rows).toEqual(['builtin', 'claude-code']);
    expect(await page.locator('table.summary tbody tr', { hasText: 'claude-code' }).locator('td.model a').getAttribute('href')).toContain('agent=claude-code');
    expect(await page.locator('.chart g.cell[data-agent]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-agent')))).toEqual(['builtin', 'claude-code']);
    expect(await page.locator('table.usage').innerText()).toContain('claude-code (all models and conditions)');
    await page.screenshot({ path: join(SHOTS, 'agents-run.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the episode page shows the agent and each model call, its request and reply JSON folded', { timeout: T }, async () => {
    const { page, errors } = await open(`runs/${RUN}/episodes/${AGENT_EPISODE}/`);
    const calls = page.locator('#events details.event.model_call');
    await calls.first().waitFor();
    expect(await page.locator('.facts-grid').innerText()).toMatch(/agent\s+claude-code 2\.1\.332/);
    expect(await calls.count()).toBe(3);
    const first = calls.nth(0);
    const head = await first.locator('summary').first().innerText();
    for (const part of ['model call', 'step 1', 'anthropic-messages /v1/messages', 'status 200', '612 ms', '1520 in / 41 out tokens', 'streamed']) expect(head).toContain(part);
    expect(await first.locator('.prose').innerText()).toContain(REPLY_WORD);
    expect(await first.locator('details.tool-call').innerText()).toContain('python3 -m pytest -q');
    const json = first.locator('details.call-json');
    expect(await json.count()).toBe(2);
    expect(await json.evaluateAll((ds) => ds.map((d) => (d as HTMLDetailsElement).open))).toEqual([false, false]);
    await first.locator('details.call-request > summary').click();
    expect(await first.locator('details.call-request pre').first().innerText()).toContain('"metadata"');
    const failed = calls.nth(2);
    expect(await failed.getAttribute('class')).toContain('error');
    expect(await failed.locator('summary').first().innerText()).toContain('status 429');
    expect(await failed.locator('p.warn').innerText()).toContain("the episode's limit of 2 model calls is reached");
    // The agent's own log is one of the episode's files.
    const log = page.locator('#files a', { hasText: 'agent-log.jsonl' });
    expect(await log.count()).toBe(1);
    const served = await page.request.get(new URL((await log.getAttribute('href')) ?? '', page.url()).toString());
    expect(await served.text()).toBe(AGENT_LOG);
    // The other episodes of the task name their agent; comparing two shows the agents differ.
    expect(await page.locator('table.same-task thead').innerText()).toContain('agent');
    expect(await page.locator('table.same-task tbody tr', { hasText: BUILTIN_EPISODE }).innerText()).toContain('builtin');
    await page.screenshot({ path: join(SHOTS, 'agents-episode.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the compare page shows the two episodes\' agents', { timeout: T }, async () => {
    const { page, errors } = await open(`compare/?a=${encodeURIComponent(`${RUN}/${AGENT_EPISODE}`)}&b=${encodeURIComponent(`${RUN}/${BUILTIN_EPISODE}`)}`);
    const agentLine = page.locator('#compare-facts tr', { has: page.locator('th', { hasText: /^agent$/ }) });
    await agentLine.waitFor();
    expect(await agentLine.getAttribute('class')).toBe('differs');
    expect(await agentLine.locator('td').allInnerTexts()).toEqual(['claude-code', 'builtin']);
    expect(errors).toEqual([]);
    await page.close();
  });
});
