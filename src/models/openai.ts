import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { HarnessError } from '../util/errors.js';
import { logger } from '../util/log.js';
import { modelEnv, openAICredentials, type EnvOptions } from './env.js';
import { canonicalModelName, costOf, type PriceTable } from './prices.js';
import { openAICompletionSchema, parseProviderReply, type OpenAICompletionReply, type OpenAIToolCallReply } from './reply-schema.js';
import { checkRetries, checkTimeout, providerError, sdkLogger, type SdkClientSettings } from './sdk-common.js';
import { newToolCallId, toolCallFromText, toolCallFromValue } from './tool-args.js';
import type { ChatMessage, Model, ModelReply, ModelSettings, ReasoningBlock, StopReason, ToolCall, ToolSpec, Usage } from './types.js';

export type OpenAIModelOptions = ModelSettings & EnvOptions;

/** The OpenAI SDK client for a model spec: key and base URL from the environment (or the settings). */
export function openAIClient(spec: string, settings: SdkClientSettings): OpenAI {
  const env = modelEnv(settings);
  const { baseUrl, apiKey } = openAICredentials(env, spec, settings.baseUrl);
  return new OpenAI({
    apiKey,
    baseURL: baseUrl ?? null,
    maxRetries: checkRetries(settings.maxRetries),
    timeout: checkTimeout(settings.timeoutMs),
    logger: sdkLogger(spec),
    logLevel: 'info',
    // Keep unrelated OPENAI_* variables of the real environment (org, project) out of tests.
    organization: env.OPENAI_ORG_ID ?? null,
    project: env.OPENAI_PROJECT_ID ?? null,
  });
}

/** o1, o3, o4-mini, gpt-5...: no temperature, `max_completion_tokens`, `reasoning_effort`. */
export function isOpenAIReasoningModel(model: string): boolean {
  const name = canonicalModelName(model);
  return /^o\d/.test(name) || (/^gpt-5/.test(name) && !/^gpt-5(\.\d+)?-chat/.test(name));
}

/** Our messages in the chat-completions wire format. */
export function toOpenAIMessages(messages: ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content };
      case 'user':
        return { role: 'user', content: m.content };
      case 'assistant': {
        if (m.toolCalls.length === 0) return { role: 'assistant', content: m.content };
        return {
          role: 'assistant',
          content: m.content === '' ? null : m.content,
          tool_calls: m.toolCalls.map((c) => ({
            id: c.id,
            type: 'function' as const,
            function: { name: c.name, arguments: c.rawArguments ?? JSON.stringify(c.arguments ?? {}) },
          })),
        };
      }
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.isError ? `Error: ${m.content}` : m.content };
    }
  });
}

export function toOpenAITools(tools: ToolSpec[]): ChatCompletionTool[] {
  return tools.map((t) => ({
    type: 'function' as const,
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

export function mapOpenAIFinishReason(reason: string | null | undefined, hasToolCalls: boolean, refusal: boolean): StopReason {
  if (refusal) return 'refusal';
  switch (reason) {
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'stop':
      // Some OpenAI-compatible servers say "stop" with tool calls in the message.
      return hasToolCalls ? 'tool_calls' : 'end';
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      return 'refusal';
    default:
      return hasToolCalls ? 'tool_calls' : 'other';
  }
}

function mapToolCall(call: OpenAIToolCallReply, specs: Map<string, ToolSpec>): ToolCall {
  const id = call.id === undefined || call.id === '' ? newToolCallId() : call.id;
  if (call.function !== undefined) {
    return toolCallFromText(id, call.function.name, call.function.arguments, specs.get(call.function.name));
  }
  // A custom (free-text) tool: we never declare one, but do not crash if a server sends it.
  const custom = call.custom ?? { name: '', input: '' };
  return toolCallFromValue(id, custom.name, { input: custom.input }, specs.get(custom.name), custom.input);
}

/** A chat-completions reply (checked by openAICompletionSchema) as our ModelReply. */
export function fromOpenAICompletion(model: string, completion: OpenAICompletionReply, tools: ToolSpec[], latencyMs: number, prices?: PriceTable): ModelReply {
  const choice = completion.choices[0];
  // The schema requires one; kept for a caller that passes an unchecked reply.
  if (choice === undefined) throw new HarnessError(`openai:${model}: reply.choices: expected at least one choice`);
  const specs = new Map(tools.map((t) => [t.name, t]));
  const message = choice.message;
  const toolCalls = (message.tool_calls ?? []).map((c) => mapToolCall(c, specs));
  const refusal = typeof message.refusal === 'string' && message.refusal !== '' ? message.refusal : undefined;
  const cached = completion.usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoningTokens = completion.usage?.completion_tokens_details?.reasoning_tokens ?? 0;
  const usage: Usage = {
    inputTokens: completion.usage?.prompt_tokens ?? 0,
    outputTokens: completion.usage?.completion_tokens ?? 0,
    ...(cached > 0 ? { cachedInputTokens: cached } : {}),
    ...(reasoningTokens > 0 ? { reasoningTokens } : {}),
  };
  const costUsd = costOf(model, usage, prices);
  const reply: ModelReply = {
    text: message.content ?? refusal ?? '',
    toolCalls,
    usage,
    stopReason: mapOpenAIFinishReason(choice.finish_reason, toolCalls.length > 0, refusal !== undefined),
    latencyMs,
  };
  const reasoningText = [message.reasoning_content, message.reasoning].find((r): r is string => typeof r === 'string' && r.trim() !== '');
  if (reasoningText !== undefined) {
    const reasoning: ReasoningBlock[] = [{ type: 'thinking', text: reasoningText }];
    reply.reasoning = reasoning;
  }
  if (costUsd !== undefined) reply.costUsd = costUsd;
  if (refusal !== undefined) reply.refusal = refusal;
  return reply;
}

/** `openai:<model>`: any chat-completions endpoint, through the official SDK. */
export class OpenAIModel implements Model {
  readonly spec: string;
  private readonly client: OpenAI;

  constructor(
    readonly model: string,
    private readonly settings: OpenAIModelOptions = {},
  ) {
    this.spec = `openai:${model}`;
    this.client = openAIClient(this.spec, settings);
  }

  /** The request body for a turn (exposed for tests and debugging). */
  buildRequest(messages: ChatMessage[], tools: ToolSpec[]): ChatCompletionCreateParamsNonStreaming {
    const s = this.settings;
    const reasoning = isOpenAIReasoningModel(this.model);
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages: toOpenAIMessages(messages),
    };
    if (tools.length > 0) body.tools = toOpenAITools(tools);
    if (s.maxTokens !== undefined) {
      if (reasoning) body.max_completion_tokens = s.maxTokens;
      else body.max_tokens = s.maxTokens;
    }
    if (s.temperature !== undefined) {
      if (reasoning) logger.debug(`${this.spec}: a reasoning model takes no temperature; ${s.temperature} not sent`);
      else body.temperature = s.temperature;
    }
    if (s.reasoningEffort !== undefined) {
      if (reasoning) body.reasoning_effort = s.reasoningEffort;
      else logger.debug(`${this.spec}: not a reasoning model; reasoning effort not sent`);
    }
    if (s.seed !== undefined) body.seed = s.seed;
    return body;
  }

  async generate(messages: ChatMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelReply> {
    const body = this.buildRequest(messages, tools);
    const started = performance.now();
    let raw: unknown;
    let requestId: string | null | undefined;
    try {
      const { data, request_id } = await this.client.chat.completions.create(body, signal === undefined ? {} : { signal }).withResponse();
      raw = data;
      requestId = request_id;
    } catch (err) {
      throw providerError(this.spec, err, signal);
    }
    const latencyMs = Math.round(performance.now() - started);
    const completion = parseProviderReply(this.spec, openAICompletionSchema, raw);
    const reply = fromOpenAICompletion(this.model, completion, tools, latencyMs, this.settings.prices);
    if (typeof requestId === 'string' && requestId !== '') reply.requestId = requestId;
    logger.debug(`${this.spec}: reply ${completion.id ?? '(no id)'} in ${latencyMs} ms${reply.requestId === undefined ? '' : ` (request ${reply.requestId})`}`);
    return reply;
  }

  async close(): Promise<void> {
    // The SDK holds no connection of its own beyond fetch's keep-alive pool.
  }
}
