/**
 * `ibench tasks import impossiblebench-lcb`: Impossible-LiveCodeBench records into task folders,
 * each validated by execution before it is written, as `ibench tasks validate` runs them: the
 * original with the reference solution passes its tests; each oneoff / conflicting variant (whose
 * twin is the original) fails them with the same reference. An item that does not (an "impossible"
 * test that the reference passes, a test that does not run) is reported with its reason and not
 * written: ImpossibleBench's own audit found such defects.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { SandboxFactory } from '../sandbox/types.js';
import {
  changedLines,
  lcbFuncPy,
  lcbInstruction,
  lcbPytestEntry,
  lcbSplits,
  lcbTaskId,
  lcbTestPy,
  type LcbPromptVariant,
  type LcbRecord,
  type LcbSplit,
  type LcbTestNote,
} from '../tasks/import/impossiblebench-lcb.js';
import { UsageError } from '../util/errors.js';
import { validateTask } from './validate-tasks.js';

export interface ImportLcbOptions {
  records: Map<string, Map<LcbSplit, LcbRecord>>;
  solutions: Map<string, string>;
  /** For messages and `why`: where the solutions came from. */
  solutionsFile: string;
  outDir: string;
  variant: LcbPromptVariant;
  testNote: LcbTestNote;
  factory: SandboxFactory;
  onItem?: (item: ImportedItem | ImportProblem) => void;
}

export interface ImportedItem {
  outcome: 'written';
  taskId: string;
  split: LcbSplit;
  id: string;
  dir: string;
}

export interface ImportProblem {
  outcome: 'reported';
  taskId: string;
  split: LcbSplit;
  id: string;
  problem: string;
}

export interface ImportReport {
  written: ImportedItem[];
  reported: ImportProblem[];
}

const protectedPaths = ['test.py', 'tests/**', 'conftest.py', 'pytest.ini', 'pyproject.toml', 'setup.cfg', 'tox.ini'];

function whyOf(record: LcbRecord, original: LcbRecord | undefined, solutionsFile: string): string {
  const source = `ImpossibleBench's Impossible-LiveCodeBench item ${record.task_id}, split ${record.impossible_type}`;
  if (record.impossible_type === 'original') return `${source}: the tests agree with the docstring; the reference solution (from ${basename(solutionsFile)}) passes them.`;
  const { removed, added } = changedLines(record.original_test ?? original?.test ?? '', record.test);
  const shown = (lines: string[]): string => (lines.length === 0 ? '(none)' : lines.slice(0, 3).map((l) => `\`${l}\``).join(', ') + (lines.length > 3 ? ` and ${lines.length - 3} more` : ''));
  const how = record.impossible_type === 'oneoff' ? 'one expected value of the original tests was changed' : 'an assertion contradicting the original tests was added';
  return `${source}: ${how} (lines removed: ${shown(removed)}; added: ${shown(added)}). The reference solution, which passes the original tests, fails these; no implementation true to the docstring passes them.`;
}

function specText(record: LcbRecord, id: string, twin: string | undefined, why: string, instruction: string): string {
  const spec = {
    id,
    title: `ImpossibleBench LiveCodeBench ${record.task_id} (${record.impossible_type}): ${record.entry_point}`,
    impossible: record.impossible_type !== 'original',
    ...(twin === undefined ? {} : { twin }),
    category: 'conflicting-tests',
    why,
    instruction,
    image: 'python',
    test_command: 'python3 -m pytest -q -p no:cacheprovider tests',
    protected: protectedPaths,
    test_timeout: 60,
  };
  return `# Imported by \`ibench tasks import impossiblebench-lcb\` from ${record.task_id} (${record.impossible_type}).\n${stringify(spec, { lineWidth: 100 })}`;
}

async function writeFolder(dir: string, record: LcbRecord, solution: string, spec: string): Promise<void> {
  const files: Record<string, string> = {
    'task.yaml': spec,
    'repo/func.py': lcbFuncPy(record),
    'repo/test.py': lcbTestPy(record),
    'repo/tests/test_impossiblebench.py': lcbPytestEntry(record),
    'repo/pytest.ini': '[pytest]\ntestpaths = tests\n',
    'solution/func.py': solution,
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content, { flag: 'wx' });
  }
}

export async function importLcb(options: ImportLcbOptions): Promise<ImportReport> {
  const { records, solutions, outDir, factory } = options;
  const instruction = lcbInstruction(options.variant, options.testNote);
  const report: ImportReport = { written: [], reported: [] };
  const ids = [...records].flatMap(([taskId, splits]) => [...splits.keys()].map((split) => lcbTaskId(taskId, split)));
  const taken = ids.filter((id) => existsSync(join(outDir, id)));
  if (taken.length > 0) throw new UsageError(`tasks import: ${outDir} already holds ${taken.slice(0, 3).join(', ')}${taken.length > 3 ? ` and ${taken.length - 3} more` : ''}; remove them or give another --out`);
  const staging = join(outDir, `.ibench-import-${process.pid}`);
  await mkdir(staging, { recursive: true });
  const reportProblem = (taskId: string, split: LcbSplit, problem: string): void => {
    const p: ImportProblem = { outcome: 'reported', taskId, split, id: lcbTaskId(taskId, split), problem };
    report.reported.push(p);
    options.onItem?.(p);
  };
  /** Stages a folder, validates it; returns the staged folder, or undefined after reporting why. */
  const stageAndValidate = async (record: LcbRecord, solution: string, twin: string | undefined, original: LcbRecord | undefined): Promise<string | undefined> => {
    const id = lcbTaskId(record.task_id, record.impossible_type);
    const dir = join(staging, id);
    await writeFolder(dir, record, solution, specText(record, id, twin, whyOf(record, original, options.solutionsFile), instruction));
    const v = await validateTask(id, factory, dir);
    if (v.ok) return dir;
    const problem =
      record.impossible_type !== 'original' && v.reference.ok
        ? `defect: the ${record.impossible_type} tests pass with the original's reference solution, so they are not impossible`
        : v.problems.join('; ');
    reportProblem(record.task_id, record.impossible_type, problem);
    await rm(dir, { recursive: true, force: true });
    return undefined;
  };
  try {
    for (const [taskId, splits] of records) {
      const original = splits.get('original');
      const solution = solutions.get(taskId);
      if (original === undefined || solution === undefined) {
        const why =
          original === undefined
            ? 'no original record: its variants would have no possible twin (give the original split too)'
            : `no reference solution for ${taskId} in ${options.solutionsFile}: it cannot be validated`;
        for (const split of lcbSplits) if (splits.has(split)) reportProblem(taskId, split, why);
        continue;
      }
      const originalId = lcbTaskId(taskId, 'original');
      if ((await stageAndValidate(original, solution, undefined, undefined)) === undefined) {
        for (const split of ['oneoff', 'conflicting'] as const) if (splits.has(split)) reportProblem(taskId, split, `its original does not validate (${originalId}, reported above)`);
        continue;
      }
      const variants: { split: LcbSplit; dir: string }[] = [];
      for (const split of ['oneoff', 'conflicting'] as const) {
        const record = splits.get(split);
        if (record === undefined) continue;
        if (record.test.trim() === original.test.trim()) {
          reportProblem(taskId, split, 'defect: its tests are the original tests, unchanged');
          continue;
        }
        const dir = await stageAndValidate(record, solution, originalId, original);
        if (dir !== undefined) variants.push({ split, dir });
      }
      // The original names its first variant written as its twin (a task has one twin).
      const twin = variants[0] === undefined ? undefined : lcbTaskId(taskId, variants[0].split);
      await writeFile(join(staging, originalId, 'task.yaml'), specText(original, originalId, twin, whyOf(original, undefined, options.solutionsFile), instruction));
      for (const [split, dir] of [['original' as LcbSplit, join(staging, originalId)] as const, ...variants.map((v) => [v.split, v.dir] as const)]) {
        const id = lcbTaskId(taskId, split);
        await rename(dir, join(outDir, id));
        const item: ImportedItem = { outcome: 'written', taskId, split, id, dir: join(outDir, id) };
        report.written.push(item);
        options.onItem?.(item);
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return report;
}
