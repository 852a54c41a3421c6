/**
 * Codex CLI's `codex exec --json` event log, read into the episode's transcript. Codex writes
 * thread/turn events and items (agent_message, reasoning, command_execution, file_change,
 * mcp_tool_call, web_search, todo_list, error), each item started and then completed. The log does
 * not say which items one model reply made: items up to the first tool result are one assistant
 * event, and the next item after a result starts the next (a turn of `exec resume` starts afresh).
 */
import { z } from 'zod';
import type { TranscriptEvent } from '../transcript.js';
import type { AgentLog } from './adapter.js';
import { lenientJsonLines } from '../../util/jsonl.js';

const itemSchema = z.object({ id: z.string(), type: z.string() }).passthrough();
const agentMessage = z.object({ text: z.string() }).passthrough();
const commandExecution = z.object({ command: z.string(), aggregated_output: z.string().optional(), exit_code: z.number().nullable().optional(), status: z.string().optional() }).passthrough();
const fileChange = z.object({ changes: z.array(z.object({ path: z.string(), kind: z.string() }).passthrough()), status: z.string().optional() }).passthrough();
const mcpToolCall = z
  .object({ server: z.string(), tool: z.string(), arguments: z.unknown().optional(), result: z.unknown().optional(), error: z.object({ message: z.string() }).passthrough().nullable().optional(), status: z.string().optional() })
  .passthrough();
const webSearch = z.object({ query: z.string() }).passthrough();

const lineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('thread.started'), thread_id: z.string() }).passthrough(),
  z.object({ type: z.literal('turn.started') }).passthrough(),
  z.object({ type: z.literal('turn.completed') }).passthrough(),
  z.object({ type: z.literal('turn.failed'), error: z.object({ message: z.string() }).passthrough() }).passthrough(),
  z.object({ type: z.literal('item.started'), item: itemSchema }).passthrough(),
  z.object({ type: z.literal('item.updated'), item: itemSchema }).passthrough(),
  z.object({ type: z.literal('item.completed'), item: itemSchema }).passthrough(),
  z.object({ type: z.literal('error'), message: z.string() }).passthrough(),
]);

type Item = z.infer<typeof itemSchema>;
type AssistantEvent = Extract<TranscriptEvent, { type: 'assistant' }>;

/** The item as a tool call the agent made (name and arguments), or null when it is not one. */
function toolCallOf(item: Item): { name: string; arguments: Record<string, unknown> } | null {
  if (item.type === 'command_execution') {
    const c = commandExecution.safeParse(item);
    return c.success ? { name: 'command_execution', arguments: { command: c.data.command } } : null;
  }
  if (item.type === 'file_change') {
    const f = fileChange.safeParse(item);
    return f.success ? { name: 'file_change', arguments: { changes: f.data.changes.map((c) => `${c.kind} ${c.path}`).join('\n') } } : null;
  }
  if (item.type === 'mcp_tool_call') {
    const m = mcpToolCall.safeParse(item);
    return m.success ? { name: `mcp:${m.data.server}/${m.data.tool}`, arguments: { arguments: m.data.arguments ?? null } } : null;
  }
  if (item.type === 'web_search') {
    const w = webSearch.safeParse(item);
    return w.success ? { name: 'web_search', arguments: { query: w.data.query } } : null;
  }
  return null;
}

/** What the finished tool item left: its output and whether it failed. */
function resultOf(item: Item): { content: string; isError: boolean } {
  if (item.type === 'command_execution') {
    const c = commandExecution.parse(item);
    const code = c.exit_code ?? null;
    const failed = c.status === 'failed' || (code !== null && code !== 0);
    const output = c.aggregated_output ?? '';
    return { content: code !== null && code !== 0 ? `${output}${output === '' || output.endsWith('\n') ? '' : '\n'}[exit code ${code}]` : output, isError: failed };
  }
  if (item.type === 'file_change') {
    const f = fileChange.parse(item);
    return { content: f.changes.map((c) => `${c.kind} ${c.path}`).join('\n'), isError: f.status === 'failed' };
  }
  if (item.type === 'mcp_tool_call') {
    const m = mcpToolCall.parse(item);
    if (m.error !== undefined && m.error !== null) return { content: m.error.message, isError: true };
    return { content: JSON.stringify(m.result ?? null), isError: m.status === 'failed' };
  }
  return { content: '', isError: item.status === 'failed' };
}

const apiErrorBody = z.object({ error: z.object({ message: z.string() }).passthrough() }).passthrough();

/** The message of an API error body Codex passes on whole (`{"error":{"message":...}}`), else the text. */
function apiErrorMessage(text: string): string {
  try {
    const body = apiErrorBody.safeParse(JSON.parse(text));
    return body.success ? body.data.error.message : text;
  } catch {
    return text;
  }
}

/** Reads what `codex exec --json` (or `codex exec resume --json`) wrote on stdout. */
export function readCodexLog(stdout: string, firstStep: number): AgentLog {
  const events: TranscriptEvent[] = [];
  const callsById = new Map<string, string>();
  const finished = new Set<string>();
  // The assistant event items are being added to (a holder: the closures below replace it).
  const open: { event: AssistantEvent | null } = { event: null };
  let step = firstStep - 1;
  let finalText: string | null = null;
  let ended = false;
  let skippedLines = 0;

  const assistant = (): AssistantEvent => {
    if (open.event !== null) return open.event;
    step += 1;
    const event: AssistantEvent = { type: 'assistant', step, text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, stopReason: 'end', latencyMs: 0 };
    events.push(event);
    open.event = event;
    return event;
  };
  const startCall = (item: Item): boolean => {
    const call = toolCallOf(item);
    if (call === null) return false;
    if (!callsById.has(item.id)) {
      const event = assistant();
      event.toolCalls.push({ id: item.id, name: call.name, arguments: call.arguments });
      event.stopReason = 'tool_calls';
      callsById.set(item.id, call.name);
    }
    return true;
  };

  const log = lenientJsonLines(stdout, lineSchema);
  skippedLines += log.skipped;
  for (const line of log.lines) {
    if (line.type === 'turn.started') open.event = null;
    else if (line.type === 'turn.completed') ended = true;
    else if (line.type === 'turn.failed' || line.type === 'error') {
      // Codex reports a refused model call twice (an error, then the failed turn), the API's error body as the message.
      const message = apiErrorMessage(line.type === 'error' ? line.message : line.error.message);
      const last = events.at(-1);
      if (!(last?.type === 'model_error' && last.message === message)) events.push({ type: 'model_error', step: open.event?.step ?? step + 1, message });
      if (line.type === 'turn.failed') ended = true;
    } else if (line.type === 'item.started' || line.type === 'item.updated') {
      if (!startCall(line.item)) {
        if (!['agent_message', 'reasoning', 'todo_list', 'error'].includes(line.item.type)) skippedLines += 1;
      }
    } else if (line.type === 'item.completed') {
      const item = line.item;
      if (item.type === 'agent_message' || item.type === 'reasoning') {
        const text = agentMessage.safeParse(item);
        if (!text.success) {
          skippedLines += 1;
          continue;
        }
        const event = assistant();
        if (item.type === 'reasoning') event.reasoning = [...(event.reasoning ?? []), { type: 'thinking', text: text.data.text }];
        else {
          event.text = event.text === '' ? text.data.text : `${event.text}\n${text.data.text}`;
          finalText = text.data.text;
        }
      } else if (item.type === 'error') {
        // Codex's own notices that did not stop it (unknown model metadata, ignored settings).
        const message = z.object({ message: z.string() }).passthrough().safeParse(item);
        events.push({ type: 'model_error', step: open.event?.step ?? step + 1, message: `codex warning: ${message.success ? message.data.message : '(no message)'}` });
      } else if (startCall(item)) {
        if (finished.has(item.id)) continue;
        finished.add(item.id);
        const result = resultOf(item);
        events.push({ type: 'tool_result', step: open.event?.step ?? step, toolCallId: item.id, tool: callsById.get(item.id) ?? item.type, isError: result.isError, content: result.content });
        // The next thing the agent says or does answers this result: a new model reply.
        open.event = null;
      } else if (item.type !== 'todo_list') skippedLines += 1;
    }
  }
  return { events, finalText, version: null, ended, skippedLines };
}
