/**
 * Reads transcript.jsonl in pages without loading a huge file at once: an index of line offsets
 * per file (extended as the file grows while an episode runs), a page read from byte offsets, and
 * every shown text cut to FIELD_CAP characters with the whole one available as text/plain.
 * The caller gives a path in a folder it checked; the file itself is opened without following a
 * link (a transcript.jsonl that is a link out of the runs folder reads as no transcript).
 */
import type { FileHandle } from 'node:fs/promises';
import { parseTranscriptLine, readModelCall, type ModelCallRead } from '../agent/transcript.js';
import { openRegularNoFollow } from './paths.js';
import type { EventView, ExecView, FieldView, ReasoningView, ToolCallView, TranscriptPage } from './types.js';

/** Characters of one output shown in the page; the rest is one link away. */
export const FIELD_CAP = 20_000;
/** Events per page. */
export const PAGE_EVENTS = 200;
/** A page stops early once it holds this many characters of text. */
export const PAGE_CHARS = 1_500_000;

const CHUNK = 1 << 20;

interface LineIndex {
  size: number;
  mtimeMs: number;
  ino: number;
  /** Bytes scanned: everything before it is complete lines. */
  scanned: number;
  starts: number[];
  ends: number[];
}

const indexes = new Map<string, LineIndex>();
/** Line indexes kept at most (the least recently used go first). */
const MAX_INDEXES = 500;
/** One update of a file's index at a time (two requests for the same file must not both extend it). */
const updating = new Map<string, Promise<LineIndex>>();

/** The line index of a file, extended to its current size (rebuilt if it shrank or was replaced). */
function lineIndex(path: string): Promise<LineIndex> {
  const previous = updating.get(path) ?? Promise.resolve(null);
  const next = previous.catch(() => null).then(() => updateIndex(path));
  updating.set(path, next);
  void next.finally(() => {
    if (updating.get(path) === next) updating.delete(path);
  }).catch(() => undefined);
  return next;
}

async function openTranscript(path: string): Promise<FileHandle> {
  const handle = await openRegularNoFollow(path);
  if (handle === null) throw new Error(`${path}: not a regular file`);
  return handle;
}

async function updateIndex(path: string): Promise<LineIndex> {
  const handle = await openTranscript(path);
  try {
    return await extendIndex(path, handle);
  } finally {
    await handle.close();
  }
}

async function extendIndex(path: string, handle: FileHandle): Promise<LineIndex> {
  const info = await handle.stat();
  let index = indexes.get(path);
  if (index === undefined || info.size < index.size || info.ino !== index.ino || (info.size === index.size && info.mtimeMs !== index.mtimeMs)) {
    index = { size: 0, mtimeMs: 0, ino: info.ino, scanned: 0, starts: [], ends: [] };
    indexes.set(path, index);
  }
  // Most recently used last: the first key is the one to drop.
  indexes.delete(path);
  indexes.set(path, index);
  while (indexes.size > MAX_INDEXES) {
    const oldest = indexes.keys().next().value;
    if (oldest === undefined) break;
    indexes.delete(oldest);
  }
  if (info.size === index.scanned) {
    index.size = info.size;
    index.mtimeMs = info.mtimeMs;
    return index;
  }
  const buffer = Buffer.alloc(CHUNK);
  let lineStart = index.scanned;
  let pos = index.scanned;
  while (pos < info.size) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, info.size - pos), pos);
    if (bytesRead === 0) break;
    let from = 0;
    for (;;) {
      const nl = buffer.indexOf(10, from);
      if (nl === -1 || nl >= bytesRead) break;
      const end = pos + nl;
      if (end > lineStart) {
        index.starts.push(lineStart);
        index.ends.push(end);
      }
      lineStart = end + 1;
      from = nl + 1;
    }
    pos += bytesRead;
  }
  // A last line without its newline is still being written: left for the next call.
  index.scanned = lineStart;
  index.size = info.size;
  index.mtimeMs = info.mtimeMs;
  return index;
}

/** Forgets the cached index of a file (tests, and the export once it is done). */
export function forgetIndex(path?: string): void {
  if (path === undefined) indexes.clear();
  else indexes.delete(path);
}

async function readLines(path: string, index: LineIndex, from: number, to: number): Promise<string[]> {
  if (from >= to) return [];
  const start = index.starts[from] ?? 0;
  const end = index.ends[to - 1] ?? start;
  const handle = await openTranscript(path);
  try {
    const buffer = Buffer.alloc(end - start);
    await handle.read(buffer, 0, buffer.length, start);
    const out: string[] = [];
    for (let i = from; i < to; i++) {
      out.push(buffer.toString('utf8', (index.starts[i] ?? 0) - start, (index.ends[i] ?? 0) - start));
    }
    return out;
  } finally {
    await handle.close();
  }
}

function field(text: string, index: number, name: string): FieldView {
  const truncated = text.length > FIELD_CAP;
  return {
    text: truncated ? text.slice(0, FIELD_CAP) : text,
    length: text.length,
    truncated,
    rawHref: truncated ? eventFieldHref(index, name) : null,
  };
}

/** Where the whole text of one event's field is served, relative to the episode page. */
export function eventFieldHref(index: number, name: string): string {
  return `events/${index}/${name}.txt`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A tool call's arguments as a person reads them: bash's command as is, other strings unquoted. */
export function formatArguments(name: string, args: unknown, raw: string | undefined): string {
  if (!isRecord(args)) return raw ?? JSON.stringify(args) ?? '';
  // The builtin loop's `bash`, and Claude Code's `Bash`.
  if (name.toLowerCase() === 'bash' && typeof args.command === 'string') {
    const rest = Object.entries(args).filter(([k]) => k !== 'command');
    return rest.length === 0 ? args.command : `${args.command}\n${rest.map(([k, v]) => `# ${k}: ${JSON.stringify(v)}`).join('\n')}`;
  }
  return Object.entries(args)
    .map(([k, v]) => (typeof v === 'string' ? (v.includes('\n') ? `${k}:\n${v}` : `${k}: ${v}`) : `${k}: ${JSON.stringify(v)}`))
    .join('\n');
}

const textFields = ['content', 'text', 'stdout', 'stderr', 'line'] as const;

function emptyView(index: number, type: string): EventView {
  return {
    index,
    seq: null,
    t: null,
    type,
    content: null,
    pushback: false,
    step: null,
    text: null,
    toolCalls: [],
    reasoning: [],
    usage: null,
    stopReason: null,
    latencyMs: null,
    refusal: null,
    tool: null,
    toolCallId: null,
    isError: false,
    exec: null,
    message: null,
    line: null,
    call: null,
  };
}

/** JSON as the page shows it, indented; a value JSON cannot hold (undefined) shows as null. */
function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

function toolCallViews(calls: readonly { id: string; name: string; arguments?: unknown; rawArguments?: string | undefined; argumentsError?: string | undefined }[], index: number): ToolCallView[] {
  return calls.map(
    (call, i): ToolCallView => ({
      id: call.id,
      name: call.name,
      args: field(formatArguments(call.name, call.arguments, call.rawArguments), index, `args-${i}`),
      argumentsError: call.argumentsError ?? null,
    }),
  );
}

function reasoningViews(blocks: readonly ({ type: 'thinking'; text: string } | { type: 'redacted_thinking'; data: string })[], index: number): ReasoningView[] {
  return blocks.map((r, i): ReasoningView => (r.type === 'thinking' ? { kind: 'thinking', text: field(r.text, index, `reasoning-${i}`) } : { kind: 'redacted', length: r.data.length }));
}

/** A model_call event: the reply shown like an assistant turn, the record's facts and JSON in `call`. */
function modelCallView(view: EventView, call: ModelCallRead, index: number): EventView {
  const reply = call.reply;
  return {
    ...view,
    text: reply === null ? null : field(reply.text, index, 'text'),
    toolCalls: toolCallViews(reply?.toolCalls ?? [], index),
    reasoning: reasoningViews(reply?.reasoning ?? [], index),
    usage: reply?.usage === undefined ? null : { inputTokens: reply.usage.inputTokens, outputTokens: reply.usage.outputTokens },
    stopReason: reply?.stopReason ?? null,
    latencyMs: call.latencyMs,
    message: call.error,
    call: {
      api: call.api,
      path: call.path,
      status: call.status,
      stream: call.stream,
      at: call.at ?? null,
      error: call.error,
      request: field(prettyJson(call.request), index, 'request'),
      reply: field(prettyJson(call.reply), index, 'reply'),
    },
  };
}

/** One line of the transcript as the page shows it. */
export function eventView(line: string, index: number): EventView {
  const parsed = parseTranscriptLine(line);
  if ('problem' in parsed) return { ...emptyView(index, 'invalid'), message: `line ${index + 1}: ${parsed.problem}`, line: field(line, index, 'line') };
  const e = parsed.event;
  const view = emptyView(index, e.type);
  view.seq = e.seq ?? null;
  view.t = e.t ?? null;
  view.step = e.step ?? null;
  if (e.content !== undefined) view.content = field(e.content, index, 'content');
  view.pushback = e.pushback === true;
  if (e.text !== undefined) view.text = field(e.text, index, 'text');
  const call = readModelCall(e);
  if (call !== null) return modelCallView(view, call, index);
  view.toolCalls = toolCallViews(e.toolCalls ?? [], index);
  view.reasoning = reasoningViews(e.reasoning ?? [], index);
  view.usage = e.usage === undefined ? null : { inputTokens: e.usage.inputTokens, outputTokens: e.usage.outputTokens };
  view.stopReason = e.stopReason ?? null;
  view.latencyMs = e.latencyMs ?? null;
  view.refusal = e.refusal ?? null;
  view.tool = e.tool ?? null;
  view.toolCallId = e.toolCallId ?? null;
  view.isError = e.isError === true;
  if (e.exec !== undefined) {
    const x = e.exec;
    const exec: ExecView = {
      exitCode: x.exitCode,
      timedOut: x.timedOut === true,
      oomKilled: x.oomKilled === true,
      outputLimitHit: x.outputLimitHit === true,
      durationMs: x.durationMs ?? 0,
      stdoutBytes: x.stdoutBytes ?? Buffer.byteLength(x.stdout),
      stderrBytes: x.stderrBytes ?? Buffer.byteLength(x.stderr),
      stdout: field(x.stdout, index, 'stdout'),
      stderr: field(x.stderr, index, 'stderr'),
    };
    view.exec = exec;
  }
  if (e.type === 'end') view.message = `${e.reason ?? ''}${e.steps === undefined ? '' : ` after ${e.steps} steps`}`;
  else if (e.message !== undefined) view.message = e.message;
  return view;
}

function viewChars(view: EventView): number {
  let n = (view.content?.text.length ?? 0) + (view.text?.text.length ?? 0) + (view.line?.text.length ?? 0) + (view.message?.length ?? 0);
  for (const call of view.toolCalls) n += call.args.text.length;
  for (const r of view.reasoning) if (r.kind === 'thinking') n += r.text.text.length;
  if (view.exec !== null) n += view.exec.stdout.text.length + view.exec.stderr.text.length;
  if (view.call !== null) n += view.call.request.text.length + view.call.reply.text.length;
  return n;
}

/**
 * Events from line `from` on: at most `limit`, and fewer when they hold more than PAGE_CHARS of
 * text (always at least one). A missing file is an empty transcript.
 */
export async function readTranscriptPage(
  path: string,
  from: number,
  options: { limit?: number; chars?: number; finished?: boolean } = {},
): Promise<TranscriptPage> {
  const limit = options.limit ?? PAGE_EVENTS;
  const budget = options.chars ?? PAGE_CHARS;
  const finished = options.finished ?? true;
  let index: LineIndex;
  try {
    index = await lineIndex(path);
  } catch {
    return { from, events: [], next: null, total: 0, finished };
  }
  const total = index.starts.length;
  const start = Math.max(0, Math.min(from, total));
  const stop = Math.min(total, start + Math.max(1, limit));
  const lines = await readLines(path, index, start, stop);
  const events: EventView[] = [];
  let chars = 0;
  for (const [i, line] of lines.entries()) {
    const view = eventView(line, start + i);
    chars += viewChars(view);
    events.push(view);
    if (chars > budget) break;
  }
  const end = start + events.length;
  return { from: start, events, next: end < total ? end : null, total, finished };
}

/** The whole text of one field of one event (what a folded output links to); null if there is none. */
export async function readEventField(path: string, lineNumber: number, name: string): Promise<string | null> {
  let index: LineIndex;
  try {
    index = await lineIndex(path);
  } catch {
    return null;
  }
  if (!Number.isInteger(lineNumber) || lineNumber < 0 || lineNumber >= index.starts.length) return null;
  const [line] = await readLines(path, index, lineNumber, lineNumber + 1);
  if (line === undefined) return null;
  if (name === 'line') return line;
  const parsed = parseTranscriptLine(line);
  if ('problem' in parsed) return null;
  const e = parsed.event;
  const modelCall = readModelCall(e);
  if (modelCall !== null) {
    if (name === 'request') return prettyJson(modelCall.request);
    if (name === 'reply') return prettyJson(modelCall.reply);
    if (name === 'text') return modelCall.reply?.text ?? null;
  }
  const toolCalls = modelCall === null ? e.toolCalls : modelCall.reply?.toolCalls;
  const reasoningBlocks = modelCall === null ? e.reasoning : modelCall.reply?.reasoning;
  const args = /^args-(\d+)$/.exec(name);
  if (args !== null) {
    const call = toolCalls?.[Number(args[1])];
    return call === undefined ? null : formatArguments(call.name, call.arguments, call.rawArguments);
  }
  const reasoning = /^reasoning-(\d+)$/.exec(name);
  if (reasoning !== null) {
    const block = reasoningBlocks?.[Number(reasoning[1])];
    return block?.type === 'thinking' ? block.text : null;
  }
  switch (name as (typeof textFields)[number]) {
    case 'content':
      return e.content ?? null;
    case 'text':
      return e.text ?? null;
    case 'stdout':
      return e.exec?.stdout ?? null;
    case 'stderr':
      return e.exec?.stderr ?? null;
    default:
      return null;
  }
}

/** The names of the fields of an event that were cut (the export writes their whole text). */
export function truncatedFields(view: EventView): string[] {
  const out: string[] = [];
  if (view.content?.truncated === true) out.push('content');
  if (view.text?.truncated === true) out.push('text');
  if (view.line?.truncated === true) out.push('line');
  if (view.exec?.stdout.truncated === true) out.push('stdout');
  if (view.exec?.stderr.truncated === true) out.push('stderr');
  view.toolCalls.forEach((call, i) => {
    if (call.args.truncated) out.push(`args-${i}`);
  });
  view.reasoning.forEach((r, i) => {
    if (r.kind === 'thinking' && r.text.truncated) out.push(`reasoning-${i}`);
  });
  if (view.call?.request.truncated === true) out.push('request');
  if (view.call?.reply.truncated === true) out.push('reply');
  return out;
}
