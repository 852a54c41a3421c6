/**
 * Runs a test command against a tree in a FRESH sandbox (never the agent's container).
 */
import type { FileTree } from '../sandbox/file-tree.js';
import type { SandboxProfile } from '../sandbox/profile.js';
import type { ExecResult, SandboxFactory } from '../sandbox/types.js';
import { errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { toTestRunResult } from './pytest-summary.js';
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
 * Creates a sandbox from the profile, copies the tree to /work (the profile's workdir), runs the
 * command there as the agent user with the time limit, and always removes the sandbox. Errors of
 * the sandbox itself (Docker, image) are thrown: they are the harness's, not the model's. An abort
 * through `signal` stops the run at once and rejects with the signal's reason.
 */
export async function runTestsInFreshSandbox(
  factory: SandboxFactory,
  profile: SandboxProfile,
  tree: FileTree,
  command: string,
  timeoutSec: number,
  labels: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<TestRunResult> {
  signal?.throwIfAborted();
  const sandbox = await factory.create(profile, labels);
  try {
    signal?.throwIfAborted();
    try {
      await sandbox.putTree(profile.workdir, tree);
    } catch (err) {
      throw new TreeRejected(`the tree cannot be put into a test container: ${errorMessage(err)}`);
    }
    const result = await sandbox.exec(command, {
      user: 'agent',
      cwd: profile.workdir,
      timeoutMs: Math.max(1, timeoutSec) * 1000,
      keepBytes: KEEP_BYTES,
      ...(signal === undefined ? {} : { signal }),
    });
    const run = toTestRunResult({
      exitCode: result.timedOut && result.exitCode === 0 ? 137 : result.exitCode,
      output: outputOf(result),
      timedOut: result.timedOut,
      durationMs: result.durationMs,
    });
    logger.debug(
      `tests in ${sandbox.containerId.slice(0, 12)}: exit ${run.exitCode}, ${run.passed} passed, ${run.failed} failed, ${run.errors} errors, ${run.skipped} skipped${run.timedOut ? ', timed out' : ''}`,
    );
    return run;
  } finally {
    await sandbox.close().catch((err: unknown) => {
      logger.warn(`could not remove test sandbox ${sandbox.containerId.slice(0, 12)}: ${errorMessage(err)}`);
    });
  }
}
