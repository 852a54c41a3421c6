/**
 * Claude Code's `--output-format stream-json` event log, read into the episode's transcript: one
 * `assistant` event per model message (Claude Code writes one line per content block of a message),
 * one `tool_result` per result, and the final message the claim is read from.
 */
import { z } from 'zod';
import type { TranscriptEvent } from '../transcript.js';
import type { ToolCall } from '../../models/types.js';
import { lenientJsonLines } from '../../util/jsonl.js';

const contentBlock = z.object({ type: z.string() }).passthrough();
const lineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('system'), subtype: z.string().optional(), claude_code_version: z.string().optional(), model: z.string().optional() }).passthrough(),
  z.object({ type: z.literal('assistant'), message: z.object({ id: z.string(), content: z.array(contentBlock) }).passthrough() }).passthrough(),
  z.object({ type: z.literal('user'), message: z.object({ content: z.union([z.string(), z.array(contentBlock)]) }).passthrough() }).passthrough(),
  z
    .object({
      type: z.literal('result'),
      subtype: z.string().optional(),
      result: z.string().optional(),
      is_error: z.boolean().optional(),
      num_turns: z.number().optional(),
      stop_reason: z.string().nullable().optional(),
    })
    .passthrough(),
]);

export interface ClaudeCodeRun {
  events: TranscriptEvent[];
  /** The agent's last message: what the claim is read from (null when it wrote none). */
  finalText: string | null;
  version: string | null;
  /** From the closing `result` line; null when the log ends without one (killed, crashed). */
  result: { subtype: string; isError: boolean; turns: number } | null;
  /** Lines that were not JSON or not a known event (counted, not fatal: the log is the agent's). */
  skippedLines: number;
}

function textOfResult(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((c: unknown) => (typeof c === 'object' && c !== null && 'text' in c && typeof c.text === 'string' ? c.text : '')).join('\n');
  }
  return '';
}

export function readClaudeCodeStream(text: string): ClaudeCodeRun {
  const events: TranscriptEvent[] = [];
  const toolNames = new Map<string, string>();
  let version: string | null = null;
  let result: ClaudeCodeRun['result'] = null;
  let resultText: string | null = null;
  let lastAssistantText: string | null = null;
  let skippedLines = 0;
  let step = 0;
  let current: { id: string; event: Extract<TranscriptEvent, { type: 'assistant' }> } | null = null;

  const log = lenientJsonLines(text, lineSchema);
  skippedLines += log.skipped;
  for (const line of log.lines) {
    if (line.type === 'system') {
      if (line.subtype === 'init') version = line.claude_code_version ?? null;
    } else if (line.type === 'assistant') {
      if (current === null || current.id !== line.message.id) {
        step += 1;
        const event: Extract<TranscriptEvent, { type: 'assistant' }> = { type: 'assistant', step, text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, stopReason: 'end', latencyMs: 0 };
        events.push(event);
        current = { id: line.message.id, event };
      }
      for (const block of line.message.content) {
        if (block.type === 'text' && typeof block.text === 'string') {
          current.event.text = current.event.text === '' ? block.text : `${current.event.text}\n${block.text}`;
          lastAssistantText = current.event.text;
        } else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
          const call: ToolCall = { id: block.id, name: block.name, arguments: block.input };
          toolNames.set(block.id, block.name);
          current.event.toolCalls.push(call);
          current.event.stopReason = 'tool_calls';
        } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
          current.event.reasoning = [...(current.event.reasoning ?? []), { type: 'thinking', text: block.thinking }];
        }
      }
    } else if (line.type === 'user') {
      const blocks = typeof line.message.content === 'string' ? [] : line.message.content;
      for (const block of blocks) {
        if (block.type !== 'tool_result' || typeof block.tool_use_id !== 'string') continue;
        events.push({
          type: 'tool_result',
          step,
          toolCallId: block.tool_use_id,
          tool: toolNames.get(block.tool_use_id) ?? 'unknown',
          isError: block.is_error === true,
          content: textOfResult(block.content),
        });
      }
    } else {
      result = { subtype: line.subtype ?? 'unknown', isError: line.is_error === true, turns: line.num_turns ?? step };
      if (line.result !== undefined) resultText = line.result;
    }
  }
  // An error result's text is Claude Code's own report of the failure (e.g. "API Error: 502 ..."), not the model's words.
  const finalText = result?.isError === true ? lastAssistantText : (resultText ?? lastAssistantText);
  return { events, finalText, version, result, skippedLines };
}
