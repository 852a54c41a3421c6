import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/errors.js';
import type { ChatMessage, Model, ModelReply, ToolSpec } from './types.js';

const messageSchema = z.object({ role: z.enum(['system', 'user', 'assistant', 'tool']), content: z.string() }).strict();
const lineSchema = z.object({ messages: z.array(messageSchema).min(1), response: z.string() }).strict();

type ReplayMessage = z.infer<typeof messageSchema>;
interface ReplayLine {
  line: number;
  messages: ReplayMessage[];
  response: string;
}

/** The conversation as a replay file writes it: role and text only (tool calls are not replayed). */
export function replayMessages(messages: readonly ChatMessage[]): ReplayMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content }));
}

const conversationKey = (messages: readonly ReplayMessage[]): string => JSON.stringify(messages.map((m) => [m.role, m.content]));

/** Parsed files by path and modification time, so one file serves many items without being read again. */
const cache = new Map<string, { mtimeMs: number; lines: ReplayLine[]; byKey: Map<string, ReplayLine> }>();

/**
 * `replay:FILE.jsonl`: answers a conversation equal to a line's `messages` (system message included)
 * with its `response`, text only. It re-scores recorded answers without calling anyone. The first
 * line with the conversation answers it; a conversation not in the file is an error naming the
 * file and the closest line.
 */
export class ReplayModel implements Model {
  private constructor(
    readonly spec: string,
    private readonly file: string,
    private readonly lines: ReplayLine[],
    private readonly byKey: Map<string, ReplayLine>,
  ) {}

  static async fromFile(file: string): Promise<ReplayModel> {
    const path = resolve(file);
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(path)).mtimeMs;
    } catch {
      throw new InputError(file, '', 'cannot read the replay file (JSONL: one {"messages": [...], "response": "..."} a line)');
    }
    let entry = cache.get(path);
    if (entry === undefined || entry.mtimeMs !== mtimeMs) {
      const lines = parseReplayFile(await readFile(path, 'utf8'), file);
      const byKey = new Map<string, ReplayLine>();
      for (const l of lines) {
        const key = conversationKey(l.messages);
        if (!byKey.has(key)) byKey.set(key, l);
      }
      entry = { mtimeMs, lines, byKey };
      cache.set(path, entry);
    }
    return new ReplayModel(`replay:${file}`, file, entry.lines, entry.byKey);
  }

  generate(messages: ChatMessage[], _tools: ToolSpec[]): Promise<ModelReply> {
    const asked = replayMessages(messages);
    const found = this.byKey.get(conversationKey(asked));
    if (found === undefined) return Promise.reject(new InputError(this.file, '', `no line answers this conversation; ${closest(this.lines, asked)}`));
    return Promise.resolve({ text: found.response, toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, stopReason: 'end', latencyMs: 0 });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function parseReplayFile(text: string, file: string): ReplayLine[] {
  const out: ReplayLine[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const raw = (rows[i] ?? '').trim();
    if (raw === '') continue;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (err) {
      throw new InputError(file, `line ${i + 1}`, `not valid JSON: ${(err as Error).message}`);
    }
    const parsed = lineSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue === undefined || issue.path.length === 0 ? '' : `: ${issue.path.join('.')}`;
      throw new InputError(file, `line ${i + 1}${field}`, `${issue?.message ?? 'invalid'}; expected {"messages": [{"role", "content"}...], "response": "..."}`);
    }
    out.push({ line: i + 1, ...parsed.data });
  }
  if (out.length === 0) throw new InputError(file, '', 'the replay file has no line');
  return out;
}

/** The line sharing the longest run of leading messages with the conversation, and where they part. */
function closest(lines: readonly ReplayLine[], asked: readonly ReplayMessage[]): string {
  let best: { line: ReplayLine; same: number } | undefined;
  for (const line of lines) {
    let same = 0;
    while (same < line.messages.length && same < asked.length && line.messages[same]?.role === asked[same]?.role && line.messages[same]?.content === asked[same]?.content) same += 1;
    if (best === undefined || same > best.same) best = { line, same };
  }
  if (best === undefined) return 'the file is empty';
  const { line, same } = best;
  const theirs = line.messages[same];
  const ours = asked[same];
  const differs =
    theirs === undefined ? `the line has ${line.messages.length} message(s), the conversation ${asked.length}`
    : ours === undefined ? `the line has ${line.messages.length} message(s), the conversation ${asked.length}`
    : theirs.role !== ours.role ? `message ${same + 1} is ${ours.role}, the line's is ${theirs.role}`
    : `message ${same + 1} (${ours.role}) differs at character ${firstDifference(theirs.content, ours.content)}`;
  return `closest is line ${line.line} (${same} leading message(s) equal; ${differs})`;
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return i + 1;
}
