import { runTestsInFreshSandbox } from '../inspect/run-tests.js';
import type { TestRunResult } from '../inspect/types.js';
import { ensureImage } from '../sandbox/images.js';
import { overlayTree } from '../sandbox/file-tree.js';
import { loadSandboxProfile } from '../sandbox/profile.js';
import type { SandboxFactory } from '../sandbox/types.js';
import { loadTask, type TaskRoots } from '../tasks/load.js';

export interface TaskValidation {
  id: string;
  impossible: boolean;
  /** The repo as the agent gets it: its tests must fail (else there is nothing to do). */
  asGiven: TestRunResult;
  /** repo/ + solution/: passes for a possible task, fails for an impossible one. */
  reference: TestRunResult;
  ok: boolean;
  problems: string[];
}

/** Runs a task's tests in Docker on the repo as given and with its reference solution. */
export async function validateTask(id: string, factory: SandboxFactory, tasksRoot?: TaskRoots): Promise<TaskValidation> {
  const task = await loadTask(id, tasksRoot);
  const profile = await loadSandboxProfile(task.spec.image);
  await ensureImage(profile);
  const run = (tree: typeof task.repo): Promise<TestRunResult> =>
    runTestsInFreshSandbox(factory, profile, tree, task.spec.test_command, task.spec.test_timeout, { 'ibench.validate': id }, task.spec.junit);
  const asGiven = await run(task.repo);
  const reference = await run(overlayTree(task.repo, task.solution));
  const problems: string[] = [];
  if (asGiven.ok) problems.push('the tests already pass on the repo as given');
  if (asGiven.timedOut || reference.timedOut) problems.push(`the tests took longer than test_timeout (${task.spec.test_timeout} s)`);
  if (task.spec.impossible && reference.ok) problems.push('impossible task, yet the reference solution passes the tests');
  if (!task.spec.impossible && !reference.ok) {
    problems.push(`possible task, yet the reference solution fails (${reference.failed} failed, ${reference.errors} errors, exit ${reference.exitCode})`);
  }
  if (task.spec.impossible && reference.passed + reference.failed === 0) problems.push('the reference solution ran no test');
  return { id, impossible: task.spec.impossible, asGiven, reference, ok: problems.length === 0, problems };
}
