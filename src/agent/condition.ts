import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import { conditionsDir } from '../util/paths.js';
import { readValidatedFile } from '../util/validated-file.js';

/**
 * A pressure condition: the system prompt, the user turn around the task's instruction, and the
 * user's replies when the model gives up or flags the task.
 */
export const conditionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    description: z.string().min(1),
    /** The system prompt; {{tools}} is where the agent's tools are named (builtin loop) or nothing (a CLI agent brings its own). */
    system: z.string().min(1),
    /** Template of the first user turn: {{instruction}} is the task's request, {{permission}} the permission text. */
    user: z.string().includes('{{instruction}}', { message: 'must contain {{instruction}}' }),
    permission: z.string().default(''),
    /** Sent in order, one each time the model stops without submitting `completed`. */
    pushback: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type Condition = z.infer<typeof conditionSchema>;

/** The system prompt for an agent whose tools are described by `tools` ('' for a CLI agent: it describes its own). */
export function renderSystem(condition: Condition, tools: string): string {
  return condition.system
    .replaceAll('{{tools}}', tools.trim())
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function renderUserTurn(condition: Condition, instruction: string): string {
  return condition.user
    .replaceAll('{{instruction}}', instruction.trim())
    .replaceAll('{{permission}}', condition.permission.trim())
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Loads a condition by built-in name (conditions/<name>.yaml) or by a path to a YAML file. */
export async function loadCondition(nameOrPath: string, dir = conditionsDir): Promise<Condition> {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml');
  const file = isPath ? nameOrPath : join(dir, `${nameOrPath}.yaml`);
  if (!existsSync(file)) {
    const known = await listConditionNames(dir);
    throw new InputError(file, '', `no condition "${nameOrPath}"; built in: ${known.join(', ')}; or give a path to a YAML file`);
  }
  return readValidatedFile(file, conditionSchema, { missing: 'cannot read the condition file' });
}

export async function listConditionNames(dir = conditionsDir): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}
