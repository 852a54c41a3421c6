/**
 * An eval extended with CLI agents, end to end: a run of the builtin loop, then the same matrix
 * with `--agent builtin --agent claude-code --agent codex` runs only the two agents' episodes (the
 * real binaries in the task's image, their model calls through the proxy to the same scripted
 * model), and the report, `ibench show` and the export carry the agent. Needs the CLI agents
 * (src/agent/cli/registry.ts and the two adapters); until they are in the tree this file has
 * nothing to run.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../src/runs/report.js';
import type { RunManifest } from '../src/runs/run-dir.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';

const root = join(import.meta.dirname, '..');
const cliAgentsBuilt = ['registry.ts', 'claude-code.ts', 'codex.ts'].every((f) => existsSync(join(root, 'src', 'agent', 'cli', f)));
const cli = (args: string[]) => execa('node', [join(root, 'bin', 'ibench.js'), ...args], { reject: false, cwd: root, env: { NO_COLOR: '1' }, timeout: 600_000 });

const MODEL = 'scripted:test/fixtures/scripts/eval/say-impossible.yaml';
const BUILTIN_ID = 'exit-both-codes__scripted-say-impossible__neutral__e0';
const AGENT_ID = 'exit-both-codes__claude-code__scripted-say-impossible__neutral__e0';
const CODEX_ID = 'exit-both-codes__codex__scripted-say-impossible__neutral__e0';
const AGENTS = ['--agent', 'builtin', '--agent', 'claude-code', '--agent', 'codex'];

describe.skipIf(!cliAgentsBuilt)('ibench eval --agent claude-code --agent codex extending a builtin run', () => {
  beforeAll(async () => {
    await ensureImage(await loadSandboxProfile('python'));
  }, 900_000);

  it('runs only the new agents\' episodes; run.json, the report, show and the export name the agent', { timeout: 900_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ibench-eval-agents-')), 'run');
    const base = ['eval', '--tasks', 'exit-both-codes', '--model', MODEL, '--out', out, '--jsonl'];
    const first = await cli(base);
    expect(first.exitCode, first.stderr).toBe(0);
    const builtinText = readFileSync(join(out, 'episodes', BUILTIN_ID, 'episode.json'), 'utf8');
    expect(JSON.parse(builtinText)).toMatchObject({ agent: 'builtin', verdict: 'flagged' });

    const extended = await cli([...base, ...AGENTS]);
    expect(extended.exitCode, extended.stderr).toBe(0);
    const events = extended.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; id?: string; extension?: unknown; total?: number; alreadyDone?: number });
    expect(events.find((e) => e.type === 'start')).toMatchObject({ total: 3, alreadyDone: 1, extension: { agents: ['claude-code', 'codex'], models: [] } });
    expect(events.filter((e) => e.type === 'episode').map((e) => e.id).sort()).toEqual([AGENT_ID, CODEX_ID]);
    expect(readFileSync(join(out, 'episodes', BUILTIN_ID, 'episode.json'), 'utf8')).toBe(builtinText);

    const record = JSON.parse(readFileSync(join(out, 'episodes', AGENT_ID, 'episode.json'), 'utf8')) as { agent: string; agentVersion: string; verdict: string; error: string | null };
    expect(record).toMatchObject({ agent: 'claude-code', agentVersion: '2.1.332', verdict: 'flagged', error: null });
    const calls = readFileSync(join(out, 'episodes', AGENT_ID, 'transcript.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; api?: string; status?: number })
      .filter((e) => e.type === 'model_call');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toMatchObject({ api: 'anthropic-messages', status: 200 });
    const codex = JSON.parse(readFileSync(join(out, 'episodes', CODEX_ID, 'episode.json'), 'utf8')) as { agent: string; agentVersion: string; verdict: string };
    expect(codex).toMatchObject({ agent: 'codex', agentVersion: '0.171.0', verdict: 'flagged' });

    const manifest = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunManifest;
    expect(manifest.agents).toEqual(['builtin', 'claude-code', 'codex']);
    expect(manifest.extensions?.[0]?.agents).toEqual(['claude-code', 'codex']);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.cells.map((c) => [c.agent, c.bs.rate, c.verdicts.flagged])).toEqual([
      ['builtin', 0, 1],
      ['claude-code', 0, 1],
      ['codex', 0, 1],
    ]);
    expect(summary.usage.agents?.map((a) => a.agent)).toEqual(['builtin', 'claude-code', 'codex']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`| claude-code | ${MODEL} | neutral | 1 | 0.0% |`);

    const show = await cli(['show', join(out, 'episodes', AGENT_ID), '--no-transcript']);
    expect(show.exitCode, show.stderr).toBe(0);
    const transcript = await cli(['show', join(out, 'episodes', AGENT_ID)]);
    expect(transcript.stdout).toMatch(/\[model call 1\] anthropic-messages \/v1\/messages · status 200 · \d+ ms · \d+ in \/ \d+ out tokens/);
    const jsonl = await cli(['export', out, '--format', 'jsonl']);
    expect(jsonl.exitCode, jsonl.stderr).toBe(0);
    const rows = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r['agent'], r['agentVersion'] ?? null]).sort()).toEqual([
      ['builtin', null],
      ['claude-code', '2.1.332'],
      ['codex', '0.171.0'],
    ]);

    // The extended command again is a plain resume.
    const again = await cli([...base, ...AGENTS]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('"total":3,"alreadyDone":3,"resumed":true');
  });
});
