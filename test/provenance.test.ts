import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { harnessProvenance } from '../src/runs/provenance.js';
import { projectRoot } from '../src/util/paths.js';

describe('harnessProvenance', () => {
  it('names HEAD, with +dirty exactly when git status shows a change in the folders that decide a run', async () => {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8' });
    const head = git('rev-parse', 'HEAD').trim();
    const changes = git('status', '--porcelain', '-u', '--', 'src', 'tasks', 'sandboxes', 'conditions', 'docker').trim();
    const { commit, version } = await harnessProvenance();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(commit).toBe(changes === '' ? head : `${head}+dirty`);
  });
});
