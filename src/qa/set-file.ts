import { z } from 'zod';
import { InputError } from '../util/errors.js';
import { readJsonLines } from '../util/jsonl.js';
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
  const lines = await readJsonLines(file, lineSchema, 'cannot read the question set (a JSONL file: one {"id", "question", ...} a line)');
  const items: QaItem[] = [];
  const seen = new Set<string>();
  for (const { value, where } of lines) {
    const { id, question, task, category, impossible, ...rest } = value;
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
