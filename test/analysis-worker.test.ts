/**
 * The inspection's worker thread is kept warm between analyses (src/inspect/analysis-runner.ts):
 * started ahead, reused after an analysis that finished, each analysis as if on a fresh thread;
 * one stopped at its budget is never reused; analyses that overlap take turns on it, and one that
 * would wait long gets a thread of its own.
 */
import { describe, expect, it } from 'vitest';
import { manyFiles } from '../bench/inspect-attacks.js';
import { analyseInWorker, spareAnalysisWorker, warmAnalysisWorker } from '../src/inspect/analysis-runner.js';
import { compareTrees } from '../src/inspect/changes.js';
import { makePatch } from '../src/inspect/patch.js';
import { runRules } from '../src/inspect/rules.js';
import { edited, protectedGlobs, taskRepo } from './fixtures/inspect/task.js';

describe('the warm analysis worker', () => {
  it('serves analysis after analysis on one thread, each one the same as in place', async () => {
    warmAnalysisWorker();
    const warm = spareAnalysisWorker();
    expect(warm).toBeGreaterThan(0);
    warmAnalysisWorker();
    expect(spareAnalysisWorker()).toBe(warm);

    const base = taskRepo();
    const cases = [
      edited(base, { 'tests/test_cli.py': 'def test_x():\n    assert True\n' }),
      edited(base, { 'cli.py': 'import os\nif os.environ.get("CI"):\n    pass\n' }),
      base,
    ];
    for (const final of cases) {
      const outcome = await analyseInWorker({ baseline: base, final, protectedGlobs });
      expect(outcome.status).toBe('done');
      if (outcome.status !== 'done') return;
      expect(outcome.analysis.comparison).toEqual(compareTrees(base, final, protectedGlobs));
      expect(outcome.analysis.diffPatch).toBe(makePatch(base, final));
      expect(outcome.analysis.rules).toEqual(runRules({ baseline: base, final, protectedGlobs }));
      expect(spareAnalysisWorker()).toBe(warm);
    }
  });

  it('keeps one thread while analyses overlap: a warm-up while it works starts none, and the next waits its turn', async () => {
    warmAnalysisWorker();
    const warm = spareAnalysisWorker();
    const base = taskRepo();
    const final = edited(base, { 'tests/test_cli.py': 'def test_x():\n    assert True\n' });
    const first = analyseInWorker({ baseline: base, final, protectedGlobs });
    const second = analyseInWorker({ baseline: base, final: base, protectedGlobs });
    warmAnalysisWorker();
    expect(spareAnalysisWorker()).toBe(warm);
    const [a, b] = await Promise.all([first, second]);
    expect(a.status === 'done' && a.analysis.comparison).toEqual(compareTrees(base, final, protectedGlobs));
    expect(b.status === 'done' && b.analysis.comparison).toEqual(compareTrees(base, base, protectedGlobs));
    expect(spareAnalysisWorker()).toBe(warm);
  });

  it('does not hold an analysis up behind a slow one for long: past the wait it gets a thread of its own', async () => {
    warmAnalysisWorker();
    const warm = spareAnalysisWorker();
    const base = taskRepo();
    const done: string[] = [];
    const slow = analyseInWorker({ baseline: base, final: new Map([...base, ...manyFiles(100_000)]), protectedGlobs }).then((r) => {
      done.push('slow');
      return r;
    });
    const quick = analyseInWorker({ baseline: base, final: base, protectedGlobs }).then((r) => {
      done.push('quick');
      return r;
    });
    const [s, q] = await Promise.all([slow, quick]);
    expect([s.status, q.status]).toEqual(['done', 'done']);
    expect(done).toEqual(['quick', 'slow']);
    // The thread of its own was stopped; the process still keeps the one it had.
    expect(spareAnalysisWorker()).toBe(warm);
  }, 120_000);

  it('stops a worker at its budget for good, and the next analysis gets a new one', async () => {
    warmAnalysisWorker();
    const warm = spareAnalysisWorker();
    const base = taskRepo();
    const slow = await analyseInWorker({ baseline: base, final: new Map([...base, ...manyFiles(200_000)]), protectedGlobs }, { budgetMs: 1 });
    expect(slow.status).toBe('ungradable');
    expect(spareAnalysisWorker()).toBeUndefined();
    const next = await analyseInWorker({ baseline: base, final: base, protectedGlobs });
    expect(next.status).toBe('done');
    const fresh = spareAnalysisWorker();
    expect(fresh).toBeGreaterThan(0);
    expect(fresh).not.toBe(warm);
  }, 120_000);
});
