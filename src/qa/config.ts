import { z } from 'zod';
import { readValidatedFile } from '../util/validated-file.js';

const modelSpecSchema = z
  .string()
  .regex(/^(openai|anthropic|local|scripted|replay)(:.+)?$/, 'provider:name with provider openai, anthropic, local, scripted or replay');

/** A QA run: a set x models x conditions x epochs (from `ibench qa` flags or a YAML file). */
export const qaConfigSchema = z
  .object({
    /** `bsbench`, `gpqa-bs`, or the path of a JSONL file. */
    set: z.string().min(1),
    models: z.array(modelSpecSchema).min(1),
    /** QA conditions (conditions/qa/<name>.yaml or paths); empty: the set's default. */
    conditions: z.array(z.string().min(1)).default([]),
    /** `rules` (offline classifier) or a model spec; unused for GPQA-BS, which is graded by letter. */
    judge: z.string().min(1).default('rules'),
    epochs: z.number().int().min(1).default(1),
    seed: z.number().int().default(1),
    /** Only the first N items of the set (in set order). */
    max_items: z.number().int().positive().optional(),
    /** GPQA-BS: the phrase that replaces the correct answer. */
    phrase: z.string().min(1).optional(),
    /** GPQA-BS: the simple-evals CSV, instead of the cached download. */
    gpqa_csv: z.string().min(1).optional(),
    /** Through the providers' batch APIs (half price); each pushback step is one batch. */
    batch: z.boolean().default(false),
    /** With batch: milliseconds between polls of a running batch (default: the batch client's). */
    poll_interval_ms: z.number().int().min(0).optional(),
    concurrency: z
      .object({
        items: z.number().int().positive().default(4),
        per_provider: z.record(z.number().int().positive()).default({}),
      })
      .strict()
      .default({}),
    retries: z.number().int().min(0).max(10).default(2),
    settings: z
      .object({
        temperature: z.number().min(0).max(2).optional(),
        max_tokens: z.number().int().positive().optional(),
        seed: z.number().int().optional(),
        reasoning_effort: z.enum(['low', 'medium', 'high']).optional(),
        base_url: z.string().url().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type QaConfig = z.infer<typeof qaConfigSchema>;

export async function loadQaConfigFile(path: string): Promise<QaConfig> {
  return readValidatedFile(path, qaConfigSchema, { missing: 'cannot read the QA run file' });
}
