import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { InputError } from './errors.js';
import { inputErrorFromZod } from './zod-error.js';

export interface ValidatedFileOptions {
  /** What to say when the file cannot be read. */
  missing: string;
  /** YAML (which also reads JSON) or strict JSON. Default YAML. */
  format?: 'yaml' | 'json';
  /** How the format is named in a parse error, e.g. "YAML or JSON". */
  formatName?: string;
}

/**
 * Reads a file that comes from outside (a task, a condition, a scripted model, a run file) and
 * validates it with zod. Every failure is an InputError naming the file, the field and the reason.
 */
/** Larger than this, an outside YAML/JSON file is refused rather than read into memory. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The text of a file given from outside: only a regular file is read (a FIFO, /dev/zero or a
 * folder would hang or grow without end), never more than MAX_FILE_BYTES.
 */
async function readRegularText(file: string, missing: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    throw new InputError(file, '', missing);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new InputError(file, '', `not a regular file (${info.isDirectory() ? 'a folder' : 'a FIFO, socket or device'}); give a file`);
    if (info.size > MAX_FILE_BYTES) throw new InputError(file, '', `${info.size} bytes, more than the ${MAX_FILE_BYTES} this file may have`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

export async function readValidatedFile<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, options: ValidatedFileOptions): Promise<T> {
  const text = await readRegularText(file, options.missing);
  const format = options.format ?? 'yaml';
  let data: unknown;
  try {
    data = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const name = options.formatName ?? (format === 'json' ? 'JSON' : 'YAML');
    throw new InputError(file, '', `not valid ${name}: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw inputErrorFromZod(file, parsed.error);
  return parsed.data;
}
