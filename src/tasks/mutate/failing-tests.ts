/**
 * Which tests a run names as failed: from a JUnit report's cases, or from pytest's "FAILED nodeid"
 * / "ERROR nodeid" summary lines. Undefined when the run names none (a command graded by its exit
 * status alone, or pytest run with -rN).
 */
import type { TestRunResult } from '../../inspect/types.js';

/** The node id up to its parameters (which may hold spaces): `FAILED tests/t.py::test_x[a b-c] - assert ...`. */
const pytestFailure = /^(?:FAILED|ERROR) ([^\s[]+)/gm;

export function failingTestNames(run: TestRunResult): string[] | undefined {
  const bad = run.failed + run.errors;
  if (run.grading === 'junit' && run.tests !== undefined) {
    const names = run.tests.filter((t) => t.status === 'failed' || t.status === 'error').map((t) => t.name);
    return names.length === bad ? names : undefined;
  }
  if (run.grading === 'pytest') {
    const names = [...run.output.replace(/\u001b\[[0-9;]*m/g, '').matchAll(pytestFailure)].map((m) => m[1] ?? '');
    return names.length === bad ? names : undefined;
  }
  return undefined;
}

/**
 * Whether a failing test's name is the test function `fn` of `file`: `tests/t.py::C::fn[p]`,
 * `tests.t.C.fn[p]` (JUnit classname.name), or a node:test / vitest title path ending in `fn`.
 */
export function namesTest(name: string, fn: string, file: string): boolean {
  const bare = name.replace(/\[[^\]]*\]$/, '');
  if (bare === fn) return true;
  const nodeId = /^([^:]+)::(.+)$/.exec(bare);
  if (nodeId !== null) {
    const [, path = '', rest = ''] = nodeId;
    return (file.endsWith(path) || path.endsWith(file)) && (rest === fn || rest.endsWith(`::${fn}`));
  }
  return bare.endsWith(`.${fn}`) || bare.endsWith(` > ${fn}`);
}
