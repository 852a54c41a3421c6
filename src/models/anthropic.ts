import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
  StopReason as AnthropicStopReason,
  ToolUnion,
} from '@anthropic-ai/sdk/resources/messages/messages';
import { HarnessError } from '../util/errors.js';
import { logger } from '../util/log.js';
import { anthropicCredentials, modelEnv, type EnvOptions } from './env.js';
import { canonicalModelName, costOf, type PriceTable } from './prices.js';
import { anthropicMessageSchema, parseProviderReply, type AnthropicMessageReply } from './reply-schema.js';
import { checkRetries, checkTimeout, providerError, sdkLogger, type SdkClientSettings } from './sdk-common.js';
import { isPlainObject, toolCallFromValue } from './tool-args.js';
import type { ChatMessage, Model, ModelReply, ModelSettings, ReasoningBlock, StopReason, ToolCall, ToolSpec, Usage } from './types.js';

export type AnthropicModelOptions = ModelSettings &
  EnvOptions & {
    /** Force Anthropic's native text-editor tool on or off; default: by the allowlist below. */
    nativeEditor?: boolean;
  };

/** The Anthropic SDK client for a model spec: key and base URL from the environment (or the settings). */
export function anthropicClient(spec: string, settings: SdkClientSettings): Anthropic {
  const { baseUrl, apiKey } = anthropicCredentials(modelEnv(settings), spec, settings.baseUrl);
  return new Anthropic({
    apiKey,
    authToken: null,
    baseURL: baseUrl ?? null,
    maxRetries: checkRetries(settings.maxRetries),
    timeout: checkTimeout(settings.timeoutMs),
    logger: sdkLogger(spec),
    logLevel: 'info',
  });
}

/** Our editing tool, whose semantics are those of Anthropic's text editor. */
export const EDIT_TOOL = 'edit';
export const NATIVE_EDITOR_TYPE = 'text_editor_20250728';
export const NATIVE_EDITOR_NAME = 'str_replace_based_edit_tool';

/**
 * Models that take `text_editor_20250728` (the Claude 4 family). Any other model gets our `edit`
 * as a plain function tool.
 */
export const NATIVE_EDITOR_MODELS: readonly RegExp[] = [/^claude-(opus|sonnet|haiku)-4(?:[-.]|$)/, /^claude-4(?:[-.]|$)/];

export function supportsNativeEditor(model: string): boolean {
  const name = canonicalModelName(model);
  return NATIVE_EDITOR_MODELS.some((re) => re.test(name));
}

/** Default `max_tokens` (the Messages API requires one). */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 8192;

interface WireContext {
  /** Whether `edit` travels as the native text-editor tool. */
  native: boolean;
}

function wireToolName(name: string, ctx: WireContext): string {
  return ctx.native && name === EDIT_TOOL ? NATIVE_EDITOR_NAME : name;
}

export function toAnthropicTools(tools: ToolSpec[], ctx: WireContext): ToolUnion[] {
  return tools.map((t): ToolUnion => {
    if (ctx.native && t.name === EDIT_TOOL) return { type: NATIVE_EDITOR_TYPE, name: NATIVE_EDITOR_NAME };
    return { name: t.name, description: t.description, input_schema: t.parameters };
  });
}

/** The input to put in a past tool_use block: what the model sent, when we kept it. */
function historyInput(call: ToolCall): Record<string, unknown> {
  if (call.rawArguments !== undefined) {
    try {
      const v: unknown = JSON.parse(call.rawArguments);
      if (isPlainObject(v)) return v;
    } catch {
      // fall through
    }
  }
  return isPlainObject(call.arguments) ? call.arguments : {};
}

/** Our messages as the Messages API wants them: the system prompt apart, strict user/assistant turns. */
export function toAnthropicMessages(messages: ChatMessage[], ctx: WireContext): { system: string | undefined; messages: MessageParam[] } {
  const systems: string[] = [];
  const out: MessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    // Consecutive turns of one role (tool results, then the user's pushback) become one message.
    if (last !== undefined && last.role === role && Array.isArray(last.content)) {
      last.content.push(...blocks);
      return;
    }
    out.push({ role, content: blocks });
  };
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        systems.push(m.content);
        break;
      case 'user':
        if (m.content.trim() !== '') push('user', [{ type: 'text', text: m.content }]);
        break;
      case 'assistant': {
        // Thinking blocks go back first and unchanged (the API checks their signatures); reasoning
        // without a signature did not come from this API and cannot go back to it.
        const blocks: ContentBlockParam[] = [];
        for (const r of m.reasoning ?? []) {
          if (r.type === 'redacted_thinking') blocks.push({ type: 'redacted_thinking', data: r.data });
          else if (r.signature !== undefined) blocks.push({ type: 'thinking', thinking: r.text, signature: r.signature });
        }
        if (m.content.trim() !== '') blocks.push({ type: 'text', text: m.content });
        for (const c of m.toolCalls) blocks.push({ type: 'tool_use', id: c.id, name: wireToolName(c.name, ctx), input: historyInput(c) });
        push('assistant', blocks);
        break;
      }
      case 'tool':
        push('user', [
          { type: 'tool_result', tool_use_id: m.toolCallId, content: m.content === '' ? '(no output)' : m.content, is_error: m.isError },
        ]);
        break;
    }
  }
  return { system: systems.length === 0 ? undefined : systems.join('\n\n'), messages: out };
}

export function mapAnthropicStopReason(reason: AnthropicStopReason | string | null | undefined, hasToolCalls: boolean): StopReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls';
    case 'end_turn':
    case 'stop_sequence':
      return hasToolCalls ? 'tool_calls' : 'end';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'refusal':
      return 'refusal';
    default:
      return hasToolCalls ? 'tool_calls' : 'other';
  }
}

/**
 * A native text-editor call as a call of our `edit`: same commands and fields, except that the
 * Claude 4 editor may name the text of `insert` `insert_text` where ours says `new_str`.
 */
export function nativeEditorInputToEdit(input: Record<string, unknown>, editSpec: ToolSpec | undefined): Record<string, unknown> {
  const out = { ...input };
  const props = editSpec?.parameters.properties ?? {};
  if ('insert_text' in out && !('insert_text' in props) && !('new_str' in out)) {
    out.new_str = out.insert_text;
    delete out.insert_text;
  }
  return out;
}

/** A Messages API reply (checked by anthropicMessageSchema) as our ModelReply. */
export function fromAnthropicMessage(model: string, message: AnthropicMessageReply, tools: ToolSpec[], ctx: WireContext, latencyMs: number, prices?: PriceTable): ModelReply {
  const specs = new Map(tools.map((t) => [t.name, t]));
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  for (const block of message.content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'thinking') reasoning.push({ type: 'thinking', text: block.thinking, signature: block.signature });
    else if (block.type === 'redacted_thinking') reasoning.push({ type: 'redacted_thinking', data: block.data });
    else if (block.type === 'tool_use') {
      const input: unknown = block.input;
      if (ctx.native && block.name === NATIVE_EDITOR_NAME) {
        const spec = specs.get(EDIT_TOOL);
        if (isPlainObject(input)) {
          toolCalls.push(toolCallFromValue(block.id, EDIT_TOOL, nativeEditorInputToEdit(input, spec), spec, JSON.stringify(input)));
        } else {
          toolCalls.push(toolCallFromValue(block.id, EDIT_TOOL, input, spec));
        }
      } else if (isPlainObject(input) && typeof input.INVALID_JSON === 'string' && Object.keys(input).length === 1) {
        // How the API hands over a tool input that is not valid JSON (fine-grained tool streaming).
        toolCalls.push({
          id: block.id,
          name: block.name,
          arguments: undefined,
          argumentsError: `the arguments of ${block.name} are not valid JSON`,
          rawArguments: input.INVALID_JSON,
        });
      } else {
        toolCalls.push(toolCallFromValue(block.id, block.name, input, specs.get(block.name)));
      }
    }
    // Server-tool blocks carry nothing the agent acts on.
  }
  const u = message.usage;
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  // Anthropic's input_tokens leave out what was read from or written to the cache: ours count all input.
  const usage: Usage = {
    inputTokens: u.input_tokens + cacheWrite + cacheRead,
    outputTokens: u.output_tokens,
    ...(cacheRead > 0 ? { cachedInputTokens: cacheRead } : {}),
    ...(cacheWrite > 0 ? { cacheWriteTokens: cacheWrite } : {}),
  };
  const text = texts.join('\n');
  const reply: ModelReply = {
    text,
    toolCalls,
    usage,
    stopReason: mapAnthropicStopReason(message.stop_reason, toolCalls.length > 0),
    latencyMs,
  };
  if (reasoning.length > 0) reply.reasoning = reasoning;
  const costUsd = costOf(model, usage, prices);
  if (costUsd !== undefined) reply.costUsd = costUsd;
  if (message.stop_reason === 'refusal') {
    const details = refusalDetails(message.stop_details);
    reply.refusal = details.explanation ?? (text !== '' ? text : `refused${details.category === undefined ? '' : ` (${details.category})`}`);
  }
  return reply;
}

/** The optional `stop_details` of a refusal, read defensively (the schema lets it pass unchecked). */
function refusalDetails(value: unknown): { explanation?: string; category?: string } {
  if (!isPlainObject(value)) return {};
  const out: { explanation?: string; category?: string } = {};
  if (typeof value.explanation === 'string') out.explanation = value.explanation;
  if (typeof value.category === 'string' && value.category !== '') out.category = value.category;
  return out;
}

/** Smallest thinking budget the Messages API accepts. */
export const MIN_THINKING_BUDGET = 1024;

/** `anthropic:<model>`: the Messages API through the official SDK. */
export class AnthropicModel implements Model {
  readonly spec: string;
  readonly nativeEditor: boolean;
  private readonly client: Anthropic;

  constructor(
    readonly model: string,
    private readonly settings: AnthropicModelOptions = {},
  ) {
    this.spec = `anthropic:${model}`;
    this.nativeEditor = settings.nativeEditor ?? supportsNativeEditor(model);
    this.client = anthropicClient(this.spec, settings);
    if (settings.seed !== undefined) logger.debug(`${this.spec}: the Messages API takes no seed; ignored`);
    if (settings.reasoningEffort !== undefined) {
      logger.warn(`${this.spec}: reasoning effort does not apply to Anthropic models (use --thinking-budget); ignored`);
    }
    const budget = settings.thinkingBudget;
    if (budget !== undefined) {
      if (!Number.isInteger(budget) || budget < MIN_THINKING_BUDGET) {
        throw new HarnessError(`${this.spec}: the thinking budget must be a whole number >= ${MIN_THINKING_BUDGET}, got ${String(budget)}`);
      }
      if (settings.maxTokens !== undefined && settings.maxTokens <= budget) {
        throw new HarnessError(`${this.spec}: max tokens (${settings.maxTokens}) must be larger than the thinking budget (${budget})`);
      }
      if (settings.temperature !== undefined) logger.warn(`${this.spec}: extended thinking takes no temperature; ${settings.temperature} not sent`);
    }
  }

  /** The request body for a turn (exposed for tests and debugging). */
  buildRequest(messages: ChatMessage[], tools: ToolSpec[]): MessageCreateParamsNonStreaming {
    const ctx: WireContext = { native: this.nativeEditor };
    const { system, messages: wire } = toAnthropicMessages(messages, ctx);
    if (wire.length === 0) throw new HarnessError(`${this.spec}: no user or assistant message to send`);
    const budget = this.settings.thinkingBudget;
    const body: MessageCreateParamsNonStreaming = {
      model: this.model,
      // The budget is part of max_tokens: without a limit of the user's, room for an answer too.
      max_tokens: this.settings.maxTokens ?? (budget === undefined ? DEFAULT_ANTHROPIC_MAX_TOKENS : budget + DEFAULT_ANTHROPIC_MAX_TOKENS),
      messages: wire,
    };
    if (system !== undefined) body.system = system;
    if (tools.length > 0) body.tools = toAnthropicTools(tools, ctx);
    if (budget !== undefined) body.thinking = { type: 'enabled', budget_tokens: budget };
    else if (this.settings.temperature !== undefined) body.temperature = this.settings.temperature;
    return body;
  }

  async generate(messages: ChatMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelReply> {
    const body = this.buildRequest(messages, tools);
    const started = performance.now();
    let raw: unknown;
    let requestId: string | null | undefined;
    try {
      const { data, request_id } = await this.client.messages.create(body, signal === undefined ? {} : { signal }).withResponse();
      raw = data;
      requestId = request_id;
    } catch (err) {
      throw providerError(this.spec, err, signal);
    }
    const latencyMs = Math.round(performance.now() - started);
    const message = parseProviderReply(this.spec, anthropicMessageSchema, raw);
    const reply = fromAnthropicMessage(this.model, message, tools, { native: this.nativeEditor }, latencyMs, this.settings.prices);
    if (typeof requestId === 'string' && requestId !== '') reply.requestId = requestId;
    logger.debug(`${this.spec}: reply ${message.id ?? '(no id)'} in ${latencyMs} ms${reply.requestId === undefined ? '' : ` (request ${reply.requestId})`}`);
    return reply;
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}
