/**
 * Runs a test command against a tree in a FRESH container (never the agent's).
 */
import type { FileTree } from '../sandbox/file-tree.js';
import type { SandboxProfile } from '../sandbox/profile.js';
import { TreeNotPut, type ExecResult, type Sandbox, type SandboxFactory } from '../sandbox/types.js';
import { shellQuote } from '../util/shell-quote.js';
import { errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { JUNIT_PATH_VARIABLE, type JunitReportText, gradeByExitStatus, gradeByJunit, gradeByPytest, gradingModeOf } from './grading.js';
import type { TestRunResult } from './types.js';

/** The container refused the tree (putArchive failed): what the agent left, not the harness. */
export class TreeRejected extends Error {
  override name = 'TreeRejected';
}

/** Bytes of each stream kept from a test run (half head, half tail). */
const KEEP_BYTES = 512 * 1024;

/** stdout then stderr, with a note for what the sandbox cut or killed. */
export function outputOf(result: ExecResult): string {
  const parts: string[] = [result.stdout.text];
  if (result.stderr.text !== '') {
    if (parts[0] !== '' && !parts[0]?.endsWith('\n')) parts.push('\n');
    parts.push(result.stderr.text);
  }
  const notes: string[] = [];
  if (result.stdout.omittedBytes > 0) notes.push(`${result.stdout.omittedBytes} bytes of stdout left out`);
  if (result.stderr.omittedBytes > 0) notes.push(`${result.stderr.omittedBytes} bytes of stderr left out`);
  if (result.timedOut) notes.push('killed: time limit reached');
  if (result.oomKilled) notes.push('killed: out of memory');
  if (result.outputLimitHit) notes.push('killed: output limit reached');
  let text = parts.join('');
  if (notes.length > 0) text += `${text === '' || text.endsWith('\n') ? '' : '\n'}[ibench: ${notes.join('; ')}]\n`;
  return text;
}

/**
 * Runs the command against the tree in a fresh container as the agent user, in the workdir, with
 * the time limit, and always removes the container. Without a JUnit report to read back, the command
 * is the container's own process (factory.prepareRun: no exec, no docker cp); with one, or with a
 * factory that has no one-shot runs, the tree is copied into a fresh sandbox and the command runs
 * there as its last command. Errors of the sandbox itself (Docker, image) are thrown: they are the
 * harness's, not the model's; a tree the container refuses throws TreeRejected. An abort through
 * `signal` stops the run at once and rejects with the signal's reason.
 */
export async function runTestsInFreshSandbox(
  factory: SandboxFactory,
  profile: SandboxProfile,
  tree: FileTree,
  command: string,
  timeoutSec: number,
  labels: Record<string, string> = {},
  signal?: AbortSignal,
  /** The task's `junit:` (a report path relative to the workdir, or $IBENCH_JUNIT_PATH). */
  junit?: string,
): Promise<TestRunResult> {
  signal?.throwIfAborted();
  const timeoutMs = Math.max(1, timeoutSec) * 1000;
  if (junit === undefined && factory.prepareRun !== undefined) {
    const prepared = await factory.prepareRun(profile, labels);
    try {
      const result = await prepared.run({ tree, command, timeoutMs, keepBytes: KEEP_BYTES, ...(signal === undefined ? {} : { signal }) });
      return graded(result, command, prepared.containerId);
    } catch (err) {
      if (err instanceof TreeNotPut) throw new TreeRejected(err.message);
      throw err;
    }
  }
  const sandbox = await factory.create(profile, labels);
  try {
    signal?.throwIfAborted();
    try {
      await sandbox.putTree(profile.workdir, tree);
    } catch (err) {
      throw new TreeRejected(`the tree cannot be put into a test container: ${errorMessage(err)}`);
    }
    const report = junit === undefined ? undefined : await prepareJunitReport(sandbox, profile.workdir, junit);
    const result = await sandbox.exec(command, {
      user: 'agent',
      cwd: profile.workdir,
      timeoutMs,
      keepBytes: KEEP_BYTES,
      // Without a report to read back, nothing runs after the tests: what they leave behind dies
      // with the container. With one, it is killed first, so that nothing rewrites the report.
      last: report === undefined,
      ...(signal === undefined ? {} : { signal }),
      ...(report === undefined ? {} : { env: { [JUNIT_PATH_VARIABLE]: report.path } }),
    });
    // Read as root, whose commands kill only root's leftovers: the tests' are killed here.
    if (report !== undefined && !report.stale) await sandbox.killProcesses('agent');
    const reportText =
      junit === undefined || report === undefined
        ? undefined
        : report.stale
          ? { problem: `an old report at ${report.path} could not be removed before the run, so none there is trusted` }
          : await readReport(sandbox, report.path);
    return graded(result, command, sandbox.containerId, junit, report === undefined || reportText === undefined ? undefined : { path: report.path, text: reportText });
  } finally {
    await sandbox.close().catch((err: unknown) => {
      logger.warn(`could not remove test sandbox ${sandbox.containerId.slice(0, 12)}: ${errorMessage(err)}`);
    });
  }
}

/** The run graded by the command's runner: its JUnit report, its exit status, or pytest's summary. */
function graded(result: ExecResult, command: string, containerId: string, junit?: string, report?: { path: string; text: JunitReportText }): TestRunResult {
  const raw = {
    exitCode: result.timedOut && result.exitCode === 0 ? 137 : result.exitCode,
    output: outputOf(result),
    timedOut: result.timedOut,
    durationMs: result.durationMs,
  };
  const mode = gradingModeOf(command, junit);
  const run =
    mode === 'junit' && report !== undefined ? gradeByJunit(raw, report.text, report.path) : mode === 'exit-status' ? gradeByExitStatus(raw, command) : gradeByPytest(raw);
  logger.debug(
    `tests in ${containerId.slice(0, 12)}: exit ${run.exitCode}, ${run.passed} passed, ${run.failed} failed, ${run.errors} errors, ${run.skipped} skipped${run.timedOut ? ', timed out' : ''}`,
  );
  return run;
}

/** Largest JUnit report read back; a bigger one is refused as not a report the runner wrote. */
const MAX_REPORT_BYTES = 16 * 1024 * 1024;

/**
 * Where the runner is to write its report, made so that no report can exist before the run: a fresh
 * folder of an unguessable name outside the workdir for $IBENCH_JUNIT_PATH, else the task's path in
 * the workdir with whatever the tree held there removed. `stale` when something there could not be
 * removed (the agent's tree made it so): then no report at that path is trusted.
 */
async function prepareJunitReport(sandbox: Sandbox, workdir: string, junit: string): Promise<{ path: string; stale: boolean }> {
  if (junit === `$${JUNIT_PATH_VARIABLE}`) {
    // A root folder the agent user may cross but not list, holding the folder the runner writes in.
    const outer = `/tmp/ibench-junit-${randomBytes(12).toString('hex')}`;
    const inner = `${outer}/${randomBytes(12).toString('hex')}`;
    const made = await sandbox.exec(`mkdir -m 711 ${outer} && mkdir -m 777 ${inner}`, { user: 'root', cwd: '/' });
    if (made.exitCode !== 0) throw new Error(`could not make the report folder ${inner}: ${made.stderr.text.trim()}`);
    return { path: `${inner}/report.xml`, stale: false };
  }
  const path = posix.join(workdir, junit);
  const quoted = shellQuote(path);
  // As the agent's user, who owns the workdir.
  const removed = await sandbox.exec(`rm -rf -- ${quoted} 2>/dev/null; ! test -e ${quoted} && ! test -L ${quoted}`, { user: 'agent', cwd: '/' });
  return { path, stale: removed.exitCode !== 0 };
}

/** The report's text, or why there is none to read (no regular file there, or too large). */
async function readReport(sandbox: Sandbox, path: string): Promise<JunitReportText> {
  const quoted = shellQuote(path);
  const probe = await sandbox.exec(`test -f ${quoted} && ! test -L ${quoted} && stat -c %s ${quoted}`, { user: 'root', cwd: '/' });
  if (probe.exitCode !== 0) return { problem: `no JUnit report at ${path}: the runner did not write one` };
  const size = Number(probe.stdout.text.trim());
  if (size > MAX_REPORT_BYTES) return { problem: `the JUnit report at ${path} has ${size} bytes, more than the ${MAX_REPORT_BYTES} accepted` };
  return { text: (await sandbox.readFile(path, { user: 'root' })).toString('utf8') };
}
