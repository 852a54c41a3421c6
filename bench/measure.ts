/** Small measuring helpers shared by the benches. */
import { readdirSync, readFileSync } from 'node:fs';
import type Docker from 'dockerode';

/** The median of the samples (NaN when there are none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** Milliseconds one call takes. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** The pids of the processes whose command name (/proc/<pid>/comm) is `comm`. */
export function pidsNamed(comm: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** One plain docker exec, nothing of the harness's around it: create, start, read to the end, inspect. */
export async function rawExec(container: Docker.Container, cmd: string[] = ['true'], user?: string, cwd?: string): Promise<void> {
  const exec = await container.exec({
    Cmd: cmd,
    ...(user === undefined ? {} : { User: user }),
    ...(cwd === undefined ? {} : { WorkingDir: cwd, Env: ['LANG=C.UTF-8'] }),
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.resume();
  });
  await exec.inspect();
}
