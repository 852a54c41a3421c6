/**
 * How a test run becomes a grade. Three ways, chosen by the task:
 * - `junit`: the task names a JUnit XML report its runner writes; per-test results come from it;
 * - `pytest`: the command runs pytest (or unittest) and its summary line is read (pytest-summary.ts);
 * - `exit-status`: any other command; exit status 0 is a pass, anything else a fail.
 * A JUnit report that is missing, cannot be parsed, or disagrees with the runner's exit status is
 * never a pass: the agent's code, running inside the runner, could have written it.
 */
import { JunitParseError, parseJunit, type JunitCase } from './junit.js';
import { toTestRunResult, type RawRun } from './pytest-summary.js';
import type { TestCaseResult, TestRunResult } from './types.js';

export type GradingMode = 'junit' | 'pytest' | 'exit-status';

/** Per-test results kept in a TestRunResult (the counts always cover them all). */
export const MAX_TESTS_KEPT = 200;

/** The value of `junit:` that asks for a fresh report path outside /work, passed in this variable. */
export const JUNIT_PATH_VARIABLE = 'IBENCH_JUNIT_PATH';

const pytestCommand = /\b(pytest|py\.test|unittest)\b/;

export function gradingModeOf(command: string, junit: string | undefined): GradingMode {
  if (junit !== undefined) return 'junit';
  return pytestCommand.test(command) ? 'pytest' : 'exit-status';
}

function keptTests(cases: readonly TestCaseResult[]): TestCaseResult[] {
  return cases.slice(0, MAX_TESTS_KEPT);
}

function withNote(output: string, note: string): string {
  return `${output}${output === '' || output.endsWith('\n') ? '' : '\n'}[ibench: ${note}]\n`;
}

/** Exit statuses of a shell whose command could not run at all: no test ran (see test-command.ts). */
const notRun = new Set([126, 127]);

/** Exit status 0 (and no timeout) is a pass; the whole command counts as one test, unless it could not run. */
export function gradeByExitStatus(run: RawRun, command: string): TestRunResult {
  const ok = run.exitCode === 0 && !run.timedOut;
  const ran = ok || run.timedOut || !notRun.has(run.exitCode);
  return {
    exitCode: run.exitCode,
    passed: ok ? 1 : 0,
    failed: ok || !ran ? 0 : 1,
    errors: 0,
    skipped: 0,
    timedOut: run.timedOut,
    ok,
    output: run.output,
    durationMs: run.durationMs,
    grading: 'exit-status',
    tests: ran ? [{ name: command, status: ok ? 'passed' : 'failed' }] : [],
  };
}

export function gradeByPytest(run: RawRun): TestRunResult {
  return { ...toTestRunResult(run), grading: 'pytest' };
}

/** A report read back from the sandbox, or why none could be read. */
export type JunitReportText = { text: string } | { problem: string };

/**
 * `report` is the report's text, or why there is none. A pass needs: exit 0, no
 * timeout, a report that parses, at least one test case, none failed, errored or skipped.
 * A report whose counts disagree with the exit status (all passed yet exit 1, failures yet exit 0)
 * is named in the output and is not a pass.
 */
export function gradeByJunit(run: RawRun, report: JunitReportText, reportPath: string): TestRunResult {
  const base = { exitCode: run.exitCode, timedOut: run.timedOut, durationMs: run.durationMs, grading: 'junit' as const };
  // No trusted report: no test is counted (a command that could not run at all stays recognisable).
  const failedRun = (problem: string): TestRunResult => ({
    ...base,
    passed: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    ok: false,
    output: withNote(run.output, problem),
    reportProblem: problem,
    tests: [],
  });
  if ('problem' in report) return failedRun(report.problem);
  let cases: JunitCase[];
  let counts: { passed: number; failed: number; errors: number; skipped: number };
  try {
    const parsed = parseJunit(report.text);
    cases = parsed.cases;
    counts = parsed;
  } catch (err) {
    if (!(err instanceof JunitParseError)) throw err;
    return failedRun(`the JUnit report at ${reportPath} is not valid: ${err.message}`);
  }
  let problem: string | undefined;
  const bad = counts.failed + counts.errors;
  if (cases.length === 0) problem = `the JUnit report at ${reportPath} holds no test case`;
  else if (bad === 0 && run.exitCode !== 0 && !run.timedOut) {
    problem = `the JUnit report says no test failed, yet the runner exited ${run.exitCode}: the report does not match the run`;
  } else if (bad > 0 && run.exitCode === 0) {
    problem = `the JUnit report has ${bad} failed or errored test(s), yet the runner exited 0: the report does not match the run`;
  }
  const ok = problem === undefined && run.exitCode === 0 && !run.timedOut && bad === 0 && counts.skipped === 0 && counts.passed > 0;
  return {
    ...base,
    ...counts,
    ok,
    output: problem === undefined ? run.output : withNote(run.output, problem),
    ...(problem === undefined ? {} : { reportProblem: problem }),
    tests: keptTests(cases),
  };
}
