/** Tokens and cost of a run, summed per model x condition, per model and for the whole run. */
import { costOf, type PriceTable } from '../models/prices.js';
import { parseModelSpec, type ModelSpec } from '../models/spec.js';
import type { Usage } from '../models/types.js';
import { significant } from '../util/decimal.js';

/** What the sums read of an episode (or a QA record). */
export interface UsageRecord {
  /** Set only in a run with an agent other than the builtin loop. */
  agent?: string;
  model: string;
  condition: string;
  usage: Usage & { costUsd?: number };
}

export interface UsageTotal {
  /** Episodes (QA: records) summed. */
  episodes: number;
  inputTokens: number;
  /** Of inputTokens, read from the prompt cache. */
  cachedInputTokens: number;
  /** Of inputTokens, written to the prompt cache. */
  cacheWriteTokens: number;
  outputTokens: number;
  /** Of outputTokens, reasoning. */
  reasoningTokens: number;
  /** US dollars over the priced episodes; null when none has a price. */
  costUsd: number | null;
  /** Episodes whose model has no known price: their tokens are counted, their cost is not. */
  unpriced: number;
}

export interface UsageSummary {
  cells: (UsageTotal & { agent?: string; model: string; condition: string })[];
  models: (UsageTotal & { model: string })[];
  /** Per agent, in a run with an agent other than the builtin loop (absent otherwise). */
  agents?: (UsageTotal & { agent: string })[];
  run: UsageTotal;
}

/**
 * An episode's cost from its tokens at `prices` (the list prices, or a --prices file over them) for
 * an OpenAI or Anthropic model whose price is known; otherwise what the episode recorded, if anything.
 */
export function episodeCost(r: UsageRecord, prices?: PriceTable): number | null {
  let spec: ModelSpec | null = null;
  try {
    spec = parseModelSpec(r.model);
  } catch {
    // A model spec this version no longer reads: keep what was recorded.
  }
  if (spec?.provider === 'openai' || spec?.provider === 'anthropic') {
    const cost = costOf(spec.model, r.usage, prices);
    if (cost !== undefined) return cost;
  }
  return r.usage.costUsd ?? null;
}

function total(records: readonly UsageRecord[], cost: (r: UsageRecord) => number | null): UsageTotal {
  const t: UsageTotal = { episodes: records.length, inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: null, unpriced: 0 };
  for (const r of records) {
    t.inputTokens += r.usage.inputTokens;
    t.cachedInputTokens += r.usage.cachedInputTokens ?? 0;
    t.cacheWriteTokens += r.usage.cacheWriteTokens ?? 0;
    t.outputTokens += r.usage.outputTokens;
    t.reasoningTokens += r.usage.reasoningTokens ?? 0;
    const dollars = cost(r);
    if (dollars === null) t.unpriced += 1;
    else t.costUsd = (t.costUsd ?? 0) + dollars;
  }
  return t;
}

function grouped(records: readonly UsageRecord[], key: (r: UsageRecord) => string): Map<string, UsageRecord[]> {
  const out = new Map<string, UsageRecord[]>();
  for (const r of records) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
  return out;
}

const cellKey = (c: { agent?: string; model: string; condition: string }): string => `${c.agent ?? ''}\u0000${c.model}\u0000${c.condition}`;

/**
 * Sums in the report's order: cells as `order` sorts them, models by name, agents (when records
 * name them) in the order of `order`; `cost` prices one record (null: unknown).
 */
export function summarizeUsage(records: readonly UsageRecord[], order: readonly { agent?: string; model: string; condition: string }[], cost: (r: UsageRecord) => number | null): UsageSummary {
  const byCell = grouped(records, cellKey);
  const byModel = grouped(records, (r) => r.model);
  const byAgent = grouped(
    records.filter((r) => r.agent !== undefined),
    (r) => r.agent ?? '',
  );
  const agentNames = [...new Set(order.flatMap((c) => (c.agent === undefined ? [] : [c.agent])))];
  return {
    cells: order.map((c) => ({ ...(c.agent === undefined ? {} : { agent: c.agent }), model: c.model, condition: c.condition, ...total(byCell.get(cellKey(c)) ?? [], cost) })),
    models: [...byModel.keys()].sort().map((model) => ({ model, ...total(byModel.get(model) ?? [], cost) })),
    ...(byAgent.size === 0 ? {} : { agents: agentNames.map((agent) => ({ agent, ...total(byAgent.get(agent) ?? [], cost) })) }),
    run: total(records, cost),
  };
}

/**
 * A count with thousands separators, as toLocaleString('en') writes it; the first toLocaleString of
 * a process sets up ICU's number formatting, which costs more than the whole table.
 */
function n(x: number): string {
  if (!Number.isSafeInteger(x)) return x.toLocaleString('en');
  const digits = String(Math.abs(x));
  const head = digits.length % 3 === 0 ? 3 : digits.length % 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return x < 0 || Object.is(x, -0) ? `-${out}` : out;
}

/** `$0.0123`, with the count of unpriced episodes when some are; `–` when none is priced. */
export function costText(t: UsageTotal): string {
  if (t.costUsd === null) return '–';
  const amount = t.costUsd >= 0.01 ? `$${t.costUsd.toFixed(2)}` : `$${significant(t.costUsd)}`;
  return t.unpriced > 0 ? `${amount} (+${t.unpriced} unpriced)` : amount;
}

const EPISODE_COST_NOTE =
  'Input counts every input token, cached ones included; output counts reasoning tokens. Cost at list prices (or the --prices file): cached input and cache writes at their own prices, reasoning as output; a model with no known price is left out of the cost and counted as unpriced.';

/** A question set's records keep the cost they were asked at (half the list price through a batch API). */
export const QA_COST_NOTE = 'Cost as recorded when each item was asked (list prices; half of them through a batch API); a model with no known price is counted as unpriced.';

export function renderUsageMarkdown(u: UsageSummary, note = EPISODE_COST_NOTE, unit = 'episodes'): string[] {
  const row = (label: string, t: UsageTotal): string =>
    `| ${label} | ${t.episodes} | ${n(t.inputTokens)} | ${n(t.cachedInputTokens)} | ${n(t.cacheWriteTokens)} | ${n(t.outputTokens)} | ${n(t.reasoningTokens)} | ${costText(t)} |`;
  const byAgent = u.agents !== undefined;
  return [
    '',
    '## Tokens and cost',
    '',
    note,
    '',
    `| ${byAgent ? 'agent · ' : ''}model · condition | ${unit} | input | cached input | cache write | output | reasoning | cost (USD) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...u.cells.map((c) => row(`${c.agent === undefined ? '' : `${c.agent} · `}${c.model} · ${c.condition}`, c)),
    ...(u.agents ?? []).map((a) => row(`**${a.agent}** (all models and conditions)`, a)),
    ...u.models.map((m) => row(`**${m.model}** (all ${byAgent ? 'agents and ' : ''}conditions)`, m)),
    row('**run**', u.run),
  ];
}

/** The columns summary.csv gives each model x condition for its tokens and cost. */
export const USAGE_CSV_COLUMNS = ['episodes', 'input_tokens', 'cached_input_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens', 'cost_usd', 'unpriced_episodes'] as const;

export function usageCsvFields(t: UsageTotal | undefined): (number | null)[] {
  if (t === undefined) return USAGE_CSV_COLUMNS.map(() => null);
  return [t.episodes, t.inputTokens, t.cachedInputTokens, t.cacheWriteTokens, t.outputTokens, t.reasoningTokens, t.costUsd, t.unpriced];
}
