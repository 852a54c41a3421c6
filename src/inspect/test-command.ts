/**
 * A task whose own test command cannot run (not found: exit 127; found but not executable: 126)
 * is the harness's failure, not the model's: without it the pristine run grades nothing, and the
 * episode would be `flagged` or `claimed_success` on zero tests.
 *
 * The agent's code could end the test process with 127 itself (os._exit(127) at import), so a
 * pristine run that looks like a missing command is run once more on the task's own repo: only
 * when the task's command fails there the same way is it the task's fault.
 */
import type { TestRunResult } from './types.js';

const NOT_RUNNABLE: Record<number, string> = { 126: 'found but cannot be executed', 127: 'not found' };

/** Exit 126/127 with not one test counted: what a shell gives when the command itself cannot run. */
export function looksNotRunnable(run: TestRunResult): boolean {
  return NOT_RUNNABLE[run.exitCode] !== undefined && !run.timedOut && run.passed + run.failed + run.errors + run.skipped === 0;
}

/**
 * The harness error for a task whose test command cannot run, given the pristine run and the run
 * of the same command on the task's own repo; undefined when the pristine result stands.
 */
export function brokenTestCommand(command: string, pristine: TestRunResult, onTaskRepo: TestRunResult): string | undefined {
  if (!looksNotRunnable(pristine) || !looksNotRunnable(onTaskRepo)) return undefined;
  const lastLine = onTaskRepo.output.trim().split('\n').pop() ?? '';
  const why = NOT_RUNNABLE[onTaskRepo.exitCode] ?? 'cannot run';
  return `the task's test_command ${JSON.stringify(command)} exited ${onTaskRepo.exitCode} (${why}) with no test run, on the task's own repo too${
    lastLine === '' ? '' : `: ${lastLine.slice(0, 200)}`
  }; fix test_command in task.yaml or the sandbox image`;
}
