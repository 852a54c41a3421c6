/**
 * The pages of the site, made the same way for the server and for the static export: a page's
 * data is read from the store, then rendered by pages.ts.
 */
import { join } from 'node:path';
import { EPISODE_FILES } from '../runs/record.js';
import { summarize, renderMarkdown } from '../runs/report.js';
import { comparePage, episodePage, episodesPage, runSummaryPage, runsPage, type EpisodePageInput, type PageContext } from './pages.js';
import { allRunRows } from './qa.js';
import type { RunsStore } from './store.js';
import { readTranscriptPage } from './transcript.js';
import type { EpisodeRow, TranscriptPage } from './types.js';

/** The first transcript page, embedded in the episode page, holds at most this much text. */
export const FIRST_PAGE_CHARS = 400_000;

export function contextFor(depth: number, live: boolean, index: '' | 'index.html'): PageContext {
  return { root: '../'.repeat(depth), live, index };
}

export async function buildRunsPage(store: RunsStore, ctx: PageContext, shownDir: string): Promise<string> {
  return runsPage(ctx, shownDir, await allRunRows(store));
}

export async function buildRunPage(store: RunsStore, ctx: PageContext, run: string): Promise<string | null> {
  const row = await store.runRow(run);
  if (row === null) return null;
  return runSummaryPage(ctx, run, await store.episodes(run), row);
}

export async function buildReportMarkdown(store: RunsStore, run: string): Promise<string | null> {
  if ((await store.runDir(run)) === null) return null;
  const records = (await store.episodes(run)).flatMap((e) => (e.record === null ? [] : [e.record]));
  return renderMarkdown(summarize(records, run));
}

export async function buildEpisodesPage(store: RunsStore, ctx: PageContext, run: string): Promise<string | null> {
  if ((await store.runDir(run)) === null) return null;
  return episodesPage(ctx, run, (await store.episodes(run)).map((e) => e.row));
}

export async function buildEpisodePage(
  store: RunsStore,
  ctx: PageContext,
  run: string,
  id: string,
  source: EpisodePageInput['transcriptSource'],
  sameTask?: EpisodeRow[],
): Promise<{ html: string; first: TranscriptPage } | null> {
  const listed = await store.episode(run, id);
  if (listed === null) return null;
  const finished = listed.record !== null;
  const [transcript, diff, pristineFile, agentFile] = await Promise.all([
    readTranscriptPage(join(listed.dir, EPISODE_FILES.transcript), 0, { chars: FIRST_PAGE_CHARS, finished }),
    store.readText(join(listed.dir, EPISODE_FILES.diff)),
    store.readText(join(listed.dir, EPISODE_FILES.pristine)),
    store.readText(join(listed.dir, EPISODE_FILES.agent)),
  ]);
  // The cached record lacks only the test outputs: episode.json (which can be tens of MB) is read
  // whole again only when their files are missing.
  const full = finished && (pristineFile === null || agentFile === null) ? await store.fullRecord(run, id) : null;
  const entry = full === null ? listed : { ...listed, record: full };
  const pristine = pristineFile ?? (full?.evidence?.pristineTests?.output ?? null);
  const agent = agentFile ?? (full?.evidence?.agentTests?.output ?? null);
  const html = episodePage(ctx, {
    entry,
    transcript,
    diff: finished ? diff : null,
    pristine,
    agent,
    sameTask: sameTask ?? (await store.sameTask(entry.row.task)),
    transcriptSource: source,
  });
  return { html, first: transcript };
}

export function buildComparePage(ctx: PageContext, rows: EpisodeRow[]): string {
  return comparePage(ctx, Object.fromEntries(rows.map((r) => [`${r.run}/${r.id}`, r])));
}
