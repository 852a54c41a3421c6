import { z } from 'zod';

/** A Usage as records keep it (episode.json, item.json): the token counts and the cost, when known. */
export const recordedUsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  /** Parts of inputTokens and outputTokens (absent when the provider did not report them). */
  cachedInputTokens: z.number().optional(),
  cacheWriteTokens: z.number().optional(),
  reasoningTokens: z.number().optional(),
  costUsd: z.number().optional(),
});
