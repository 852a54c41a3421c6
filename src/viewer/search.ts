/**
 * Full-text search over a run's transcripts, done on the server so that the page never loads them:
 * each transcript.jsonl is read one at a time (whole when small, else streamed line by line), only
 * from the episode folders the store lists (real folders of the run, not links) and opened without
 * following a link and only as a regular file (never a FIFO); a line that cannot hold the text is
 * skipped before it is parsed, and the search stops at a cap of hits or at its time budget, saying so. Matching is
 * case-insensitive on what the episode page shows: messages, the model's words and reasoning,
 * tool calls and their outputs. The result is JSON; the page shows it as text only.
 */
import type { FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { parseTranscriptLine, readModelCall } from '../agent/transcript.js';
import { EPISODE_FILES } from '../runs/record.js';
import { openRegularNoFollow } from './paths.js';
import type { RunsStore } from './store.js';
import { formatArguments } from './transcript.js';
import type { SearchEpisode, SearchField, SearchHit, SearchResult } from './types.js';

export const SEARCH_QUERY_MIN = 2;
export const SEARCH_QUERY_MAX = 200;

/** Row fields a search can be limited by (the episodes list's filters): only the episodes with these values are read. */
export type SearchScope = Partial<Record<'agent' | 'model' | 'condition' | 'task' | 'kind' | 'category' | 'verdict' | 'claim' | 'review', string>>;

export interface SearchOptions {
  reasoningOnly?: boolean;
  scope?: SearchScope;
  /** Hits listed in all (the search stops there). */
  maxHits?: number;
  /** Hits listed per episode; the rest are counted. */
  hitsPerEpisode?: number;
  /** Milliseconds the search may take. */
  budgetMs?: number;
}

export const SEARCH_DEFAULTS = { maxHits: 300, hitsPerEpisode: 20, budgetMs: 10_000 } as const;

/** Characters of context shown before and after a match. */
const CONTEXT_BEFORE = 70;
const CONTEXT_AFTER = 110;
/** Matches counted in one field at most. */
const COUNT_CAP = 999;

/** The query as a one-line problem, or null when it may be searched. */
export function queryProblem(query: string): string | null {
  const length = query.trim().length;
  if (length < SEARCH_QUERY_MIN || query.length > SEARCH_QUERY_MAX) return `q: give ${SEARCH_QUERY_MIN} to ${SEARCH_QUERY_MAX} characters to search for`;
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Matcher {
  /** False when the raw JSON line cannot contain the query (checked before parsing it). */
  mayContain(line: string): boolean;
  hit(text: string): { at: number; length: number; count: number } | null;
}

function matcher(query: string): Matcher {
  const pattern = new RegExp(escapeRegExp(query), 'giu');
  // The writer's JSON.stringify escapes a character the same way wherever it stands, so a line
  // whose field holds the text holds the text's escaped form; for non-ASCII queries, whose case
  // rules differ between toLowerCase and the regex, every line is parsed.
  const ascii = /^[\x20-\x7e]*$/.test(query);
  const escaped = JSON.stringify(query.toLowerCase()).slice(1, -1);
  return {
    mayContain: (line) => !ascii || line.toLowerCase().includes(escaped) || line.includes('\\u'),
    hit(text) {
      pattern.lastIndex = 0;
      const first = pattern.exec(text);
      if (first === null) return null;
      let count = 1;
      if (first[0].length > 0) while (count < COUNT_CAP && pattern.exec(text) !== null) count++;
      return { at: first.index, length: first[0].length, count };
    },
  };
}

/** The searchable fields of one transcript line, as the episode page shows them. */
function fieldsOf(line: string): { step: number | null; type: string; fields: [SearchField, string][] } {
  const parsed = parseTranscriptLine(line);
  if ('problem' in parsed) return { step: null, type: 'invalid', fields: [['line', line]] };
  const e = parsed.event;
  const fields: [SearchField, string][] = [];
  const call = readModelCall(e);
  if (call !== null) {
    // A CLI agent's model call: its reply as an assistant turn, then the request it sent.
    for (const r of call.reply?.reasoning ?? []) if (r.type === 'thinking') fields.push(['reasoning', r.text]);
    if (call.reply !== null && call.reply.text !== '') fields.push(['text', call.reply.text]);
    for (const c of call.reply?.toolCalls ?? []) fields.push(['tool call', `${c.name}: ${formatArguments(c.name, c.arguments, c.rawArguments)}`]);
    if (call.error !== null) fields.push(['message', call.error]);
    fields.push(['request', JSON.stringify(call.request, null, 2) ?? '']);
    return { step: e.step ?? null, type: e.type, fields };
  }
  for (const r of e.reasoning ?? []) if (r.type === 'thinking') fields.push(['reasoning', r.text]);
  if (e.text !== undefined) fields.push(['text', e.text]);
  for (const call of e.toolCalls ?? []) fields.push(['tool call', `${call.name}: ${formatArguments(call.name, call.arguments, call.rawArguments)}`]);
  if (e.exec !== undefined) {
    fields.push(['stdout', e.exec.stdout], ['stderr', e.exec.stderr]);
  } else if (e.content !== undefined) {
    fields.push(['content', e.content]);
  }
  if (e.type !== 'end' && e.message !== undefined) fields.push(['message', e.message]);
  return { step: e.step ?? null, type: e.type, fields };
}

function snippet(text: string, at: number, length: number): Pick<SearchHit, 'before' | 'match' | 'after'> {
  const from = Math.max(0, at - CONTEXT_BEFORE);
  const to = Math.min(text.length, at + length + CONTEXT_AFTER);
  return {
    before: `${from > 0 ? '…' : ''}${text.slice(from, at)}`,
    match: text.slice(at, at + length),
    after: `${text.slice(at + length, to)}${to < text.length ? '…' : ''}`,
  };
}

/** A transcript this small is read in one piece; a larger one is streamed line by line. */
const READ_WHOLE = 4 << 20;

/** The lines of an open transcript; the caller closes the handle. */
async function* transcriptLines(handle: FileHandle): AsyncGenerator<string> {
  const { size } = await handle.stat();
  if (size <= READ_WHOLE) {
    yield* (await handle.readFile('utf8')).split(/\r?\n/);
    return;
  }
  const stream = handle.createReadStream({ encoding: 'utf8', autoClose: false });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    yield* lines;
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** Searches every transcript of a run, in the episodes' order. null when there is no such run. */
export async function searchRun(store: RunsStore, run: string, query: string, options: SearchOptions = {}): Promise<SearchResult | null> {
  if ((await store.runDir(run)) === null) return null;
  const maxHits = options.maxHits ?? SEARCH_DEFAULTS.maxHits;
  const perEpisode = options.hitsPerEpisode ?? SEARCH_DEFAULTS.hitsPerEpisode;
  const deadline = Date.now() + (options.budgetMs ?? SEARCH_DEFAULTS.budgetMs);
  const reasoningOnly = options.reasoningOnly === true;
  const match = matcher(query);
  const scope = Object.entries(options.scope ?? {}).filter((e): e is [keyof SearchScope, string] => e[1] !== undefined && e[1] !== '');
  const entries = (await store.episodes(run)).filter((e) => scope.every(([k, v]) => e.row[k] === v));
  const episodes: SearchEpisode[] = [];
  let hits = 0;
  let searched = 0;
  let stopped: SearchResult['stopped'] = null;

  for (const entry of entries) {
    if (hits >= maxHits) {
      stopped = 'hits';
      break;
    }
    if (Date.now() > deadline) {
      stopped = 'time';
      break;
    }
    // The store listed the folder as a real folder of the run (not a link); the file itself is
    // opened without following a link and only as a regular file.
    const handle = await openRegularNoFollow(join(entry.dir, EPISODE_FILES.transcript));
    searched++;
    if (handle === null) continue;
    const found: SearchEpisode = {
      id: entry.id,
      href: entry.row.href,
      verdict: entry.row.verdict,
      falseFlag: entry.row.falseFlag,
      kind: entry.row.kind,
      agent: entry.row.agent,
      model: entry.row.model,
      condition: entry.row.condition,
      hits: [],
      more: 0,
    };
    let index = -1;
    try {
      for await (const line of transcriptLines(handle)) {
        if (line === '') continue;
        index++;
        if (Date.now() > deadline) {
          stopped = 'time';
          break;
        }
        if (!match.mayContain(line)) continue;
        const event = fieldsOf(line);
        for (const [field, text] of event.fields) {
          if (reasoningOnly && field !== 'reasoning') continue;
          const m = match.hit(text);
          if (m === null) continue;
          if (found.hits.length < perEpisode && hits < maxHits) {
            found.hits.push({ index, step: event.step, type: event.type, field, ...snippet(text, m.at, m.length), matches: m.count });
            hits++;
          } else {
            found.more++;
          }
        }
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
    if (found.hits.length > 0 || found.more > 0) episodes.push(found);
    if (stopped !== null) break;
  }
  return { query, reasoningOnly, episodes, hits, searched, total: entries.length, stopped };
}
