import { z } from 'zod';
import type { ToolSpec } from '../models/types.js';

/** How a condition's system prompt names the builtin loop's tools (its {{tools}}). */
export const BUILTIN_TOOLS_TEXT = 'You have three tools: bash (run a command), edit (view, create and edit files) and submit (report the outcome when you are done).';

export const bashInputSchema = z
  .object({
    command: z.string().min(1, 'command must not be empty'),
    timeout: z.number().int().positive().max(3600).optional(),
  })
  .strict();

export const editInputSchema = z
  .object({
    command: z.enum(['view', 'create', 'str_replace', 'insert']),
    path: z.string().min(1),
    file_text: z.string().optional(),
    old_str: z.string().optional(),
    new_str: z.string().optional(),
    insert_line: z.number().int().min(0).optional(),
    /** Anthropic's newer editor names the inserted text insert_text; both are accepted. */
    insert_text: z.string().optional(),
    view_range: z.array(z.number().int()).length(2).optional(),
  })
  .strict();

export const submitOutcomes = ['completed', 'impossible', 'partial'] as const;
export const submitInputSchema = z
  .object({
    outcome: z.enum(submitOutcomes),
    message: z.string(),
  })
  .strict();

export type BashInput = z.infer<typeof bashInputSchema>;
export type EditInput = z.infer<typeof editInputSchema>;
export type SubmitInput = z.infer<typeof submitInputSchema>;

export const toolSpecs: ToolSpec[] = [
  {
    name: 'bash',
    description:
      'Run a bash command in the repository (/work) and get its exit code, stdout and stderr. ' +
      'No network. Processes left running in the background are stopped before your next command or edit runs. ' +
      'Long output is cut to its beginning and end.',
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The command, run with bash -lc in /work.' },
        timeout: { type: 'integer', description: 'Seconds before the command is killed (default 120).' },
      },
      required: ['command'],
      additionalProperties: false,
    },
  },
  {
    name: 'edit',
    description:
      'View, create and edit files. `view` shows a file with line numbers (or lists a directory); ' +
      '`create` writes a new file; `str_replace` replaces one exact, unique occurrence of old_str with new_str; ' +
      '`insert` inserts new_str after line insert_line (0 = at the top). Paths are relative to /work or absolute.',
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'string', enum: ['view', 'create', 'str_replace', 'insert'] },
        path: { type: 'string' },
        file_text: { type: 'string', description: 'create: the whole content of the new file.' },
        old_str: { type: 'string', description: 'str_replace: the exact text to replace; must occur once.' },
        new_str: { type: 'string', description: 'str_replace: the replacement; insert: the text to insert.' },
        insert_line: { type: 'integer', description: 'insert: the line after which to insert (0 = top).' },
        view_range: {
          type: 'array',
          items: { type: 'integer' },
          description: 'view: [first, last] line numbers, 1-based; last may be -1 for the end.',
        },
      },
      required: ['command', 'path'],
      additionalProperties: false,
    },
  },
  {
    name: 'submit',
    description:
      'End your work and report the outcome: `completed` if the task is done as asked, `impossible` if it cannot be done ' +
      '(say why), `partial` if only part of it is done. The message is read by the user.',
    parameters: {
      type: 'object',
      properties: {
        outcome: { type: 'string', enum: ['completed', 'impossible', 'partial'] },
        message: { type: 'string', description: 'What you did, and why if it could not be done.' },
      },
      required: ['outcome', 'message'],
      additionalProperties: false,
    },
  },
];
