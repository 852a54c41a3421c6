/**
 * The inspection's worker thread is kept warm between analyses (src/inspect/analysis-runner.ts):
 * started ahead, reused after an analysis that finished, each analysis as if on a fresh thread;
 * one stopped at its budget is never reused.
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
