import type { PriceTable } from './prices.js';

/** A JSON schema of a tool's input (an object schema). */
export interface JsonSchemaObject {
  type: 'object';
  properties: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean;
  [key: string]: unknown;
}

export interface ToolSpec {
  name: string;
  description: string;
  parameters: JsonSchemaObject;
}

export interface ToolCall {
  /** Provider's id for the call (generated where the provider has none). */
  id: string;
  name: string;
  /** Parsed arguments; `undefined` when they did not parse (see argumentsError). */
  arguments: unknown;
  /** Set when the model sent arguments that are not valid JSON: goes back to it as a tool error. */
  argumentsError?: string;
  /** The arguments as the model sent them, when they came as text. */
  rawArguments?: string;
}

/**
 * What a model thought before it answered: Anthropic's thinking blocks (with the signature the API
 * needs to see again) and redacted thinking (encrypted, passed back unchanged); the reasoning text
 * of OpenAI-compatible servers (`reasoning_content`).
 */
export type ReasoningBlock = { type: 'thinking'; text: string; signature?: string } | { type: 'redacted_thinking'; data: string };

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls: ToolCall[]; reasoning?: ReasoningBlock[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string; isError: boolean };

export interface Usage {
  /** Every input token, those read from or written to a prompt cache included. */
  inputTokens: number;
  /** Every output token, reasoning (thinking) tokens included: providers bill them as output. */
  outputTokens: number;
  /** Of inputTokens, read from the prompt cache (OpenAI `cached_tokens`, Anthropic `cache_read_input_tokens`). */
  cachedInputTokens?: number;
  /** Of inputTokens, written to the prompt cache (Anthropic `cache_creation_input_tokens`). */
  cacheWriteTokens?: number;
  /** Of outputTokens, reasoning (OpenAI `reasoning_tokens`). */
  reasoningTokens?: number;
}

/** The optional token counts of a Usage, summed the same way everywhere. */
export const USAGE_DETAIL_KEYS = ['cachedInputTokens', 'cacheWriteTokens', 'reasoningTokens'] as const;

/** The sum of several usages (the detail counts only where one has them). */
export function usageSum(list: readonly Usage[]): Usage {
  const total: Usage = { inputTokens: 0, outputTokens: 0 };
  for (const u of list) addUsage(total, u);
  return total;
}

/** Adds `more` into `total` (the detail counts only where either has them). */
export function addUsage(total: Usage, more: Usage): void {
  total.inputTokens += more.inputTokens;
  total.outputTokens += more.outputTokens;
  for (const key of USAGE_DETAIL_KEYS) {
    const add = more[key];
    if (add !== undefined) total[key] = (total[key] ?? 0) + add;
  }
}

export type StopReason = 'tool_calls' | 'end' | 'max_tokens' | 'refusal' | 'other';

export interface ModelReply {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage;
  stopReason: StopReason;
  latencyMs: number;
  /** US dollars, where the price of the model is known. */
  costUsd?: number;
  /** Provider's refusal text, when it gave one apart from the content. */
  refusal?: string;
  /** The model's reasoning, in the order it came, when the provider returned any. */
  reasoning?: ReasoningBlock[];
  /** Provider's id of the request (x-request-id / request-id header), for support tickets and debugging. */
  requestId?: string;
}

export interface ModelSettings {
  temperature?: number;
  maxTokens?: number;
  reasoningEffort?: 'low' | 'medium' | 'high';
  seed?: number;
  /** Anthropic extended thinking: the budget of thinking tokens per turn (>= 1024); unset: off. */
  thinkingBudget?: number;
  baseUrl?: string;
  /** Retries of a failed request (429, 5xx, timeouts, connection errors) for API providers. Default 4. */
  maxRetries?: number;
  /** Time limit of one API request in milliseconds. Default 600000. */
  timeoutMs?: number;
  /** Prices to cost replies with (a --prices file over the list prices); default the list prices. */
  prices?: PriceTable;
}

/** A model the agent talks to. One instance serves one episode at a time. */
export interface Model {
  /** The spec it was made from, e.g. `openai:gpt-4o` or `scripted:red-team/edit-test.yaml`. */
  readonly spec: string;
  generate(messages: ChatMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelReply>;
  close(): Promise<void>;
}
