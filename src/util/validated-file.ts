import { readFile } from 'node:fs/promises';
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
export async function readValidatedFile<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, options: ValidatedFileOptions): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InputError(file, '', options.missing);
  }
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
