import type { Usage } from './types.js';

/** US dollars per million tokens. */
export interface Price {
  input: number;
  output: number;
}

/**
 * List prices of a few well-known models (standard tier, no caching or batch discounts).
 * Keys are model names without a date suffix; a name not here has no known price.
 */
export const PRICES: Readonly<Record<string, Price>> = {
  // OpenAI
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  o1: { input: 15, output: 60 },
  // Anthropic
  'claude-opus-4': { input: 15, output: 75 },
  'claude-opus-4-0': { input: 15, output: 75 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-sonnet-4-0': { input: 3, output: 15 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
};

/** `gpt-4o-2024-08-06` → `gpt-4o`, `claude-sonnet-4-20250514` → `claude-sonnet-4`, `openai/gpt-4o` → `gpt-4o`. */
export function canonicalModelName(model: string): string {
  let name = model.trim().toLowerCase();
  const slash = name.lastIndexOf('/');
  if (slash !== -1) name = name.slice(slash + 1);
  name = name.replace(/-latest$/, '');
  name = name.replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
  return name;
}

export function priceOf(model: string): Price | undefined {
  return PRICES[canonicalModelName(model)];
}

/** Cost of one reply in US dollars; undefined when the model's price is unknown. */
export function costOf(model: string, usage: Usage): number | undefined {
  const p = priceOf(model);
  if (p === undefined) return undefined;
  return (usage.inputTokens * p.input + usage.outputTokens * p.output) / 1_000_000;
}

/** OpenAI's Batch API and Anthropic's Message Batches charge half the list price. */
export const BATCH_PRICE_FACTOR = 0.5;

/** Cost of one reply through a batch API; undefined when the model's price is unknown. */
export function batchCostOf(model: string, usage: Usage): number | undefined {
  const cost = costOf(model, usage);
  return cost === undefined ? undefined : cost * BATCH_PRICE_FACTOR;
}
