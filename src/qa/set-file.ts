import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import type { QaItem } from './item.js';

/**
 * One line of a QA set file. `question` (or `task`, as BSBench names it) is what the model is
 * asked; `category` (or BSBench's `subtype`) groups items in the report; other fields are kept.
 */
const lineSchema = z
  .object({
    id: z.union([z.string().min(1), z.number().int()]),
    question: z.string().min(1).optional(),
    task: z.string().min(1).optional(),
    category: z.string().min(1).optional(),
    impossible: z.boolean().default(true),
  })
  .passthrough()
  .refine((l) => l.question !== undefined || l.task !== undefined, { message: 'needs a "question" (or "task") string', path: ['question'] });

/** Reads a JSONL set; a bad line is refused with the file, the line number and the field. */
export async function loadQaSetFile(file: string): Promise<QaItem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InputError(file, '', 'cannot read the question set (a JSONL file: one {"id", "question", ...} a line)');
  }
  const items: QaItem[] = [];
  const seen = new Set<string>();
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
    const parsed = lineSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue === undefined || issue.path.length === 0 ? '' : issue.path.join('.');
      throw new InputError(file, field === '' ? where : `${where}: ${field}`, issue?.message ?? 'invalid line');
    }
    const { id, question, task, category, impossible, ...rest } = parsed.data;
    const key = String(id);
    if (!/^[A-Za-z0-9._-]+$/.test(key)) throw new InputError(file, `${where}: id`, `letters, digits, ".", "_" and "-" only (it names a folder), got ${JSON.stringify(key)}`);
    if (seen.has(key)) throw new InputError(file, `${where}: id`, `"${key}" is used twice`);
    seen.add(key);
    const subtype = typeof rest['subtype'] === 'string' ? rest['subtype'] : undefined;
    items.push({ id: key, question: question ?? task ?? '', category: category ?? subtype ?? null, impossible, extra: rest, choice: null });
  }
  if (items.length === 0) throw new InputError(file, '', 'the question set has no item');
  return items;
}
