/**
 * A folder the command line is told to write into (--out, --runs-dir, --export): checked before
 * anything starts, so that a bad one is a one-line usage error naming the flag, never a stack trace
 * after a container ran, nor a hang in a kernel file system.
 */
import { constants } from 'node:fs';
import { access, lstat, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';

/** Kernel file systems: writing there is never meant, and reading can block (/proc/kmsg, /dev/tty...). */
const KERNEL_ROOTS = ['/proc', '/sys', '/dev'];

function underKernelRoot(path: string): string | undefined {
  return KERNEL_ROOTS.find((root) => path === root || path.startsWith(root + sep));
}

/** The deepest part of `path` that exists (itself, or an ancestor), with its real path. */
async function nearestExisting(path: string): Promise<{ path: string; real: string }> {
  let at = path;
  for (;;) {
    try {
      await lstat(at);
      return { path: at, real: await realpath(at) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = dirname(at);
      // ENOENT: go up. ENOTDIR: a file is on the way; report it from the part that exists.
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === at) throw err;
      at = parent;
    }
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EEXIST: 'a file of that name is in the way',
    ELOOP: 'too many symbolic links',
  };
  return e.code === undefined ? String(e.message) : `${why[e.code] ?? e.message} (${e.code})`;
}

/**
 * Makes sure `dir` is a folder this process can create files in: creates it (and its parents)
 * when missing, and writes and removes a probe file. Throws a UsageError naming `flag` otherwise.
 * Paths under /proc, /sys and /dev are refused before the disk is touched.
 */
export async function ensureWritableDir(flag: string, dir: string): Promise<string> {
  const path = resolve(dir);
  const shown = `${flag} ${dir}`;
  const kernel = underKernelRoot(path);
  if (kernel !== undefined) throw new UsageError(`${shown}: is under ${kernel}, a kernel file system; give a folder on a disk`);
  let existing: { path: string; real: string };
  try {
    existing = await nearestExisting(path);
  } catch (err) {
    throw new UsageError(`${shown}: cannot be used: ${describe(err)}`);
  }
  const realKernel = underKernelRoot(existing.real);
  if (realKernel !== undefined) throw new UsageError(`${shown}: leads (through a link) under ${realKernel}, a kernel file system; give a folder on a disk`);
  const info = await lstat(existing.real);
  if (!info.isDirectory()) {
    throw new UsageError(
      existing.path === path
        ? `${shown}: is a file, not a folder; give a folder (it is created when missing)`
        : `${shown}: ${existing.path} is a file, not a folder, so nothing can be created under it`,
    );
  }
  try {
    await access(existing.real, constants.W_OK | constants.X_OK);
    await mkdir(path, { recursive: true });
    const probe = join(path, `.ibench-write-probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    throw new UsageError(`${shown}: cannot write there: ${describe(err)}; give a folder you can write to`);
  }
  return path;
}
