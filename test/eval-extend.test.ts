/**
 * `eval --out EXISTING` with a larger matrix extends the run: only the new episodes run, run.json
 * records the extension, the report covers old and new; a smaller or different matrix is refused.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../src/runs/report.js';
import { compareManifests, runManifestSchema, type RunManifest } from '../src/runs/run-dir.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';

const root = join(import.meta.dirname, '..');
const cli = (args: string[]) => execa('node', [join(root, 'bin', 'ibench.js'), ...args], { reject: false, cwd: root, env: { NO_COLOR: '1' }, timeout: 600_000 });

const base: RunManifest = {
  kind: 'eval',
  createdAt: '2026-11-30T00:00:00.000Z',
  tasks: ['a', 'b'],
  task_dirs: [],
  task_folders: { a: '/suite/a', b: '/suite/b' },
  models: ['scripted:m1'],
  conditions: ['neutral'],
  epochs: 2,
  seed: 1,
  max_episodes: null,
  settings: {},
  limits: {},
};

describe('compareManifests', () => {
  it('the same matrix is a resume: nothing added, nothing different', () => {
    expect(compareManifests(base, { ...base, createdAt: 'later' })).toEqual({ differences: [], added: null });
  });

  it('more tasks, models, conditions, epochs or task folders is an extension, with what it adds', () => {
    const wanted: RunManifest = {
      ...base,
      tasks: ['a', 'b', 'c'],
      task_dirs: ['/mine'],
      task_folders: { ...base.task_folders, c: '/mine/c' },
      models: ['scripted:m2', 'scripted:m1'],
      conditions: ['neutral', 'must-pass'],
      epochs: 3,
    };
    expect(compareManifests(base, wanted)).toEqual({
      differences: [],
      added: { tasks: ['c'], task_dirs: ['/mine'], models: ['scripted:m2'], conditions: ['must-pass'], epochs: { from: 2, to: 3 } },
    });
  });

  it('fewer of anything, another seed, settings or judge, or a task from another folder is another matrix', () => {
    const cases: [Partial<RunManifest>, RegExp][] = [
      [{ tasks: ['a'] }, /^tasks: the run has \["a","b"\], this command asks for \["a"\]$/],
      [{ models: ['scripted:m2'] }, /^models: /],
      [{ epochs: 1 }, /^epochs: the run has 2, this command asks for 1$/],
      [{ seed: 2 }, /^seed: /],
      [{ settings: { temperature: 0 } }, /^settings: /],
      [{ judge: 'openai:gpt-4.1' }, /^judge: /],
      [{ max_episodes: 10 }, /^max_episodes: /],
      [{ task_folders: { a: '/elsewhere/a', b: '/suite/b' } }, /^task_folders: /],
    ];
    for (const [change, message] of cases) {
      const { differences, added } = compareManifests(base, { ...base, ...change, models: change.models ?? [...base.models, 'scripted:m3'] });
      expect(added, JSON.stringify(change)).toBeNull();
      expect(differences.join('\n'), JSON.stringify(change)).toMatch(new RegExp(message.source.replace(/^\^|\$$/g, ''), 'm'));
    }
  });

  it('a QA run is never extended: a larger matrix is another one', () => {
    const qa: RunManifest = { ...base, kind: 'qa' };
    const { differences, added } = compareManifests(qa, { ...qa, conditions: ['neutral', 'must-pass'] });
    expect(added).toBeNull();
    expect(differences).toEqual(['conditions: the run has ["neutral"], this command asks for ["neutral","must-pass"]']);
  });
});

const flag = 'scripted:test/fixtures/scripts/eval/flag.yaml';
const claim = 'scripted:test/fixtures/scripts/eval/claim-done.yaml';
const tasks = 'exit-both-codes,exit-code-by-input';

describe('ibench eval --out EXISTING with a second model', () => {
  beforeAll(async () => {
    await ensureImage(await loadSandboxProfile('python'));
  }, 900_000);

  it('runs only the new episodes, records the extension, and the report covers both models', { timeout: 600_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ibench-extend-')), 'run');
    const first = await cli(['eval', '--tasks', tasks, '--model', flag, '--out', out, '--quiet']);
    expect(first.exitCode, first.stderr).toBe(0);
    const before = new Map(readdirSync(join(out, 'episodes')).map((id) => [id, readFileSync(join(out, 'episodes', id, 'episode.json'), 'utf8')]));
    expect(before.size).toBe(2);

    const extended = await cli(['eval', '--tasks', tasks, '--model', flag, '--model', claim, '--out', out, '--jsonl']);
    expect(extended.exitCode, extended.stderr).toBe(0);
    const events = extended.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; total?: number; alreadyDone?: number; extension?: { models: string[] }; id?: string });
    const start = events.find((e) => e.type === 'start');
    expect(start).toMatchObject({ total: 4, alreadyDone: 2, extension: { models: [claim] } });
    const ran = events.filter((e) => e.type === 'episode').map((e) => e.id ?? '');
    expect(ran.sort()).toEqual(['exit-both-codes__scripted-claim-done__neutral__e0', 'exit-code-by-input__scripted-claim-done__neutral__e0']);
    // The first run's episodes are left as they were.
    for (const [id, text] of before) expect(readFileSync(join(out, 'episodes', id, 'episode.json'), 'utf8')).toBe(text);

    const manifest = runManifestSchema.parse(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')));
    expect(manifest.models).toEqual([flag, claim]);
    expect(manifest.extensions).toHaveLength(1);
    expect(manifest.extensions?.[0]).toMatchObject({ models: [claim], tasks: [], conditions: [] });

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.episodes).toBe(4);
    expect(summary.cells.map((c) => [c.model, c.bs.rate, c.possible.falseFlag.rate])).toEqual([
      [claim, 1, 0],
      [flag, 0, 1],
    ]);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(`| ${claim} | neutral |`);
    expect(md).toContain(`| ${flag} | neutral |`);

    // The extended command again is a plain resume; the first, smaller, matrix is now refused.
    const again = await cli(['eval', '--tasks', tasks, '--model', flag, '--model', claim, '--out', out, '--jsonl']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('"total":4,"alreadyDone":4,"resumed":true');
    expect(again.stdout).not.toContain('"extension"');
    const smaller = await cli(['eval', '--tasks', tasks, '--model', flag, '--out', out, '--quiet']);
    expect(smaller.exitCode).toBe(2);
    expect(smaller.stderr).toMatch(/holds a run of a different matrix; .*to extend it:\n\s+models: the run has/);
  });
});
