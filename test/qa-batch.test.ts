import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { batchCostOf, costOf } from '../src/models/prices.js';
import { anthropicBatchParams } from '../src/qa/batch/anthropic.js';
import { createBatchRunner, type BatchResult, type BatchRunOptions } from '../src/qa/batch/index.js';
import { openAIBatchBody } from '../src/qa/batch/openai.js';
import { batchGroups } from '../src/qa/batch/runner.js';
import { BATCHES_DIR, batchFileName } from '../src/qa/batch/state.js';
import type { BatchRequest } from '../src/qa/batch/types.js';
import { servedReply, servedUsage, startBatchServer, type BatchProvider, type BatchServer } from './fixtures/models/batch-server.js';
import { BATCH_TEST_SYSTEM, lastUserMessage, questionRequests } from './fixtures/qa-batch/requests.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD = join(ROOT, 'test/fixtures/qa-batch/run-batch.ts');
const VITE_NODE = join(ROOT, 'node_modules/.bin/vite-node');
const ENV = { OPENAI_API_KEY: 'sk-test-batch', ANTHROPIC_API_KEY: 'sk-ant-test-batch' };
const emptyDir = mkdtempSync(join(tmpdir(), 'ibench-batch-env-'));

const PROVIDERS: { provider: BatchProvider; model: string; spec: string }[] = [
  { provider: 'openai', model: 'gpt-4o-mini', spec: 'openai:gpt-4o-mini' },
  { provider: 'anthropic', model: 'claude-haiku-4-5', spec: 'anthropic:claude-haiku-4-5' },
];

let server: BatchServer | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  await server?.close();
  server = undefined;
});

function baseUrlFor(s: BatchServer, provider: BatchProvider): string {
  // The OpenAI SDK's base URL includes /v1; Anthropic's does not.
  return provider === 'openai' ? `${s.url}/v1` : s.url;
}

function runnerFor(s: BatchServer, spec: string, provider: BatchProvider): ReturnType<typeof createBatchRunner> {
  return createBatchRunner(spec, { baseUrl: baseUrlFor(s, provider), env: ENV, cwd: emptyDir, maxRetries: 0 });
}

function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'ibench-batch-state-'));
}

type BatchEvent = Parameters<NonNullable<BatchRunOptions['onEvent']>>[0];

/** Every request answered, with the server's reply, its usage and the batch price. */
function expectAllAnswered(results: Map<string, BatchResult>, requests: BatchRequest[], provider: BatchProvider, model: string): void {
  expect(results.size).toBe(requests.length);
  for (const r of requests) {
    // The server counts the messages on the wire: OpenAI's carry the system prompt as one.
    const usage = servedUsage(r.messages.length + (provider === 'openai' && r.system !== null ? 1 : 0));
    const cost = batchCostOf(model, usage);
    // Half the list price.
    expect(cost).toBeCloseTo((costOf(model, usage) ?? Number.NaN) / 2, 15);
    expect(results.get(r.customId), r.customId).toEqual({
      customId: r.customId,
      status: 'succeeded',
      text: servedReply(r.customId, lastUserMessage(r)),
      usage,
      costUsd: cost,
    });
  }
}

/** Each custom id submitted once, except `twice`, submitted twice (a failure and its retry). */
function expectSubmissions(s: BatchServer, provider: BatchProvider, requests: BatchRequest[], twice: string[]): void {
  const counts = s.submissions[provider];
  expect(counts.size).toBe(requests.length);
  const wrong = requests.filter((r) => counts.get(r.customId) !== (twice.includes(r.customId) ? 2 : 1)).map((r) => `${r.customId}: ${counts.get(r.customId) ?? 0}`);
  expect(wrong).toEqual([]);
}

describe('batch groups', () => {
  const requests = questionRequests(7);
  const ids = (groups: BatchRequest[][]): string[][] => groups.map((g) => g.map((r) => r.customId));

  it('splits by count and by bytes, keeping the order', () => {
    expect(ids(batchGroups(requests, () => 10, 3, 1000))).toEqual([['q-000', 'q-001', 'q-002'], ['q-003', 'q-004', 'q-005'], ['q-006']]);
    expect(ids(batchGroups(requests, () => 10, 100, 25))).toEqual([['q-000', 'q-001'], ['q-002', 'q-003'], ['q-004', 'q-005'], ['q-006']]);
    expect(ids(batchGroups(requests, (r) => (r.customId === 'q-001' ? 30 : 10), 100, 30))).toEqual([['q-000'], ['q-001'], ['q-002', 'q-003', 'q-004'], ['q-005', 'q-006']]);
    expect(batchGroups([], () => 1, 1, 1)).toEqual([]);
  });

  it('names a request too large for any batch', () => {
    expect(() => batchGroups(requests, (r) => (r.customId === 'q-004' ? 31 : 10), 100, 30)).toThrow('batch request "q-004" takes 31 bytes, more than a batch may hold (30)');
  });
});

describe('request bodies', () => {
  it('OpenAI: a system message first; a reasoning model gets max_completion_tokens and no temperature', () => {
    const request: BatchRequest = { customId: 'a', system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 100, temperature: 0.5 };
    expect(openAIBatchBody('gpt-4o-mini', request)).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 100,
      temperature: 0.5,
    });
    expect(openAIBatchBody('o4-mini', request)).toEqual({
      model: 'o4-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_completion_tokens: 100,
    });
    expect(openAIBatchBody('gpt-4o', { customId: 'b', system: null, messages: [{ role: 'user', content: 'Hi' }] })).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
    });
  });

  it('Anthropic: the system prompt as the top-level system parameter, never as a message', () => {
    const params = anthropicBatchParams('claude-sonnet-4-5', {
      customId: 'a',
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Try again, do better' },
      ],
    });
    expect(params).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 8192,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Try again, do better' }] },
      ],
    });
  });
});

describe.each(PROVIDERS)('$spec batches against a local server', ({ provider, model, spec }) => {
  it('runs 200 requests: results out of order, one errored and one expired line retried to success; a rerun neither submits, polls nor downloads', async () => {
    const s = await startBatchServer({ pollsBeforeDone: 2, outOfOrder: true, erroredOnce: new Set(['q-017']), expiredOnce: new Set(['q-123']) });
    server = s;
    const requests = questionRequests(200);
    const dir = stateDir();
    const events: BatchEvent[] = [];
    const results = await runnerFor(s, spec, provider).run(requests, { stateDir: dir, pollIntervalMs: 5, onEvent: (e) => events.push(e) });

    expectAllAnswered(results, requests, provider, model);
    expect([...results.keys()]).toEqual(requests.map((r) => r.customId));
    expectSubmissions(s, provider, requests, ['q-017', 'q-123']);
    // The first batch of 200, then one batch with the two failures.
    expect(s.batches.map((b) => b.customIds.length)).toEqual([200, 2]);
    expect(s.batches[1]?.customIds.sort()).toEqual(['q-017', 'q-123']);
    expect(events.filter((e) => e.type === 'submitted').map((e) => e.detail)).toEqual(['200 request(s)', '2 request(s)']);
    const retrying = events.filter((e) => e.type === 'retrying').map((e) => e.detail);
    expect(retrying).toHaveLength(2);
    expect(retrying.join('\n')).toMatch(/q-017: errored/);
    expect(retrying.join('\n')).toMatch(/q-123: expired/);
    expect(events.filter((e) => e.type === 'polled').length).toBeGreaterThanOrEqual(6);

    // The wire: a system prompt where each API wants it.
    const first = s.submittedBodies[provider].get('q-000') as Record<string, unknown>;
    const third = s.submittedBodies[provider].get('q-002') as Record<string, unknown>;
    if (provider === 'openai') {
      expect(first).toMatchObject({ model, max_tokens: 256, temperature: 0, messages: [{ role: 'system', content: BATCH_TEST_SYSTEM }, { role: 'user' }] });
      expect(third.messages).toHaveLength(3);
    } else {
      expect(first).toMatchObject({ model, max_tokens: 256, temperature: 0, system: BATCH_TEST_SYSTEM });
      expect((first.messages as unknown[]).length).toBe(1);
      expect(third.system).toBeUndefined();
      expect(third.messages).toHaveLength(3);
    }

    const before = { ...s.counts };
    const again = await runnerFor(s, spec, provider).run(requests, { stateDir: dir, pollIntervalMs: 5 });
    expect(s.counts).toEqual(before);
    expect([...again.values()]).toEqual([...results.values()]);
  });

  it('gives up after the retries: an errored request stays errored, an expired one expired', async () => {
    const s = await startBatchServer({ pollsBeforeDone: 0, erroredOnce: new Set(['q-001']), expiredOnce: new Set(['q-003']) });
    server = s;
    const requests = questionRequests(5);
    const results = await runnerFor(s, spec, provider).run(requests, { stateDir: stateDir(), pollIntervalMs: 1, retries: 0 });
    expect(results.get('q-001')).toMatchObject({ status: 'errored', error: expect.stringMatching(provider === 'openai' ? /^HTTP 500: The server had an error/ : /^api_error: Internal server error/) });
    expect(results.get('q-003')).toMatchObject({ status: 'expired' });
    expect(results.get('q-003')?.text).toBeUndefined();
    for (const id of ['q-000', 'q-002', 'q-004']) expect(results.get(id)?.status).toBe('succeeded');
    expect(s.batches).toHaveLength(1);
  });

  it('resumes after kill -9 while polling: every request answered once, nothing submitted twice', async () => {
    const s = await startBatchServer({ pollsBeforeDone: 1_000_000, outOfOrder: true, erroredOnce: new Set(['q-042']), expiredOnce: new Set(['q-199']) });
    server = s;
    const dir = stateDir();
    const proc = spawn(VITE_NODE, [CHILD, '--', spec, baseUrlFor(s, provider), dir, '200', '20'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
    const deadline = Date.now() + 30_000;
    while (s.counts.polls < 3) {
      if (proc.exitCode !== null) throw new Error(`the child exited early (${proc.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`the child never polled: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(s.batches).toHaveLength(1);
    // The batch id was on disk before the first poll.
    const batchId = s.batches[0]?.id ?? '';
    expect(readdirSync(join(dir, BATCHES_DIR))).toEqual([batchFileName(batchId)]);
    const entry = JSON.parse(readFileSync(join(dir, BATCHES_DIR, batchFileName(batchId)), 'utf8')) as { batchId: string; modelSpec: string; requests: Record<string, string> };
    expect(entry).toMatchObject({ batchId, modelSpec: spec });
    expect(Object.keys(entry.requests)).toHaveLength(200);
    expect(readdirSync(dir)).toEqual([BATCHES_DIR]);

    // The provider finishes the batch; the same requests run again, in this process.
    s.knobs.pollsBeforeDone = 0;
    const requests = questionRequests(200);
    const results = await runnerFor(s, spec, provider).run(requests, { stateDir: dir, pollIntervalMs: 5 });
    expectAllAnswered(results, requests, provider, model);
    expectSubmissions(s, provider, requests, ['q-042', 'q-199']);
    expect(s.batches.map((b) => b.customIds.length)).toEqual([200, 2]);
  });

  it('refuses a custom id reused for another request, and a state directory of another model', async () => {
    const s = await startBatchServer({ pollsBeforeDone: 0 });
    server = s;
    const dir = stateDir();
    const requests = questionRequests(3);
    await runnerFor(s, spec, provider).run(requests, { stateDir: dir, pollIntervalMs: 1 });
    const changed = requests.map((r, i) => (i === 1 ? { ...r, messages: [{ role: 'user' as const, content: 'Something else' }] } : r));
    await expect(runnerFor(s, spec, provider).run(changed, { stateDir: dir, pollIntervalMs: 1 })).rejects.toThrow(
      /batch request "q-001" differs from the one submitted in batch \S+ .*a custom id names one request/,
    );
    const other = provider === 'openai' ? 'openai:gpt-4.1' : 'anthropic:claude-sonnet-4-5';
    await expect(runnerFor(s, other, provider).run(requests, { stateDir: dir, pollIntervalMs: 1 })).rejects.toThrow(
      new RegExp(`\\.json: modelSpec: holds a batch of ${spec}, not ${other}: use one state directory per model`),
    );
    await expect(runnerFor(s, spec, provider).run([requests[0] as BatchRequest, requests[0] as BatchRequest], { stateDir: stateDir(), pollIntervalMs: 1 })).rejects.toThrow(
      /"q-000" appears twice/,
    );
    expect(s.batches).toHaveLength(1);
  });
});

describe('OpenAI batch failures', () => {
  it('a batch that fails validation leaves its requests errored with the batch errors, and they are resubmitted', async () => {
    const s = await startBatchServer({ pollsBeforeDone: 0, failNextOpenAIBatches: 1 });
    server = s;
    const requests = questionRequests(4);
    const events: BatchEvent[] = [];
    const results = await runnerFor(s, 'openai:gpt-4o-mini', 'openai').run(requests, { stateDir: stateDir(), pollIntervalMs: 1, onEvent: (e) => events.push(e) });
    expectAllAnswered(results, requests, 'openai', 'gpt-4o-mini');
    expectSubmissions(s, 'openai', requests, requests.map((r) => r.customId));
    expect(events.filter((e) => e.type === 'retrying').map((e) => e.detail)).toContain(
      'q-000: errored (the batch failed: The batch input file could not be validated.); attempt 2 of 3',
    );
  });
});

describe('a shared state directory', () => {
  it('two runs at once (two conditions of one model) keep both their batches; a rerun of each submits nothing', async () => {
    const s = await startBatchServer({ pollsBeforeDone: 3 });
    server = s;
    const dir = stateDir();
    const all = questionRequests(40);
    const [a, b] = [all.slice(0, 20), all.slice(20)];
    const runner = (): ReturnType<typeof createBatchRunner> => runnerFor(s, 'anthropic:claude-haiku-4-5', 'anthropic');
    const [ra, rb] = await Promise.all([runner().run(a, { stateDir: dir, pollIntervalMs: 2 }), runner().run(b, { stateDir: dir, pollIntervalMs: 2 })]);
    expect(readdirSync(join(dir, BATCHES_DIR))).toHaveLength(2);
    const creates = s.counts.creates;
    const again = await runner().run(all, { stateDir: dir, pollIntervalMs: 2 });
    expect(s.counts.creates).toBe(creates);
    expect([...again.values()]).toEqual([...ra.values(), ...rb.values()]);
    expectSubmissions(s, 'anthropic', all, []);
  });
});

describe('abort', () => {
  it('an aborted run stops polling and leaves a state the next run resumes from', async () => {
    const s = await startBatchServer({ pollsBeforeDone: 1_000_000 });
    server = s;
    const dir = stateDir();
    const requests = questionRequests(10);
    const controller = new AbortController();
    const running = runnerFor(s, 'openai:gpt-4o-mini', 'openai').run(requests, {
      stateDir: dir,
      pollIntervalMs: 5,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'polled') controller.abort(new Error('stopped by the test'));
      },
    });
    await expect(running).rejects.toThrow('stopped by the test');
    s.knobs.pollsBeforeDone = 0;
    const results = await runnerFor(s, 'openai:gpt-4o-mini', 'openai').run(requests, { stateDir: dir, pollIntervalMs: 5 });
    expectAllAnswered(results, requests, 'openai', 'gpt-4o-mini');
    expectSubmissions(s, 'openai', requests, []);
  });
});

describe('errors', () => {
  it('Anthropic refuses a custom id its API would reject, before submitting anything', async () => {
    const s = await startBatchServer();
    server = s;
    const bad: BatchRequest = { customId: 'gpqa/12', system: null, messages: [{ role: 'user', content: 'Hi' }] };
    await expect(runnerFor(s, 'anthropic:claude-haiku-4-5', 'anthropic').run([bad], { stateDir: stateDir() })).rejects.toThrow(
      /batch request "gpqa\/12": Anthropic takes custom ids of 1 to 64 letters, digits, "_" and "-"/,
    );
    expect(s.counts.creates).toBe(0);
  });

  it('a corrupt state file is named with its field', async () => {
    const dir = stateDir();
    mkdirSync(join(dir, BATCHES_DIR));
    writeFileSync(join(dir, BATCHES_DIR, 'batch_1.json'), JSON.stringify({ version: 1, modelSpec: 'openai:gpt-4o-mini', batchId: 7, submittedAt: new Date().toISOString(), requests: {} }));
    const runner = createBatchRunner('openai:gpt-4o-mini', { baseUrl: 'http://127.0.0.1:9/v1', env: ENV, cwd: emptyDir });
    await expect(runner.run(questionRequests(1), { stateDir: dir })).rejects.toThrow(/batches\/batch_1\.json: batchId: Expected string, received number/);
  });

  it('a missing key and a provider without a batch API are one-line errors', () => {
    expect(() => createBatchRunner('openai:gpt-4o-mini', { env: {}, cwd: emptyDir })).toThrow(/OPENAI_API_KEY is not set \(needed by --model openai:gpt-4o-mini\)/);
    expect(() => createBatchRunner('anthropic:claude-haiku-4-5', { env: {}, cwd: emptyDir })).toThrow(/ANTHROPIC_API_KEY is not set/);
    expect(() => createBatchRunner('local')).toThrow(/--batch: local has no batch API; --batch takes openai:<model> or anthropic:<model>/);
  });
});
