import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes a file through a temp file and a rename, so a killed process never leaves half of it. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Appends one JSON line; each line is written by a single append so a kill leaves whole lines.
 * Synchronously: a line is small, and the promise API's three trips through the thread pool (open,
 * write, close) cost about ten times the CPU of the writes themselves.
 */
export async function appendJsonLine(path: string, value: unknown): Promise<void> {
  appendFileSync(path, `${JSON.stringify(value)}\n`);
}
