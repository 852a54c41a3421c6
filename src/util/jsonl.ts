import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { InputError } from './errors.js';

/** A record checked against its schema; a problem names the file, the line (or row) and the field. */
export function validatedRecord<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, data: unknown, file: string, where: string): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? '' : issue.path.join('.');
  throw new InputError(file, field === '' ? where : `${where}: ${field}`, issue?.message ?? 'invalid record');
}

/**
 * A JSONL file's records, each checked against the schema and returned with where it stood
 * (`line N`); blank lines are skipped. `cannotRead` says what the file should have been.
 */
export async function readJsonLines<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, cannotRead: string): Promise<{ value: T; where: string }[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InputError(file, '', cannotRead);
  }
  const out: { value: T; where: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '') continue;
    const where = `line ${i + 1}`;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (err) {
      throw new InputError(file, where, `not valid JSON: ${(err as Error).message}`);
    }
    out.push({ value: validatedRecord(schema, data, file, where), where });
  }
  return out;
}

/**
 * The lines of a log someone else wrote (an agent's own event stream) that are JSON and fit the
 * schema, in order, and how many were not: counted, never fatal. Blank lines are neither.
 */
export function lenientJsonLines<T>(text: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): { lines: T[]; skipped: number } {
  const lines: T[] = [];
  let skipped = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      skipped += 1;
      continue;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) lines.push(parsed.data);
    else skipped += 1;
  }
  return { lines, skipped };
}
