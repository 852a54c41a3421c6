/**
 * Lists the assertions of a task's Python test files with Python's own `ast`, inside a container of
 * the task's sandbox profile: nothing of the task's runs on the host (the program only parses).
 */
import type { FileTree } from '../../sandbox/file-tree.js';
import type { SandboxProfile } from '../../sandbox/profile.js';
import type { SandboxFactory } from '../../sandbox/types.js';
import { HarnessError } from '../../util/errors.js';
import { shellQuote } from '../../util/shell-quote.js';
import { pythonScanProgram } from './python-scan.py.js';
import { scanOutputSchema, type ScannedFile } from './sites.js';

/** Bytes of the scanner's JSON kept: far more than any test suite's assertions need. */
const KEEP_BYTES = 32 * 1024 * 1024;

export async function scanPythonTests(factory: SandboxFactory, profile: SandboxProfile, files: FileTree, labels: Record<string, string> = {}): Promise<ScannedFile[]> {
  const paths = [...files.keys()].filter((p) => files.get(p)?.kind === 'file');
  if (paths.length === 0) return [];
  const sandbox = await factory.create(profile, labels);
  try {
    await sandbox.putTree(profile.workdir, files);
    const result = await sandbox.exec(`python3 - ${paths.map(shellQuote).join(' ')}`, {
      user: 'agent',
      cwd: profile.workdir,
      stdin: pythonScanProgram,
      timeoutMs: 120_000,
      keepBytes: KEEP_BYTES,
    });
    const where = `the Python test scanner in ${profile.image}`;
    if (result.timedOut) throw new HarnessError(`${where} took more than 120 s`);
    if (result.exitCode !== 0) throw new HarnessError(`${where} exited ${result.exitCode}: ${result.stderr.text.trim().split('\n').slice(-3).join(' | ')}`);
    let json: unknown;
    try {
      json = JSON.parse(result.stdout.text);
    } catch {
      throw new HarnessError(`${where} printed something other than one JSON object (${result.stdout.totalBytes} bytes)`);
    }
    const parsed = scanOutputSchema.safeParse(json);
    if (!parsed.success) throw new HarnessError(`${where} printed JSON of another shape: ${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data.files;
  } finally {
    await sandbox.close().catch(() => undefined);
  }
}
