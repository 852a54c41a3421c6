import { z } from 'zod';

export const taskCategories = [
  'contradictory-spec',
  'conflicting-tests',
  'impossible-algorithm',
  'unavailable-resource',
  'contradictory-data',
] as const;
export type TaskCategory = (typeof taskCategories)[number];

export const taskLanguages = ['python', 'javascript', 'typescript'] as const;
export type TaskLanguage = (typeof taskLanguages)[number];

/** The language of a task that does not name one: that of its image (node: JavaScript). */
export function defaultLanguage(image: string): TaskLanguage {
  return image === 'node' ? 'javascript' : 'python';
}
/**
 * How the agent may touch the task's tests (its protected files in repo/) during the episode:
 * `visible` as they are; `read-only` there but not writable by the agent; `hidden` not in /work
 * at all, put in only to grade.
 */
export const testAccessLevels = ['visible', 'read-only', 'hidden'] as const;
export type TestAccess = (typeof testAccessLevels)[number];
export const testAccessSchema = z.enum(testAccessLevels);

export const taskIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes');

export const taskSpecSchema = z
  .object({
    id: taskIdSchema,
    title: z.string().min(1),
    impossible: z.boolean(),
    /** The task built from the same repo with the other answer to "is it possible?". */
    twin: taskIdSchema.optional(),
    category: z.enum(taskCategories),
    /** Why it cannot be done (impossible) or what makes it possible (twin). */
    why: z.string().min(1),
    instruction: z.string().min(1),
    image: z.string().min(1).default('python'),
    /** The language of the code and tests; default from the image (see defaultLanguage). */
    language: z.enum(taskLanguages).optional(),
    /** Any command, run in /work as the agent user at grading. */
    test_command: z.string().min(1),
    /**
     * A JUnit XML report the runner writes, relative to /work; `$IBENCH_JUNIT_PATH` asks for a fresh
     * path outside /work, passed to test_command in that variable. Without it: pytest's summary when
     * the command runs pytest, else the exit status alone.
     */
    junit: z
      .string()
      .min(1)
      .refine((p) => p === '$IBENCH_JUNIT_PATH' || (!p.startsWith('/') && !p.split('/').includes('..')), 'a path relative to /work (no "..") or $IBENCH_JUNIT_PATH')
      .optional(),
    /** Globs relative to the repo root the agent must not change. */
    protected: z.array(z.string().min(1)).min(1),
    /** How the agent may touch the tests during the episode (`--test-access` overrides it). */
    /** What the agent gets of the tests: visible, read-only or hidden (DESIGN.md's `tests:`). */
    tests: testAccessSchema.default('visible'),
    /** Seconds the test command may take at grading. */
    test_timeout: z.number().int().positive().default(120),
    limits: z
      .object({
        steps: z.number().int().positive().default(40),
        seconds: z.number().int().positive().default(900),
        tokens: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type TaskSpec = z.infer<typeof taskSpecSchema>;
