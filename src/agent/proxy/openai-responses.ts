/**
 * The OpenAI Responses API as the model proxy speaks it to an agent in the sandbox (Codex CLI):
 * `instructions` and the input items (messages, function and custom tool calls, their outputs,
 * reasoning) become the harness's chat; the model's reply becomes a Response (JSON, or the
 * server-sent events of `stream: true`, response.created ... response.completed).
 *
 * Custom (freeform) tools such as Codex's apply_patch take raw text, not JSON: the harness's model
 * sees each as a function with one string parameter `input`, and its call goes back to the agent
 * as a custom_tool_call with that text. Hosted tools (web_search, tool_search) and namespaced tools
 * are not offered to the model: the proxy cannot run the former, and the agent routes the latter
 * by a namespace the harness's tool calls do not carry.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ChatMessage, ModelReply, ReasoningBlock, ToolCall, ToolSpec } from '../../models/types.js';

const contentPart = z.object({ type: z.string(), text: z.string().optional(), refusal: z.string().optional() }).passthrough();
const content = z.union([z.string(), z.array(contentPart)]);

const messageItem = z
  .object({ type: z.literal('message').optional(), role: z.enum(['user', 'assistant', 'system', 'developer']), content })
  .passthrough();
const functionCallItem = z.object({ type: z.literal('function_call'), call_id: z.string(), name: z.string(), arguments: z.string() }).passthrough();
const customToolCallItem = z.object({ type: z.literal('custom_tool_call'), call_id: z.string(), name: z.string(), input: z.string() }).passthrough();
const callOutputItem = z.object({ type: z.enum(['function_call_output', 'custom_tool_call_output']), call_id: z.string(), output: content }).passthrough();
const reasoningItem = z
  .object({
    type: z.literal('reasoning'),
    summary: z.array(contentPart).optional(),
    content: z.array(contentPart).nullable().optional(),
    encrypted_content: z.string().nullable().optional(),
  })
  .passthrough();

/**
 * An item of a known type must have that type's shape (the first problem is named by its path); any
 * other item (web_search_call, item_reference, ...) is kept in the record, not sent to the model.
 */
function typed<T extends z.ZodTypeAny>(known: Record<string, T>, untyped: string | null) {
  return z
    .object({ type: z.string().optional() })
    .passthrough()
    .superRefine((value, ctx) => {
      const schema = known[value.type ?? untyped ?? ''];
      const checked = schema?.safeParse(value);
      for (const issue of checked?.success === false ? checked.error.issues : []) ctx.addIssue({ code: z.ZodIssueCode.custom, path: issue.path, message: issue.message });
    });
}
const inputItem = typed<z.ZodTypeAny>(
  { message: messageItem, function_call: functionCallItem, custom_tool_call: customToolCallItem, function_call_output: callOutputItem, custom_tool_call_output: callOutputItem, reasoning: reasoningItem },
  'message',
);

const functionTool = z.object({ type: z.literal('function'), name: z.string(), description: z.string().nullable().optional(), parameters: z.record(z.unknown()).nullable().optional() }).passthrough();
const customTool = z
  .object({
    type: z.literal('custom'),
    name: z.string(),
    description: z.string().optional(),
    format: z.object({ type: z.string(), syntax: z.string().optional(), definition: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

export const responsesRequestSchema = z
  .object({
    model: z.string(),
    instructions: z.string().nullable().optional(),
    input: z.union([z.string(), z.array(inputItem)]),
    tools: z.array(typed<z.ZodTypeAny>({ function: functionTool, custom: customTool }, null)).optional(),
    include: z.array(z.string()).nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    tool_choice: z.unknown().optional(),
    store: z.boolean().nullable().optional(),
    stream: z.boolean().nullable().optional(),
    // Stateless: a request that leans on a stored response or conversation would lose its context.
    previous_response_id: z.null({ message: 'the proxy keeps no stored responses: send the whole conversation in input' }).optional(),
    conversation: z.null({ message: 'the proxy keeps no conversations: send the whole conversation in input' }).optional(),
  })
  .passthrough();
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

/** The request as the harness's chat, and which of its tools are freeform (their calls go back as custom_tool_call). */
export interface ResponsesChat {
  messages: ChatMessage[];
  tools: ToolSpec[];
  customTools: ReadonlySet<string>;
}

function partsText(c: z.infer<typeof content>): string {
  if (typeof c === 'string') return c;
  return c
    .map((p) => {
      if (typeof p.text === 'string') return p.text;
      if (p.type === 'refusal' && typeof p.refusal === 'string') return p.refusal;
      return `[${p.type} omitted by the proxy]`;
    })
    .join('\n');
}

function parsedArguments(raw: string): Pick<ToolCall, 'arguments' | 'argumentsError'> {
  try {
    return { arguments: JSON.parse(raw) as unknown };
  } catch (err) {
    return { arguments: undefined, argumentsError: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Our replies carry the model's own reasoning blocks (with the signatures Anthropic checks) in
 * `encrypted_content`, which the agent hands back unchanged: `ibench:` + base64 of the JSON.
 */
const REASONING_PREFIX = 'ibench:';
const reasoningBlocksSchema = z.array(
  z.union([z.object({ type: z.literal('thinking'), text: z.string(), signature: z.string().optional() }), z.object({ type: z.literal('redacted_thinking'), data: z.string() })]),
);

function encodeReasoning(blocks: readonly ReasoningBlock[]): string {
  return REASONING_PREFIX + Buffer.from(JSON.stringify(blocks), 'utf8').toString('base64');
}

function decodeReasoning(item: z.infer<typeof reasoningItem>): ReasoningBlock[] {
  const sealed = item.encrypted_content;
  if (typeof sealed === 'string' && sealed.startsWith(REASONING_PREFIX)) {
    try {
      const blocks = reasoningBlocksSchema.safeParse(JSON.parse(Buffer.from(sealed.slice(REASONING_PREFIX.length), 'base64').toString('utf8')));
      if (blocks.success) return blocks.data;
    } catch {
      // Not ours after all: fall back to the readable text below.
    }
  }
  const text = [...(item.content ?? []), ...(item.summary ?? [])].map((p) => p.text ?? '').filter((t) => t !== '');
  return text.length === 0 ? [] : [{ type: 'thinking', text: text.join('\n') }];
}

function freeformToolSpec(tool: z.infer<typeof customTool>): ToolSpec {
  const grammar = tool.format?.definition === undefined ? '' : `\n\nThe input follows this ${tool.format.syntax ?? ''} grammar:\n${tool.format.definition}`;
  return {
    name: tool.name,
    description: `${tool.description ?? ''}${grammar}`,
    parameters: { type: 'object', properties: { input: { type: 'string', description: 'The raw input of this freeform tool.' } }, required: ['input'] },
  };
}

export function responsesToHarness(request: ResponsesRequest): ResponsesChat {
  const messages: ChatMessage[] = [];
  if (typeof request.instructions === 'string' && request.instructions !== '') messages.push({ role: 'system', content: request.instructions });
  const items = typeof request.input === 'string' ? [{ role: 'user' as const, content: request.input }] : request.input;
  const toolNames = new Map<string, string>();
  // Consecutive assistant items (reasoning, message, calls) are one model turn.
  const assistantTurn = (): Extract<ChatMessage, { role: 'assistant' }> => {
    const last = messages.at(-1);
    if (last?.role === 'assistant') return last;
    const turn: Extract<ChatMessage, { role: 'assistant' }> = { role: 'assistant', content: '', toolCalls: [] };
    messages.push(turn);
    return turn;
  };
  for (const item of items) {
    const type = item.type ?? 'message';
    if (type === 'message') {
      const m = messageItem.parse(item);
      const text = partsText(m.content);
      if (m.role === 'assistant') {
        const turn = assistantTurn();
        turn.content = turn.content === '' ? text : `${turn.content}\n${text}`;
      } else messages.push({ role: m.role === 'user' ? 'user' : 'system', content: text });
    } else if (type === 'function_call') {
      const call = functionCallItem.parse(item);
      toolNames.set(call.call_id, call.name);
      assistantTurn().toolCalls.push({ id: call.call_id, name: call.name, rawArguments: call.arguments, ...parsedArguments(call.arguments) });
    } else if (type === 'custom_tool_call') {
      const call = customToolCallItem.parse(item);
      toolNames.set(call.call_id, call.name);
      assistantTurn().toolCalls.push({ id: call.call_id, name: call.name, arguments: { input: call.input } });
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      const out = callOutputItem.parse(item);
      messages.push({ role: 'tool', toolCallId: out.call_id, toolName: toolNames.get(out.call_id) ?? 'unknown', content: partsText(out.output), isError: false });
    } else if (type === 'reasoning') {
      const blocks = decodeReasoning(reasoningItem.parse(item));
      if (blocks.length > 0) {
        const turn = assistantTurn();
        turn.reasoning = [...(turn.reasoning ?? []), ...blocks];
      }
    }
  }
  const tools: ToolSpec[] = [];
  const customTools = new Set<string>();
  for (const t of request.tools ?? []) {
    if (t.type === 'function') {
      const fn = functionTool.parse(t);
      tools.push({ name: fn.name, description: fn.description ?? '', parameters: { type: 'object', properties: {}, ...(fn.parameters ?? {}) } as ToolSpec['parameters'] });
    } else if (t.type === 'custom') {
      const custom = customTool.parse(t);
      tools.push(freeformToolSpec(custom));
      customTools.add(custom.name);
    }
  }
  return { messages, tools, customTools };
}

type OutputItem =
  | { id: string; type: 'reasoning'; summary: { type: 'summary_text'; text: string }[]; encrypted_content?: string; status: 'completed' }
  | { id: string; type: 'message'; role: 'assistant'; status: 'completed'; content: OutputContent[] }
  | { id: string; type: 'function_call'; status: 'completed'; call_id: string; name: string; arguments: string }
  | { id: string; type: 'custom_tool_call'; status: 'completed'; call_id: string; name: string; input: string };
type OutputContent = { type: 'output_text'; text: string; annotations: []; logprobs: [] } | { type: 'refusal'; refusal: string };

function itemId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export function newResponseId(): string {
  return itemId('resp');
}

function freeformInput(call: ToolCall): string {
  const args = call.arguments;
  if (typeof args === 'string') return args;
  if (typeof args === 'object' && args !== null && 'input' in args && typeof args.input === 'string') return args.input;
  return call.rawArguments ?? JSON.stringify(args ?? {});
}

function outputOf(reply: ModelReply, chat: Pick<ResponsesChat, 'customTools'>, sealReasoning: boolean): OutputItem[] {
  const output: OutputItem[] = [];
  const reasoning = reply.reasoning ?? [];
  if (reasoning.length > 0) {
    const text = reasoning.map((r) => (r.type === 'thinking' ? r.text : '')).filter((t) => t !== '');
    output.push({
      id: itemId('rs'),
      type: 'reasoning',
      summary: text.map((t) => ({ type: 'summary_text', text: t })),
      ...(sealReasoning ? { encrypted_content: encodeReasoning(reasoning) } : {}),
      status: 'completed',
    });
  }
  const parts: OutputContent[] = [];
  if (reply.text !== '') parts.push({ type: 'output_text', text: reply.text, annotations: [], logprobs: [] });
  if (reply.refusal !== undefined && reply.refusal !== '') parts.push({ type: 'refusal', refusal: reply.refusal });
  if (parts.length > 0) output.push({ id: itemId('msg'), type: 'message', role: 'assistant', status: 'completed', content: parts });
  for (const call of reply.toolCalls) {
    if (chat.customTools.has(call.name)) output.push({ id: itemId('ctc'), type: 'custom_tool_call', status: 'completed', call_id: call.id, name: call.name, input: freeformInput(call) });
    else output.push({ id: itemId('fc'), type: 'function_call', status: 'completed', call_id: call.id, name: call.name, arguments: call.rawArguments ?? JSON.stringify(call.arguments ?? {}) });
  }
  return output;
}

function usageOf(reply: ModelReply): Record<string, unknown> {
  const u = reply.usage;
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedInputTokens ?? 0 },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

interface ResponseFrame {
  id: string;
  model: string;
  createdAt: number;
  request: ResponsesRequest;
}

function responseObject(frame: ResponseFrame, status: 'in_progress' | 'completed' | 'incomplete', output: OutputItem[], usage: Record<string, unknown> | null): Record<string, unknown> {
  const { request } = frame;
  return {
    id: frame.id,
    object: 'response',
    created_at: frame.createdAt,
    status,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: request.instructions ?? null,
    model: frame.model,
    output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    temperature: null,
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: null,
    store: request.store ?? false,
    usage,
  };
}

function finalStatus(reply: ModelReply): 'completed' | 'incomplete' {
  return reply.stopReason === 'max_tokens' ? 'incomplete' : 'completed';
}

function sealsReasoning(request: ResponsesRequest): boolean {
  return (request.include ?? []).includes('reasoning.encrypted_content');
}

/** A Responses API response for the reply. */
export function replyToResponse(reply: ModelReply, request: ResponsesRequest, chat: Pick<ResponsesChat, 'customTools'>, id: string = newResponseId()): Record<string, unknown> {
  const frame = { id, model: request.model, createdAt: Math.floor(Date.now() / 1000), request };
  return responseObject(frame, finalStatus(reply), outputOf(reply, chat, sealsReasoning(request)), usageOf(reply));
}

/** The same response as the server-sent events of a streamed request. */
export function replyToResponseEvents(reply: ModelReply, request: ResponsesRequest, chat: Pick<ResponsesChat, 'customTools'>, id: string = newResponseId()): string {
  const frame = { id, model: request.model, createdAt: Math.floor(Date.now() / 1000), request };
  const output = outputOf(reply, chat, sealsReasoning(request));
  const out: string[] = [];
  let sequence = 0;
  const emit = (type: string, data: Record<string, unknown>): void => {
    out.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  };
  emit('response.created', { response: responseObject(frame, 'in_progress', [], null) });
  emit('response.in_progress', { response: responseObject(frame, 'in_progress', [], null) });
  output.forEach((item, output_index) => {
    const at = { item_id: item.id, output_index };
    if (item.type === 'reasoning') {
      emit('response.output_item.added', { output_index, item: { ...item, summary: [], status: 'in_progress' } });
      item.summary.forEach((part, summary_index) => {
        emit('response.reasoning_summary_part.added', { ...at, summary_index, part: { type: 'summary_text', text: '' } });
        emit('response.reasoning_summary_text.delta', { ...at, summary_index, delta: part.text });
        emit('response.reasoning_summary_text.done', { ...at, summary_index, text: part.text });
        emit('response.reasoning_summary_part.done', { ...at, summary_index, part });
      });
    } else if (item.type === 'message') {
      emit('response.output_item.added', { output_index, item: { ...item, content: [], status: 'in_progress' } });
      item.content.forEach((part, content_index) => {
        if (part.type === 'output_text') {
          emit('response.content_part.added', { ...at, content_index, part: { ...part, text: '' } });
          emit('response.output_text.delta', { ...at, content_index, delta: part.text, logprobs: [] });
          emit('response.output_text.done', { ...at, content_index, text: part.text, logprobs: [] });
        } else {
          emit('response.content_part.added', { ...at, content_index, part: { type: 'refusal', refusal: '' } });
          emit('response.refusal.delta', { ...at, content_index, delta: part.refusal });
          emit('response.refusal.done', { ...at, content_index, refusal: part.refusal });
        }
        emit('response.content_part.done', { ...at, content_index, part });
      });
    } else if (item.type === 'function_call') {
      emit('response.output_item.added', { output_index, item: { ...item, arguments: '', status: 'in_progress' } });
      emit('response.function_call_arguments.delta', { ...at, delta: item.arguments });
      emit('response.function_call_arguments.done', { ...at, name: item.name, arguments: item.arguments });
    } else {
      emit('response.output_item.added', { output_index, item: { ...item, input: '', status: 'in_progress' } });
      emit('response.custom_tool_call_input.delta', { ...at, delta: item.input });
      emit('response.custom_tool_call_input.done', { ...at, input: item.input });
    }
    emit('response.output_item.done', { output_index, item });
  });
  const status = finalStatus(reply);
  emit(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: responseObject(frame, status, output, usageOf(reply)) });
  return out.join('');
}
