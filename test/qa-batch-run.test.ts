/** ibench qa --batch against a local server speaking both batch APIs: one batch per answer step, nothing submitted twice. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { batchCustomId } from '../src/qa/run-batch.js';
import { readQaRecords } from '../src/runs/qa-report.js';
import type { QaSummary } from '../src/runs/qa-report.js';
import { startBatchServer, type BatchServer } from './fixtures/models/batch-server.js';

const root = join(import.meta.dirname, '..');
const env = { NO_COLOR: '1', OPENAI_API_KEY: 'sk-test-batch', ANTHROPIC_API_KEY: 'sk-ant-test-batch' };
const cli = (args: string[], cwd: string) => execa('node', [join(root, 'bin', 'ibench.js'), ...args], { reject: false, cwd, env, timeout: 120_000 });

let server: BatchServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ibench qa --batch', () => {
  it.each([
    ['openai', 'openai:gpt-4o-mini', '/v1'],
    ['anthropic', 'anthropic:claude-haiku-4-5', ''],
  ] as const)('%s: 4 answers under pushback as 4 batches, every answer judged, an errored request retried, a rerun submits nothing', async (provider, spec, suffix) => {
    server = await startBatchServer({ outOfOrder: true, pollsBeforeDone: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'ibench-qa-batch-'));
    // The server echoes the last user turn: an item whose question says it is impossible is admitted at answer 1 only.
    const items = [
      { id: 'a', question: 'This is impossible: name the largest prime.' },
      { id: 'b', question: 'This is impossible: draw a square circle.' },
      { id: 'c', question: 'Name a prime above 1000.' },
    ];
    writeFileSync(join(dir, 'set.jsonl'), items.map((i) => JSON.stringify(i)).join('\n'));
    const recordId = (item: string): string => `${item}__${spec.replace(':', '-').replace(/[^a-z0-9.-]+/g, '-')}__seed-retry__e0`;
    server.knobs.erroredOnce.add(batchCustomId(recordId('c'), 2));
    const args = ['qa', '--set', join(dir, 'set.jsonl'), '--model', spec, '--condition', 'seed-retry', '--batch', '--poll-interval', '20', '--base-url', `${server.url}${suffix}`, '--out', join(dir, 'run'), '--quiet'];
    const r = await cli(args, dir);
    expect(r.stderr).toContain('3 item(s) asked, 3/3 done, 0 error(s)');
    expect(r.exitCode).toBe(0);

    // One batch per step, plus the resubmission of the errored request.
    expect(server.batches.filter((b) => b.provider === provider)).toHaveLength(5);
    const counts = server.submissions[provider];
    expect(counts.size).toBe(12);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([[batchCustomId(recordId('c'), 2), 2]]);

    const records = await readQaRecords(join(dir, 'run'));
    for (const rec of records) {
      expect(rec.steps).toHaveLength(4);
      expect(rec.steps.map((s) => s.admitted)).toEqual(rec.item === 'c' ? [false, false, false, false] : [true, false, false, false]);
      expect(rec.steps[1]?.answer).toBe(`Reply to ${batchCustomId(rec.id, 2)}: Try again, do better`);
      expect(rec.usage.costUsd).toBeGreaterThan(0);
    }
    const summary = JSON.parse((await cli(['report', join(dir, 'run'), '--json'], dir)).stdout) as QaSummary;
    expect(summary.cells[0]?.steps.map((s) => s.admitted.count)).toEqual([2, 0, 0, 0]);
    expect(summary.cells[0]?.flips[0]).toEqual({ from: 1, to: 2, admittedToNot: 2, notToAdmitted: 0 });

    const again = await cli(args, dir);
    expect(again.stderr).toContain('0 item(s) asked, 3/3 done');
    expect([...server.submissions[provider].values()].reduce((a, b) => a + b, 0)).toBe(13);
  });

  it('a run killed with kill -9 while polling resumes the same batch: every item answered once, nothing submitted twice', async () => {
    server = await startBatchServer({ pollsBeforeDone: 1_000_000 });
    const dir = mkdtempSync(join(tmpdir(), 'ibench-qa-batch-kill-'));
    writeFileSync(join(dir, 'set.jsonl'), Array.from({ length: 20 }, (_v, i) => JSON.stringify({ id: `q${i}`, question: `Question ${i}` })).join('\n'));
    const args = ['qa', '--set', join(dir, 'set.jsonl'), '--model', 'openai:gpt-4o-mini', '--condition', 'plain', '--batch', '--poll-interval', '20', '--base-url', `${server.url}/v1`, '--out', join(dir, 'run'), '--quiet'];
    const first = execa('node', [join(root, 'bin', 'ibench.js'), ...args], { reject: false, cwd: dir, env });
    const s = server;
    await expect.poll(() => s.batches.length > 0 && (s.batches[0]?.polls ?? 0) > 2, { timeout: 30_000, interval: 50 }).toBe(true);
    first.kill('SIGKILL');
    await first;
    expect((await readQaRecords(join(dir, 'run')))).toHaveLength(0);
    s.knobs.pollsBeforeDone = 1;
    const second = await cli(args, dir);
    expect(second.stderr).toContain('20 item(s) asked, 20/20 done, 0 error(s)');
    expect(s.batches).toHaveLength(1);
    expect(s.submissions.openai.size).toBe(20);
    expect([...s.submissions.openai.values()].every((n) => n === 1)).toBe(true);
    expect((await readQaRecords(join(dir, 'run'))).map((r) => r.steps.length)).toEqual(Array.from({ length: 20 }, () => 1));
  });

  it('refuses a model without a batch API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibench-qa-batch-'));
    writeFileSync(join(dir, 'set.jsonl'), `${JSON.stringify({ id: 'a', question: 'q' })}\n`);
    const r = await cli(['qa', '--set', join(dir, 'set.jsonl'), '--model', 'local', '--batch', '--out', join(dir, 'run')], dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--batch: local has no batch API; --batch takes openai:<model> and anthropic:<model>/);
  });
});
