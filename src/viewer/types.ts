/**
 * The JSON the viewer's server sends to its client script (embedded in pages and from /api/...).
 * Types only: the client (src/viewer/client/app.ts) imports them too.
 */

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
  model: string;
  condition: string;
  category: string;
  epoch: number | null;
  impossible: boolean | null;
  /** A verdict, or `running` (no episode.json yet) or `unreadable`. */
  verdict: string;
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
