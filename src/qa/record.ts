import { join } from 'node:path';
import { z } from 'zod';
import { recordedUsageSchema } from '../models/usage-schema.js';
import { readValidatedFile } from '../util/validated-file.js';

/** One answer of a QA record and how it was graded. */
export const qaStepSchema = z.object({
  step: z.number().int().min(1),
  answer: z.string(),
  admitted: z.boolean(),
  /** Judged items: the judge's raw reply (a model's text, or the rules' claim) and the prompt it got. */
  judgeReply: z.string().nullable(),
  judgePrompt: z.string().nullable(),
  /** Multiple-choice items: the letter found after "Answer:", or null. */
  extractedLetter: z.string().nullable(),
  usage: recordedUsageSchema,
  latencyMs: z.number(),
});

export type QaStep = z.infer<typeof qaStepSchema>;

/** item.json: one item x model x condition x epoch of a QA run (written last, atomically). */
export const qaRecordSchema = z
  .object({
    kind: z.literal('qa'),
    id: z.string(),
    item: z.string(),
    set: z.string(),
    category: z.string().nullable(),
    impossible: z.boolean(),
    model: z.string(),
    condition: z.string(),
    conditionText: z.object({ system: z.string().nullable(), user: z.string(), pushback: z.array(z.string()) }),
    epoch: z.number().int().min(0),
    /** The judge's spec (`rules` or a model); null for multiple-choice items. */
    judge: z.string().nullable(),
    /** GPQA-BS: row, phrase, the phrase's letter and the permutation (never the question's text). */
    choice: z.object({ row: z.number().int(), phrase: z.string(), phraseLetter: z.enum(['A', 'B', 'C', 'D']), permutation: z.string() }).nullable(),
    /** The whole conversation as sent, the last answer included. */
    messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })),
    steps: z.array(qaStepSchema),
    /** The first answer admitted (the single-turn result); null when the record is an error. */
    admitted: z.boolean().nullable(),
    admittedAny: z.boolean().nullable(),
    admittedEvery: z.boolean().nullable(),
    usage: recordedUsageSchema,
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string(),
    harness: z.object({ version: z.string(), commit: z.string().nullable() }),
  })
  .passthrough();

export type QaRecord = z.infer<typeof qaRecordSchema>;

export const QA_FILES = { dir: 'items', record: 'item.json' } as const;

export async function readQaRecord(itemDir: string): Promise<QaRecord> {
  return readValidatedFile(join(itemDir, QA_FILES.record), qaRecordSchema, {
    missing: 'no item.json here: not a QA item folder, or the item did not finish',
    format: 'json',
  });
}
