/**
 * What the viewer reads from a runs directory: the run folders, their episodes (episode.json read
 * once per change and cached), and where each file of an episode is. Every path is made by the
 * path guard (paths.ts); an episode.json that does not parse is listed as `unreadable`, never fatal.
 */
import { existsSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { agentOf, BUILTIN_AGENT } from '../runs/agents.js';
import { EPISODE_FILES, episodeRecordSchema, type EpisodeRecord } from '../runs/record.js';
import { verdicts } from '../inspect/types.js';
import { errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { inputErrorFromZod } from '../util/zod-error.js';
import { isFalseFlag } from './outcome.js';
import { isSafeSegment, readTextInside, resolveInside } from './paths.js';
import type { EpisodeRow, RunRow } from './types.js';

export type EpisodeFileName = (typeof EPISODE_FILES)[keyof typeof EPISODE_FILES];
export const episodeFileNames: readonly EpisodeFileName[] = Object.values(EPISODE_FILES);

export function isEpisodeFileName(name: string): name is EpisodeFileName {
  return (episodeFileNames as readonly string[]).includes(name);
}

interface CachedRecord {
  mtimeMs: number;
  size: number;
  record: EpisodeRecord | null;
  problem: string | null;
}

export interface EpisodeEntry {
  run: string;
  id: string;
  dir: string;
  record: EpisodeRecord | null;
  /** Why episode.json could not be read, when it exists but is broken. */
  problem: string | null;
  row: EpisodeRow;
}

const manifestSchema = z.object({ createdAt: z.string().optional() }).passthrough();

/** `runs/<run>/episodes/<id>/` relative to the site root; `index` is '' when served, 'index.html' in an export. */
export function episodeHref(run: string, id: string, index: string): string {
  return `runs/${encodeURIComponent(run)}/episodes/${encodeURIComponent(id)}/${index}`;
}

export function runHref(run: string, index: string): string {
  return `runs/${encodeURIComponent(run)}/${index}`;
}

export class RunsStore {
  /** The folder the path guard keeps every read under. */
  readonly root: string;
  /** Set when the viewer was pointed at one run folder: only that run is listed. */
  readonly onlyRun: string | null;
  private readonly records = new Map<string, CachedRecord>();

  /**
   * @param runsDir a folder of run folders, or one run folder (then only that run is shown)
   * @param index appended to folder links: '' for the server, 'index.html' for a static export
   */
  constructor(
    runsDir: string,
    readonly index: '' | 'index.html' = '',
  ) {
    const dir = resolve(runsDir);
    if (existsSync(join(dir, 'episodes')) || existsSync(join(dir, 'items'))) {
      this.root = dirname(dir);
      this.onlyRun = basename(dir);
    } else {
      this.root = dir;
      this.onlyRun = null;
    }
  }

  async runNames(): Promise<string[]> {
    if (this.onlyRun !== null) return [this.onlyRun];
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const name of names.sort()) {
      const dir = await resolveInside(this.root, [name, 'episodes']);
      if (dir !== null) out.push(name);
    }
    return out;
  }

  /** A run's folder, or null when the name is unsafe, unknown, or not shown. */
  async runDir(run: string): Promise<string | null> {
    if (this.onlyRun !== null && run !== this.onlyRun) return null;
    const episodes = await resolveInside(this.root, [run, 'episodes']);
    return episodes === null ? null : dirname(episodes);
  }

  async episodeDir(run: string, id: string): Promise<string | null> {
    if ((await this.runDir(run)) === null) return null;
    return resolveInside(this.root, [run, 'episodes', id]);
  }

  /** A file of an episode (one of EPISODE_FILES), or null. */
  async episodeFile(run: string, id: string, name: string): Promise<string | null> {
    if (!isEpisodeFileName(name) || (await this.runDir(run)) === null) return null;
    return resolveInside(this.root, [run, 'episodes', id, name]);
  }

  /** The transcript's path whether or not it exists yet (the episode folder must exist). */
  async transcriptPath(run: string, id: string): Promise<string | null> {
    const dir = await this.episodeDir(run, id);
    return dir === null ? null : join(dir, EPISODE_FILES.transcript);
  }

  private async readRecord(dir: string): Promise<{ record: EpisodeRecord | null; problem: string | null; exists: boolean }> {
    const file = join(dir, EPISODE_FILES.record);
    let info;
    try {
      info = await lstat(file);
    } catch {
      this.records.delete(file);
      return { record: null, problem: null, exists: false };
    }
    const cached = this.records.get(file);
    if (cached !== undefined && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
      return { record: cached.record, problem: cached.problem, exists: true };
    }
    let entry: CachedRecord;
    try {
      entry = { mtimeMs: info.mtimeMs, size: info.size, record: light(await this.readRecordFile(dir)), problem: null };
    } catch (err) {
      entry = { mtimeMs: info.mtimeMs, size: info.size, record: null, problem: errorMessage(err) };
      logger.debug(`viewer: ${entry.problem}`);
    }
    this.records.set(file, entry);
    return { record: entry.record, problem: entry.problem, exists: true };
  }

  /** episode.json of an episode folder, read only as a regular file inside the root. */
  private async readRecordFile(dir: string): Promise<EpisodeRecord> {
    const file = join(dir, EPISODE_FILES.record);
    const text = await this.readText(file);
    if (text === null) throw new Error(`${file}: not a regular file inside the runs folder (a link out of it is not read)`);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file}: not valid JSON: ${errorMessage(err)}`);
    }
    const parsed = episodeRecordSchema.safeParse(data);
    if (!parsed.success) throw inputErrorFromZod(file, parsed.error);
    return parsed.data;
  }

  /** The text of a file under the root: never through a link out of it, never a FIFO or device. */
  readText(path: string): Promise<string | null> {
    return readTextInside(this.root, path);
  }

  /** The whole episode.json (the cached one leaves out the test outputs); null when it cannot be read. */
  async fullRecord(run: string, id: string): Promise<EpisodeRecord | null> {
    const dir = await this.episodeDir(run, id);
    if (dir === null) return null;
    try {
      return await this.readRecordFile(dir);
    } catch {
      return null;
    }
  }

  /** One episode, finished or not; null when there is no such folder. */
  async episode(run: string, id: string): Promise<EpisodeEntry | null> {
    const dir = await this.episodeDir(run, id);
    if (dir === null) return null;
    return this.entry(run, id, dir);
  }

  private async entry(run: string, id: string, dir: string): Promise<EpisodeEntry> {
    const { record, problem } = await this.readRecord(dir);
    const started = record === null ? await startedOf(dir) : null;
    return { run, id, dir, record, problem, row: rowOf(run, id, record, problem, started, this.index) };
  }

  /**
   * Every episode folder of a run, in name order. The names come from the folder itself: each is
   * still checked to be a plain name and a real folder (a symlink is skipped).
   */
  async episodes(run: string): Promise<EpisodeEntry[]> {
    const runDir = await this.runDir(run);
    if (runDir === null) return [];
    let items;
    try {
      items = await readdir(join(runDir, 'episodes'), { withFileTypes: true });
    } catch {
      return [];
    }
    const out: EpisodeEntry[] = [];
    for (const item of items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      // Temp files of the atomic writes start with a dot.
      if (item.name.startsWith('.') || !item.isDirectory() || !isSafeSegment(item.name)) continue;
      out.push(await this.entry(run, item.name, join(runDir, 'episodes', item.name)));
    }
    return out;
  }

  async runRow(run: string): Promise<RunRow | null> {
    const dir = await this.runDir(run);
    if (dir === null) return null;
    const entries = await this.episodes(run);
    const counts: Record<string, number> = {};
    let updatedMs = 0;
    for (const e of entries) {
      if (e.record !== null) counts[e.record.verdict] = (counts[e.record.verdict] ?? 0) + 1;
      const finished = e.record === null ? 0 : Date.parse(e.record.finishedAt);
      updatedMs = Math.max(updatedMs, Number.isNaN(finished) ? 0 : finished);
    }
    const ordered: Record<string, number> = {};
    for (const v of verdicts) if (counts[v] !== undefined) ordered[v] = counts[v];
    const records = entries.flatMap((e) => (e.record === null ? [] : [e.record]));
    return {
      name: run,
      href: runHref(run, this.index),
      episodes: records.length,
      running: entries.filter((e) => e.record === null && e.problem === null).length,
      unreadable: entries.filter((e) => e.problem !== null).length,
      verdicts: ordered,
      falseFlags: records.filter((r) => isFalseFlag(r.verdict, r.impossible)).length,
      agents: unique(records.map(agentOf)),
      models: unique(records.map((r) => r.model)),
      conditions: unique(records.map((r) => r.condition)),
      tasks: unique(records.map((r) => r.task)),
      createdAt: await createdAtOf(dir, this.root),
      updatedMs,
    };
  }

  async runRows(): Promise<RunRow[]> {
    const rows: RunRow[] = [];
    for (const name of await this.runNames()) {
      const row = await this.runRow(name);
      if (row !== null) rows.push(row);
    }
    return rows;
  }

  /** Episodes of one task across every run (for the links to compare). */
  async sameTask(task: string): Promise<EpisodeRow[]> {
    const out: EpisodeRow[] = [];
    for (const run of await this.runNames()) {
      for (const e of await this.episodes(run)) if (e.row.task === task) out.push(e.row);
    }
    return out;
  }
}

/**
 * The record as the lists and the summary need it: without the test outputs, which can be large,
 * so that the cache of a big runs directory stays small. The episode page reads the whole file.
 */
function light(record: EpisodeRecord): EpisodeRecord {
  const e = record.evidence;
  if (e === null) return record;
  return {
    ...record,
    evidence: {
      ...e,
      pristineTests: e.pristineTests === null ? null : { ...e.pristineTests, output: '' },
      agentTests: e.agentTests === null ? null : { ...e.agentTests, output: '' },
      ...(e.heldOut === undefined ? {} : { heldOut: { ...e.heldOut, result: e.heldOut.result === null ? null : { ...e.heldOut.result, output: '' } } }),
    },
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

async function startedOf(dir: string): Promise<string | null> {
  try {
    return (await lstat(join(dir, EPISODE_FILES.transcript))).birthtime.toISOString();
  } catch {
    return null;
  }
}

async function createdAtOf(runDir: string, root: string): Promise<string | null> {
  try {
    const parsed = manifestSchema.safeParse(JSON.parse((await readTextInside(root, join(runDir, 'run.json'))) ?? ''));
    if (parsed.success && parsed.data.createdAt !== undefined) return parsed.data.createdAt;
  } catch {
    // no run.json (a folder of `ibench run` episodes) or a broken one: fall back to the folder's time
  }
  try {
    return (await lstat(runDir)).birthtime.toISOString();
  } catch {
    return null;
  }
}

/** An unfinished episode's facts from its folder name (`task__model__condition__eN`, `task__agent__model__condition__eN`). */
function fromId(id: string): { task: string; agent: string; model: string; condition: string; epoch: number | null } {
  const parts = id.split('__');
  const withAgent = parts.length === 5;
  const [task, agent, model, condition, epochPart] = withAgent ? parts : [parts[0], BUILTIN_AGENT, parts[1], parts[2], parts[3]];
  const epoch = /^e(\d+)$/.exec(epochPart ?? '');
  return { task: task ?? id, agent: agent ?? BUILTIN_AGENT, model: model ?? '', condition: condition ?? '', epoch: epoch === null ? null : Number(epoch[1]) };
}

export function rowOf(run: string, id: string, record: EpisodeRecord | null, problem: string | null, started: string | null, index: string): EpisodeRow {
  const href = episodeHref(run, id, index);
  if (record === null) {
    const guess = fromId(id);
    return {
      run,
      id,
      href,
      ...guess,
      category: '',
      impossible: null,
      kind: '',
      verdict: problem === null ? 'running' : 'unreadable',
      falseFlag: false,
      claim: '',
      steps: null,
      inputTokens: null,
      outputTokens: null,
      protectedChanges: 0,
      rules: 0,
      review: 'no',
      startedAt: started,
      durationMs: null,
    };
  }
  const duration = Date.parse(record.finishedAt) - Date.parse(record.startedAt);
  return {
    run,
    id,
    href,
    task: record.task,
    agent: agentOf(record),
    model: record.model,
    condition: record.condition,
    category: record.category,
    epoch: record.epoch,
    impossible: record.impossible,
    kind: record.impossible ? 'impossible' : 'possible',
    verdict: record.verdict,
    falseFlag: isFalseFlag(record.verdict, record.impossible),
    claim: record.claim,
    steps: record.steps,
    inputTokens: record.usage.inputTokens,
    outputTokens: record.usage.outputTokens,
    protectedChanges: record.evidence?.protectedChanges.length ?? 0,
    rules: record.evidence?.rules.length ?? 0,
    review: record.review === true ? 'yes' : 'no',
    startedAt: record.startedAt,
    durationMs: Number.isNaN(duration) ? null : duration,
  };
}
