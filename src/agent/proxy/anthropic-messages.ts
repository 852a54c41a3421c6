/**
 * The Anthropic Messages API as the model proxy speaks it to an agent in the sandbox: the agent's
 * request becomes the harness's chat messages and tools, the model's reply becomes a Messages
 * response (JSON, or the server-sent events of `stream: true`).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ChatMessage, ModelReply, ToolCall, ToolSpec } from '../../models/types.js';

const textBlock = z.object({ type: z.literal('text'), text: z.string() }).passthrough();
const toolUseBlock = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }).passthrough();
const toolResultBlock = z
  .object({
    type: z.literal('tool_result'),
    tool_use_id: z.string(),
    content: z.union([z.string(), z.array(z.object({ type: z.string() }).passthrough())]).optional(),
    is_error: z.boolean().optional(),
  })
  .passthrough();
const otherBlock = z.object({ type: z.string() }).passthrough();
const block = z.union([textBlock, toolUseBlock, toolResultBlock, otherBlock]);

export const messagesRequestSchema = z
  .object({
    model: z.string(),
    max_tokens: z.number().int().positive(),
    system: z.union([z.string(), z.array(otherBlock)]).optional(),
    messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(block)]) })),
    tools: z.array(z.object({ name: z.string(), description: z.string().optional(), input_schema: z.record(z.unknown()).optional(), type: z.string().optional() }).passthrough()).optional(),
    stream: z.boolean().optional(),
  })
  .passthrough();
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** Text of a block list: text blocks joined; anything else (images, documents) named, not sent. */
function blocksText(blocks: readonly { type: string; [k: string]: unknown }[]): string {
  return blocks
    .map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : `[${b.type} omitted by the proxy]`))
    .join('\n');
}

/** The request as the harness's chat: system prompt, turns, tool results named after their calls. */
export function messagesToChat(request: MessagesRequest): { messages: ChatMessage[]; tools: ToolSpec[] } {
  const messages: ChatMessage[] = [];
  if (request.system !== undefined) {
    const system = typeof request.system === 'string' ? request.system : blocksText(request.system);
    if (system !== '') messages.push({ role: 'system', content: system });
  }
  const toolNames = new Map<string, string>();
  for (const m of request.messages) {
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (m.role === 'assistant') {
      const text: string[] = [];
      const toolCalls: ToolCall[] = [];
      for (const b of blocks) {
        if (b.type === 'text' && typeof b.text === 'string') text.push(b.text);
        else if (b.type === 'tool_use') {
          const use = toolUseBlock.parse(b);
          toolNames.set(use.id, use.name);
          toolCalls.push({ id: use.id, name: use.name, arguments: use.input });
        }
      }
      messages.push({ role: 'assistant', content: text.join('\n'), toolCalls });
      continue;
    }
    const text: string[] = [];
    for (const b of blocks) {
      if (b.type === 'tool_result') {
        const result = toolResultBlock.parse(b);
        const content = result.content === undefined ? '' : typeof result.content === 'string' ? result.content : blocksText(result.content);
        messages.push({ role: 'tool', toolCallId: result.tool_use_id, toolName: toolNames.get(result.tool_use_id) ?? 'unknown', content, isError: result.is_error === true });
      } else text.push(blocksText([b]));
    }
    if (text.length > 0) messages.push({ role: 'user', content: text.join('\n') });
  }
  const tools: ToolSpec[] = (request.tools ?? [])
    .filter((t) => t.input_schema !== undefined)
    .map((t) => ({ name: t.name, description: t.description ?? '', parameters: { type: 'object', properties: {}, ...(t.input_schema ?? {}) } as ToolSpec['parameters'] }));
  return { messages, tools };
}

function stopReason(reply: ModelReply): string {
  if (reply.toolCalls.length > 0) return 'tool_use';
  if (reply.stopReason === 'max_tokens') return 'max_tokens';
  if (reply.stopReason === 'refusal') return 'refusal';
  return 'end_turn';
}

type ContentBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

function contentOf(reply: ModelReply): ContentBlock[] {
  const content: ContentBlock[] = [];
  if (reply.text !== '') content.push({ type: 'text', text: reply.text });
  for (const call of reply.toolCalls) {
    const id = call.id.startsWith('toolu_') ? call.id : `toolu_${call.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
    content.push({ type: 'tool_use', id, name: call.name, input: call.arguments ?? {} });
  }
  return content;
}

export function newMessageId(): string {
  return `msg_${randomBytes(12).toString('hex')}`;
}

/** A Messages API response for the reply. */
export function replyToMessage(reply: ModelReply, model: string, id: string = newMessageId()): Record<string, unknown> {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: contentOf(reply),
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: { input_tokens: reply.usage.inputTokens, output_tokens: reply.usage.outputTokens },
  };
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The same response as the server-sent events of a streamed Messages request. */
export function replyToMessageEvents(reply: ModelReply, model: string, id: string = newMessageId()): string {
  const out: string[] = [];
  out.push(
    sse('message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: reply.usage.inputTokens, output_tokens: 0 } },
    }),
  );
  contentOf(reply).forEach((b, index) => {
    if (b.type === 'text') {
      out.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      out.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } }));
    } else {
      out.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } }));
      out.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } }));
    }
    out.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  });
  out.push(sse('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason(reply), stop_sequence: null }, usage: { output_tokens: reply.usage.outputTokens } }));
  out.push(sse('message_stop', { type: 'message_stop' }));
  return out.join('');
}

/** An error in the API's shape: `{type: "error", error: {type, message}}`. */
export function messagesError(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message } };
}
