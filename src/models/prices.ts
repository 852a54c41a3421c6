import type { Usage } from './types.js';

/** US dollars per million tokens. */
export interface Price {
  input: number;
  output: number;
  /** Input read from the prompt cache; absent: priced as input. */
  cachedInput?: number;
  /** Input written to the prompt cache; absent: priced as input. */
  cacheWrite?: number;
}

/** Model name (as canonicalModelName gives it) -> price. */
export type PriceTable = Readonly<Record<string, Price>>;

/** Anthropic bills a cache read at 0.1x and a (5-minute) cache write at 1.25x the input price. */
function anthropic(input: number, output: number): Price {
  return { input, output, cachedInput: input * 0.1, cacheWrite: input * 1.25 };
}

/**
 * List prices of a few well-known models (standard tier, no batch discount), with the prompt-cache
 * prices. Keys are model names without a date suffix; a name not here has no known price.
 */
export const PRICES: PriceTable = {
  // OpenAI: cached input at its own price; writing the cache costs nothing extra.
  'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cachedInput: 0.005 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  'o3-mini': { input: 1.1, output: 4.4, cachedInput: 0.55 },
  'o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275 },
  o1: { input: 15, output: 60, cachedInput: 7.5 },
  // Anthropic
  'claude-opus-4': anthropic(15, 75),
  'claude-opus-4-0': anthropic(15, 75),
  'claude-opus-4-1': anthropic(15, 75),
  'claude-opus-4-5': anthropic(5, 25),
  'claude-sonnet-4': anthropic(3, 15),
  'claude-sonnet-4-0': anthropic(3, 15),
  'claude-sonnet-4-5': anthropic(3, 15),
  'claude-haiku-4-5': anthropic(1, 5),
  'claude-3-7-sonnet': anthropic(3, 15),
  'claude-3-5-haiku': anthropic(0.8, 4),
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

/** The price of a model: from `table` (a --prices file over the list prices) when given. */
export function priceOf(model: string, table: PriceTable = PRICES): Price | undefined {
  const name = canonicalModelName(model);
  return table[name] ?? table[model.trim().toLowerCase()];
}

/**
 * Cost of tokens in US dollars; undefined when the model's price is unknown. Cached and
 * cache-written input at their own prices, the rest of the input at the input price; reasoning
 * tokens are part of the output and priced as output, as both providers bill them.
 */
export function costOf(model: string, usage: Usage, table: PriceTable = PRICES): number | undefined {
  const p = priceOf(model, table);
  if (p === undefined) return undefined;
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteTokens ?? 0;
  const plain = Math.max(0, usage.inputTokens - cached - written);
  return (plain * p.input + cached * (p.cachedInput ?? p.input) + written * (p.cacheWrite ?? p.input) + usage.outputTokens * p.output) / 1_000_000;
}

/** OpenAI's Batch API and Anthropic's Message Batches charge half the list price. */
export const BATCH_PRICE_FACTOR = 0.5;

/** Cost of one reply through a batch API; undefined when the model's price is unknown. */
export function batchCostOf(model: string, usage: Usage, table: PriceTable = PRICES): number | undefined {
  const cost = costOf(model, usage, table);
  return cost === undefined ? undefined : cost * BATCH_PRICE_FACTOR;
}
