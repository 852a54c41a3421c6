/** One meaning per flag name across commands; old spellings kept as aliases; `run --out` like `eval --out`. */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = (args: string[]) => execa('node', ['bin/ibench.js', ...args], { reject: false, env: { NO_COLOR: '1' }, timeout: 120_000 });

describe('flag names', () => {
  it('--sampling-seed and --shuffle-seed, with --seed as the old spelling of each', async () => {
    for (const command of ['eval', 'qa']) {
      const help = (await cli([command, '--help'])).stdout;
      expect(help).toContain('--shuffle-seed <n>');
      expect(help).toContain('--sampling-seed <n>');
      expect(help).toMatch(/--seed <n> +old spelling of --shuffle-seed/);
    }
    expect((await cli(['run', '--help'])).stdout).toMatch(/--seed <n> +old spelling of --sampling-seed/);
    const both = await cli(['run', '--seed', '1', '--sampling-seed', '2']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr.trim()).toBe('error --seed is the old spelling of --sampling-seed: give one of them (got --sampling-seed 2 and --seed 1)');
    const shuffle = await cli(['eval', '--tasks', 'exit-both-codes', '--model', 'local', '--seed', '3', '--shuffle-seed', '4', '--out', join(tmpdir(), 'never')]);
    expect(shuffle.exitCode).toBe(2);
    expect(shuffle.stderr).toContain('--seed is the old spelling of --shuffle-seed');
  });

  it('run --out: a fresh run directory that report reads; a non-empty one is refused', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ibench-run-out-'));
    const taken = join(work, 'taken');
    const first = await cli(['run', '--out', taken, '--model', `scripted:${resolve('test/fixtures/scripts/flag.yaml')}`, '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ verdict: 'flagged' });
    expect(JSON.parse(readFileSync(join(taken, 'run.json'), 'utf8'))).toMatchObject({ kind: 'single', tasks: ['exit-both-codes'] });
    const report = await cli(['report', taken]);
    expect(report.exitCode, report.stderr).toBe(0);
    expect(report.stdout).toContain('| scripted:');

    const again = await cli(['run', '--out', taken]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr.trim()).toBe(`error --out ${taken}: is not empty; give a new folder (\`ibench eval --out\` resumes and extends runs)`);
    writeFileSync(join(work, 'file'), '');
    const both = await cli(['run', '--out', join(work, 'x'), '--runs-dir', work]);
    expect(both.stderr.trim()).toBe('error give --out (the run directory) or --runs-dir (where a fresh one is made), not both');
  });
});
