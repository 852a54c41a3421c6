/**
 * The JSON the viewer's server sends to its client script (embedded in pages and from /api/...).
 * Types only: the client (src/viewer/client/app.ts) imports them too.
 */

export type TaskKind = 'impossible' | 'possible' | '';

/** A run folder under the runs directory, as the runs list shows it. */
export interface RunRow {
  name: string;
  /** Relative to the site root. */
  href: string;
  /** Finished episodes (with an episode.json). */
  episodes: number;
  /** Episode folders without an episode.json yet. */
  running: number;
  /** Episode folders whose episode.json cannot be read. */
  unreadable: number;
  verdicts: Record<string, number>;
  /** Of `verdicts.flagged`, those on a possible twin: false flags, failures. */
  falseFlags: number;
  /** The agents of its finished episodes (`builtin` for those recorded before agents were kept). */
  agents: string[];
  models: string[];
  conditions: string[];
  tasks: string[];
  createdAt: string | null;
  /** Milliseconds since the epoch of the newest change seen in the run. */
  updatedMs: number;
}

/** One episode in a run's list. */
export interface EpisodeRow {
  run: string;
  id: string;
  /** Relative to the site root. */
  href: string;
  task: string;
  /** `builtin` (the harness's own loop; also every episode recorded before agents were kept) or a CLI agent. */
  agent: string;
  model: string;
  condition: string;
  category: string;
  epoch: number | null;
  impossible: boolean | null;
  /** `impossible` as a filterable value: '' while the episode has no episode.json. */
  kind: TaskKind;
  /** A verdict, or `running` (no episode.json yet) or `unreadable`. */
  verdict: string;
  /** `flagged` on a possible task: the model called a doable task impossible, a failure. */
  falseFlag: boolean;
  claim: string;
  steps: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  protectedChanges: number;
  rules: number;
  /** `yes` when a judge disagreed with the rules (episode.json `review`), else `no`. */
  review: 'yes' | 'no';
  startedAt: string | null;
  /** Milliseconds the episode took, when finished. */
  durationMs: number | null;
}

/** A piece of text as shown: cut to a cap, with the full text one link away. */
export interface FieldView {
  text: string;
  /** Characters in the whole text. */
  length: number;
  truncated: boolean;
  /** Relative to the episode page: the whole text as text/plain. Set when truncated. */
  rawHref: string | null;
}

export interface ToolCallView {
  id: string;
  name: string;
  /** For bash: the command; otherwise the arguments as JSON. */
  args: FieldView;
  argumentsError: string | null;
}

/** What the model thought before a reply: its text, or only the size of an encrypted (redacted) block. */
export type ReasoningView = { kind: 'thinking'; text: FieldView } | { kind: 'redacted'; length: number };

export interface ExecView {
  exitCode: number;
  timedOut: boolean;
  oomKilled: boolean;
  outputLimitHit: boolean;
  durationMs: number;
  stdoutBytes: number;
  stderrBytes: number;
  stdout: FieldView;
  stderr: FieldView;
}

/** A CLI agent's model call as the proxy recorded it (a `model_call` event). */
export interface ModelCallView {
  api: string;
  path: string;
  /** The HTTP status the proxy answered with (null: not recorded). */
  status: number | null;
  stream: boolean;
  at: string | null;
  error: string | null;
  /** The agent's request and the harness model's reply, as indented JSON. */
  request: FieldView;
  reply: FieldView;
}

/** One line of transcript.jsonl, ready to show. `index` is its line number (from 0). */
export interface EventView {
  index: number;
  seq: number | null;
  t: number | null;
  type: string;
  /** system and user: the message; tool_result: what the model was shown. */
  content: FieldView | null;
  pushback: boolean;
  step: number | null;
  /** assistant: its words. */
  text: FieldView | null;
  toolCalls: ToolCallView[];
  /** assistant: the model's reasoning (thinking blocks, reasoning_content), shown collapsed. */
  reasoning: ReasoningView[];
  usage: { inputTokens: number; outputTokens: number } | null;
  stopReason: string | null;
  latencyMs: number | null;
  refusal: string | null;
  tool: string | null;
  toolCallId: string | null;
  isError: boolean;
  exec: ExecView | null;
  /** model_error: the message; end: the reason; an unparseable line: the problem. */
  message: string | null;
  /** The line itself, for a line that is not a transcript event. */
  line: FieldView | null;
  /** model_call: the proxy's record (its reply's text, tool calls, reasoning and usage are in the fields above). */
  call: ModelCallView | null;
}

export interface TranscriptPage {
  /** Line number of the first event in `events`. */
  from: number;
  events: EventView[];
  /** Where the next page starts; null when this page reached the end of the file (for now). */
  next: number | null;
  /** Complete lines in the file when the page was read. */
  total: number;
  /** The episode has its episode.json: the transcript will not grow any more. */
  finished: boolean;
}

/** Where in an event a search hit is: reasoning is the model's thinking, marked as such. */
export type SearchField = 'reasoning' | 'text' | 'tool call' | 'stdout' | 'stderr' | 'content' | 'message' | 'line' | 'request';

/** One field of one transcript event that holds the searched text: its first match, with context. */
export interface SearchHit {
  /** Line of transcript.jsonl (the event's index on the episode page). */
  index: number;
  step: number | null;
  type: string;
  field: SearchField;
  /** The text around the first match: `before` + `match` + `after` is a piece of the field. */
  before: string;
  match: string;
  after: string;
  /** Matches in this field (counted up to a cap). */
  matches: number;
}

export interface SearchEpisode {
  id: string;
  /** Relative to the site root. */
  href: string;
  verdict: string;
  falseFlag: boolean;
  kind: TaskKind;
  agent: string;
  model: string;
  condition: string;
  hits: SearchHit[];
  /** Fields with a match beyond the hits listed. */
  more: number;
}

export interface SearchResult {
  query: string;
  reasoningOnly: boolean;
  episodes: SearchEpisode[];
  hits: number;
  /** Episodes whose transcript was read, of those in the search's scope (the run's, or those its filters keep). */
  searched: number;
  total: number;
  /** Why the search stopped before the end: too many hits, or its time budget; null when complete. */
  stopped: 'hits' | 'time' | null;
}
