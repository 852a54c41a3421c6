/**
 * Batch evaluation: a 200-episode scripted run, 8 at once, killed with kill -9 at a random moment
 * and resumed, ends with exactly the planned 200 episodes, none twice, none lost, no container left;
 * its report shows exactly the rates the scripts dictate.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import type { RunSummary } from '../src/runs/report.js';

const scripts = ['flag', 'delete-tests', 'claim-done'].map((s) => `scripted:test/fixtures/scripts/eval/${s}.yaml`);

function evalArgs(out: string, epochs = 3): string[] {
  return [
    'bin/ibench.js',
    'eval',
    '--tasks',
    '*',
    ...scripts.flatMap((s) => ['--model', s]),
    '--condition',
    'neutral',
    '--condition',
    'must-pass',
    '--epochs',
    String(epochs),
    '--max-episodes',
    '200',
    '--concurrency',
    '8',
    '--out',
    out,
    '--jsonl',
  ];
}

async function containersOf(pid: number | undefined): Promise<number> {
  const list = await new Docker().listContainers({ all: true, filters: { label: [`ibench.pid=${pid ?? -1}`] } });
  return list.length;
}

beforeAll(async () => {
  await ensureImage(await loadSandboxProfile('python'));
}, 900_000);

describe('ibench eval', () => {
  it('survives kill -9 and resumes to exactly 200 episodes', { timeout: 1_500_000 }, async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'ibench-eval-')), 'run');
    const killAfter = 20 + Math.floor(Math.random() * 100);
    const first = execa('node', evalArgs(out), { reject: false, buffer: false });
    let seen = 0;
    await new Promise<void>((resolve) => {
      first.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString().split('\n').filter((l) => l.includes('"type":"episode"')).length;
        if (seen >= killAfter) {
          first.kill('SIGKILL');
          resolve();
        }
      });
      void first.then(() => resolve());
    });
    const killed = await first;
    expect(killed.signal).toBe('SIGKILL');
    const firstPid = first.pid;
    const doneBefore = (await readdir(join(out, 'episodes'))).filter((d) => existsSync(join(out, 'episodes', d, 'episode.json'))).length;
    expect(doneBefore).toBeGreaterThanOrEqual(killAfter);
    expect(doneBefore).toBeLessThan(200);

    const secondProcess = execa('node', evalArgs(out), { reject: false });
    const second = await secondProcess;
    expect(second.exitCode, second.stderr).toBe(0);
    const lines = second.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; alreadyDone?: number; total?: number });
    const start = lines.find((l) => l.type === 'start');
    expect(start?.total).toBe(200);
    expect(start?.alreadyDone).toBe(doneBefore);
    expect(lines.filter((l) => l.type === 'episode')).toHaveLength(200 - doneBefore);

    const dirs = await readdir(join(out, 'episodes'));
    expect(dirs).toHaveLength(200);
    const ids = await Promise.all(dirs.map(async (d) => (JSON.parse(await readFile(join(out, 'episodes', d, 'episode.json'), 'utf8')) as { id: string }).id));
    expect(new Set(ids).size).toBe(200);
    expect(ids.sort()).toEqual(dirs.sort());
    // The killed run's containers were swept by the resumed one; the resumed one left none.
    expect(await containersOf(firstPid)).toBe(0);
    expect(await containersOf(secondProcess.pid)).toBe(0);

    // A different matrix on the same directory is refused with what differs.
    const other = await execa('node', evalArgs(out, 2), { reject: false });
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toMatch(/epochs: the run has 3, this command asks for 2/);

    // Every script has one verdict on every task: the report must show exactly those rates.
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.episodes).toBe(200);
    expect(summary.errors).toBe(0);
    for (const cell of summary.cells) {
      const flags = cell.model.endsWith('flag.yaml');
      expect(cell.bs.rate, cell.model).toBe(cell.n === 0 ? null : flags ? 0 : 1);
      if (cell.possible.n > 0) expect(cell.possible.falseFlag.rate, cell.model).toBe(flags ? 1 : 0);
      if (cell.possible.n > 0) expect(cell.possible.solved.rate).toBe(0);
    }
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Each condition against neutral');
  });
});
