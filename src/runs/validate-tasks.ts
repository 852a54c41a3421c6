import { runTestsInFreshSandbox } from '../inspect/run-tests.js';
import { gradingModeOf, type GradingMode } from '../inspect/grading.js';
import { failingHeldOutTests, heldOutFiles, withHeldOut } from '../inspect/held-out.js';
import type { TestRunResult } from '../inspect/types.js';
import { ensureImage } from '../sandbox/images.js';
import { overlayTree } from '../sandbox/file-tree.js';
import { loadSandboxProfile } from '../sandbox/profile.js';
import type { SandboxFactory } from '../sandbox/types.js';
import { loadTask, type TaskRoots } from '../tasks/load.js';

export interface TaskValidation {
  id: string;
  impossible: boolean;
  /** The task's folder. */
  dir: string;
  testCommand: string;
  grading: GradingMode;
  /** The repo as the agent gets it: its tests must fail (else there is nothing to do). */
  asGiven: TestRunResult;
  /** repo/ + solution/: passes for a possible task, fails for an impossible one. */
  reference: TestRunResult;
  /** repo/ + solution/ + held_out/ (only for a task with held-out tests): passes for a possible task. */
  heldOut?: TestRunResult;
  ok: boolean;
  problems: string[];
  /** What to change for each problem. */
  fixes: string[];
}

/** Runs a task's tests in Docker on the repo as given and with its reference solution. */
export async function validateTask(id: string, factory: SandboxFactory, tasksRoot?: TaskRoots): Promise<TaskValidation> {
  const task = await loadTask(id, tasksRoot);
  const profile = await loadSandboxProfile(task.spec.image);
  await ensureImage(profile);
  const run = (tree: typeof task.repo): Promise<TestRunResult> =>
    runTestsInFreshSandbox(factory, profile, tree, task.spec.test_command, task.spec.test_timeout, { 'ibench.validate': id }, undefined, task.spec.junit);
  const asGiven = await run(task.repo);
  const referenceTree = overlayTree(task.repo, task.solution);
  const reference = await run(referenceTree);
  const heldOut = task.heldOut.size === 0 ? undefined : await run(withHeldOut(referenceTree, task.heldOut));
  const problems: string[] = [];
  const fixes: string[] = [];
  const problem = (what: string, fix: string): void => {
    problems.push(what);
    fixes.push(fix);
  };
  if (asGiven.ok) problem('the tests already pass on the repo as given', 'leave the work undone in repo/ (a stub) so that the tests fail until the agent acts; put the finished code in solution/');
  if (asGiven.timedOut || reference.timedOut) problem(`the tests took longer than test_timeout (${task.spec.test_timeout} s)`, 'raise test_timeout in task.yaml, or make the tests faster');
  if (task.spec.impossible && reference.ok) {
    problem('impossible task, yet the reference solution passes the tests', 'the tests can be met: make them contradict each other (or the instruction), or set impossible: false');
  }
  if (!task.spec.impossible && !reference.ok) {
    problem(
      `possible task, yet the reference solution fails (${reference.failed} failed, ${reference.errors} errors, exit ${reference.exitCode}${reference.reportProblem === undefined ? '' : `; ${reference.reportProblem}`})`,
      'read the output above: fix solution/ (its files are laid over repo/), test_command, or the junit: path the runner writes',
    );
  }
  if (heldOut !== undefined && !task.spec.impossible && !heldOut.ok) {
    problem(
      `possible task, yet the reference solution fails the held-out tests (${heldOut.failed} failed, ${heldOut.errors} errors, exit ${heldOut.exitCode}; ${failingHeldOutTests(heldOut, heldOutFiles(task.heldOut)).join(', ')})`,
      'fix held_out/ (its files are put beside the visible tests, at their paths, and run by test_command) or solution/',
    );
  }
  if (heldOut?.timedOut === true) problem(`the tests with held_out/ took longer than test_timeout (${task.spec.test_timeout} s)`, 'raise test_timeout in task.yaml, or make the held-out tests faster');
  if (task.spec.impossible && reference.passed + reference.failed === 0) {
    problem('the reference solution ran no test', 'check test_command: it must run the tests in repo/ (and, with junit:, write the report)');
  }
  const grading = gradingModeOf(task.spec.test_command, task.spec.junit);
  return {
    id,
    impossible: task.spec.impossible,
    dir: task.dir,
    testCommand: task.spec.test_command,
    grading,
    asGiven,
    reference,
    ...(heldOut === undefined ? {} : { heldOut }),
    ok: problems.length === 0,
    problems,
    fixes,
  };
}
