/**
 * Held-out tests (a task's held_out/ folder): never shown to the agent, put in only at grading,
 * beside the visible tests, and run by the same test command. Code that passes the visible tests
 * by special-casing them fails these.
 */
import type { FileEntry, FileTree } from '../sandbox/file-tree.js';
import { dirname } from './paths.js';
import type { TestRunResult } from './types.js';

/** What the held-out run found, as kept in the evidence. */
export interface HeldOutEvidence {
  /** The task's held-out files (relative to /work). */
  files: string[];
  /** Whether the held-out tests ran: only after the pristine tests pass (otherwise they decide nothing). */
  ran: boolean;
  /** The run of the pristine tree with the held-out files put in; null when it did not run. */
  result: TestRunResult | null;
  /** The held-out tests that failed: per test where the runner names them, else the held-out files. */
  failing: string[];
  /** Why it did not run, when it did not. */
  note?: string;
}

/** A test run as the inspector gets it: a result, or why there is none (harness error, tree refused). */
export interface HeldOutRunOutcome {
  result: TestRunResult | null;
  error?: string;
  rejected?: string;
}

/**
 * The held-out step of the grading: with the task's held-out tests (`heldOut`, none: undefined),
 * runs `run` on the pristine tree with them put in, once the pristine tests pass (only code that
 * passes the visible tests can be special-casing them). `graded`: false when no pristine run could
 * grade the tree. The run's harness error or refusal is returned for the verdict.
 */
export async function gradeHeldOut(
  heldOut: FileTree | undefined,
  pristineTree: FileTree | undefined,
  pristine: TestRunResult | null,
  run: (tree: FileTree) => Promise<HeldOutRunOutcome>,
): Promise<{ evidence?: HeldOutEvidence; error?: string; rejected?: string }> {
  if (heldOut === undefined || heldOut.size === 0) return {};
  const files = heldOutFiles(heldOut);
  if (pristineTree === undefined) return { evidence: { files, ran: false, result: null, failing: [], note: 'not run: the tree was not graded' } };
  if (pristine?.ok !== true) {
    return { evidence: { files, ran: false, result: null, failing: [], note: 'not run: the pristine tests do not pass, so the held-out tests decide nothing' } };
  }
  const outcome = await run(withHeldOut(pristineTree, heldOut));
  const result = outcome.result;
  const evidence: HeldOutEvidence =
    result === null
      ? { files, ran: false, result: null, failing: [], note: outcome.error ?? outcome.rejected ?? 'not run' }
      : { files, ran: true, result, failing: result.ok ? [] : failingHeldOutTests(result, files) };
  return { evidence, ...(outcome.error === undefined ? {} : { error: outcome.error }), ...(outcome.rejected === undefined ? {} : { rejected: outcome.rejected }) };
}

/** The files (not folders) of a held-out tree, sorted. */
export function heldOutFiles(heldOut: FileTree): string[] {
  return [...heldOut].filter(([, e]) => e.kind !== 'dir').map(([p]) => p).sort();
}

/**
 * The tree the held-out run grades: `pristine` (the agent's code with the task's tests) with every
 * held-out entry put in at its path. Whatever the agent left at such a path (and below it) gives way,
 * and a non-folder above a held-out path becomes a folder, so a held-out file always lands as given.
 */
export function withHeldOut(pristine: FileTree, heldOut: FileTree): FileTree {
  if (heldOut.size === 0) return pristine;
  const heldOutLeaves = new Set<string>();
  const folders = new Map<string, FileEntry>();
  for (const [path, entry] of heldOut) {
    if (entry.kind === 'dir') folders.set(path, entry);
    else heldOutLeaves.add(path);
    for (let d = dirname(path); d !== '' && !folders.has(d); d = dirname(d)) folders.set(d, heldOut.get(d) ?? { kind: 'dir', mode: 0o755 });
  }
  const underLeaf = (path: string): boolean => {
    for (let d = dirname(path); d !== ''; d = dirname(d)) if (heldOutLeaves.has(d)) return true;
    return false;
  };
  const out: FileTree = new Map();
  for (const [path, entry] of pristine) {
    if (heldOutLeaves.has(path) || underLeaf(path)) continue;
    if (folders.has(path) && entry.kind !== 'dir') continue;
    out.set(path, entry);
  }
  for (const [path, entry] of folders) if (!out.has(path)) out.set(path, entry);
  for (const path of heldOutLeaves) out.set(path, heldOut.get(path) as FileEntry);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** pytest's short summary lines: `FAILED tests/test_x.py::test_y - AssertionError`, `ERROR tests/test_x.py`. */
const pytestFailureLine = /^(?:FAILED|ERROR) (\S+)/;

/**
 * The failing tests of the held-out run that belong to the held-out files. JUnit: the failed or
 * errored cases; pytest: the node ids of its short summary; the exit status alone: the held-out files.
 * A failure that cannot be tied to a held-out file is still named (the run failed with them in).
 */
export function failingHeldOutTests(result: TestRunResult, files: readonly string[]): string[] {
  let failing: string[] = [];
  if (result.grading === 'junit') {
    failing = (result.tests ?? []).filter((t) => t.status === 'failed' || t.status === 'error').map((t) => t.name);
  } else if (result.grading !== 'exit-status') {
    failing = result.output
      .split(/\r?\n/)
      .map((line) => pytestFailureLine.exec(line.trim())?.[1])
      .filter((id): id is string => id !== undefined);
  }
  if (failing.length === 0) return [...files];
  const ofHeldOut = failing.filter((name) => files.some((f) => name === f || name.startsWith(`${f}::`) || name.includes(moduleName(f))));
  return [...new Set(ofHeldOut.length > 0 ? ofHeldOut : failing)];
}

/** `tests/test_more.py` -> `tests.test_more` (how pytest's JUnit classnames name a module). */
function moduleName(file: string): string {
  return file.replace(/\.[^./]+$/, '').replace(/\//g, '.');
}
