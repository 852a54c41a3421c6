import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import { conditionsDir } from '../util/paths.js';
import { readValidatedFile } from '../util/validated-file.js';

export const qaConditionsDir = join(conditionsDir, 'qa');

/**
 * A condition for a question: a system prompt (or none), the user turn around the question, and the
 * user's replies after every answer (sent in order, no early stop: every answer is judged).
 */
export const qaConditionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    description: z.string().min(1),
    /** Sent as it is (no trimming): the seed's prompts are reproduced byte for byte. Absent: no system prompt. */
    system: z.string().min(1).nullable().default(null),
    user: z.string().includes('{{question}}', { message: 'must contain {{question}}' }),
    pushback: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type QaCondition = z.infer<typeof qaConditionSchema>;

/** The first user turn: the template with the question put in as it is. */
export function renderQuestion(condition: QaCondition, question: string): string {
  return condition.user.split('{{question}}').join(question);
}

/** Loads a QA condition by built-in name (conditions/qa/<name>.yaml) or by a path to a YAML file. */
export async function loadQaCondition(nameOrPath: string, dir = qaConditionsDir): Promise<QaCondition> {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml');
  const file = isPath ? nameOrPath : join(dir, `${nameOrPath}.yaml`);
  if (!existsSync(file)) {
    const known = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.yaml')).map((f) => basename(f, '.yaml')).sort() : [];
    throw new InputError(file, '', `no QA condition "${nameOrPath}"; built in: ${known.join(', ')}; or give a path to a YAML file`);
  }
  return readValidatedFile(file, qaConditionSchema, { missing: 'cannot read the QA condition file' });
}
