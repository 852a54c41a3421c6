/**
 * OpenAI Chat Completions as the model proxy speaks it to an agent in the sandbox: the request
 * becomes the harness's chat messages and tools, the reply a completion (JSON, or the chunks of
 * `stream: true` ending in `data: [DONE]`).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ChatMessage, ModelReply, ToolCall, ToolSpec } from '../../models/types.js';

const part = z.object({ type: z.string(), text: z.string().optional() }).passthrough();
const content = z.union([z.string(), z.array(part), z.null()]).optional();
const toolCall = z.object({ id: z.string(), type: z.literal('function').optional(), function: z.object({ name: z.string(), arguments: z.string() }) }).passthrough();

export const chatRequestSchema = z
  .object({
    model: z.string(),
    messages: z.array(
      z
        .object({
          role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
          content,
          tool_calls: z.array(toolCall).optional(),
          tool_call_id: z.string().optional(),
        })
        .passthrough(),
    ),
    tools: z.array(z.object({ type: z.literal('function'), function: z.object({ name: z.string(), description: z.string().optional(), parameters: z.record(z.unknown()).optional() }).passthrough() }).passthrough()).optional(),
    stream: z.boolean().optional(),
  })
  .passthrough();
export type ChatRequest = z.infer<typeof chatRequestSchema>;

function textOf(c: z.infer<typeof content>): string {
  if (c === undefined || c === null) return '';
  if (typeof c === 'string') return c;
  return c.map((p) => (p.type === 'text' && p.text !== undefined ? p.text : `[${p.type} omitted by the proxy]`)).join('\n');
}

function parsedArguments(raw: string): Pick<ToolCall, 'arguments' | 'argumentsError'> {
  try {
    return { arguments: JSON.parse(raw) as unknown };
  } catch (err) {
    return { arguments: undefined, argumentsError: err instanceof Error ? err.message : String(err) };
  }
}

export function chatToHarness(request: ChatRequest): { messages: ChatMessage[]; tools: ToolSpec[] } {
  const toolNames = new Map<string, string>();
  const messages: ChatMessage[] = [];
  for (const m of request.messages) {
    if (m.role === 'system' || m.role === 'developer') messages.push({ role: 'system', content: textOf(m.content) });
    else if (m.role === 'user') messages.push({ role: 'user', content: textOf(m.content) });
    else if (m.role === 'assistant') {
      const toolCalls: ToolCall[] = (m.tool_calls ?? []).map((c) => {
        toolNames.set(c.id, c.function.name);
        return { id: c.id, name: c.function.name, rawArguments: c.function.arguments, ...parsedArguments(c.function.arguments) };
      });
      messages.push({ role: 'assistant', content: textOf(m.content), toolCalls });
    } else {
      const id = m.tool_call_id ?? '';
      messages.push({ role: 'tool', toolCallId: id, toolName: toolNames.get(id) ?? 'unknown', content: textOf(m.content), isError: false });
    }
  }
  const tools: ToolSpec[] = (request.tools ?? []).map((t) => ({
    name: t.function.name,
    description: t.function.description ?? '',
    parameters: { type: 'object', properties: {}, ...(t.function.parameters ?? {}) } as ToolSpec['parameters'],
  }));
  return { messages, tools };
}

function finishReason(reply: ModelReply): string {
  if (reply.toolCalls.length > 0) return 'tool_calls';
  if (reply.stopReason === 'max_tokens') return 'length';
  if (reply.stopReason === 'refusal') return 'content_filter';
  return 'stop';
}

function toolCallsOf(reply: ModelReply): { id: string; type: 'function'; function: { name: string; arguments: string } }[] {
  return reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.rawArguments ?? JSON.stringify(c.arguments ?? {}) } }));
}

export function newCompletionId(): string {
  return `chatcmpl-${randomBytes(12).toString('hex')}`;
}

export function replyToCompletion(reply: ModelReply, model: string, id: string = newCompletionId()): Record<string, unknown> {
  const calls = toolCallsOf(reply);
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text === '' && calls.length > 0 ? null : reply.text, ...(calls.length > 0 ? { tool_calls: calls } : {}), refusal: reply.refusal ?? null },
        finish_reason: finishReason(reply),
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: reply.usage.inputTokens, completion_tokens: reply.usage.outputTokens, total_tokens: reply.usage.inputTokens + reply.usage.outputTokens },
  };
}

/** The same completion as the chunks of a streamed request, `data: [DONE]` last. */
export function replyToCompletionChunks(reply: ModelReply, model: string, id: string = newCompletionId()): string {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: Record<string, number>): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...(usage === undefined ? {} : { usage }) })}\n\n`;
  const out = [chunk({ role: 'assistant', content: '' }, null)];
  if (reply.text !== '') out.push(chunk({ content: reply.text }, null));
  toolCallsOf(reply).forEach((c, index) => out.push(chunk({ tool_calls: [{ index, ...c }] }, null)));
  out.push(chunk({}, finishReason(reply), { prompt_tokens: reply.usage.inputTokens, completion_tokens: reply.usage.outputTokens, total_tokens: reply.usage.inputTokens + reply.usage.outputTokens }));
  out.push('data: [DONE]\n\n');
  return out.join('');
}

export function chatError(type: string, message: string, code: string | null = null): Record<string, unknown> {
  return { error: { message, type, param: null, code } };
}
