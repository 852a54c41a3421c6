/**
 * `ibench view --export DIR`: the same pages as the server, written as a static site that opens
 * from file:// (links end in index.html; transcript pages after the first are data scripts; the
 * compare page carries the list of every episode).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { dirname, join, resolve } from 'node:path';
import { EPISODE_FILES } from '../runs/record.js';
import { UsageError } from '../util/errors.js';
import { ASSET_NAMES, asset } from './assets.js';
import { jsonForScript } from './escape.js';
import { rawFileHref } from './pages.js';
import { openInside, safeJoin } from './paths.js';
import { buildComparePage, buildEpisodePage, buildEpisodesPage, buildReportMarkdown, buildRunPage, buildRunsPage, contextFor } from './site.js';
import { buildQaReportMarkdown, buildQaRunPage, qaItemPage, qaRecords, qaRunNames } from './qa.js';
import { RunsStore } from './store.js';
import { forgetIndex, readEventField, readTranscriptPage, truncatedFields } from './transcript.js';
import type { EpisodeRow, TranscriptPage } from './types.js';

/** Marks a folder as made by the export, so that exporting into it again is allowed. */
export const EXPORT_MARKER = '.ibench-view-export';

export interface ExportResult {
  dir: string;
  runs: number;
  episodes: number;
  files: number;
}

export async function exportSite(runsDir: string, outDir: string): Promise<ExportResult> {
  const out = resolve(outDir);
  if (existsSync(out) && (await readdir(out)).length > 0 && !existsSync(join(out, EXPORT_MARKER))) {
    throw new UsageError(`--export ${outDir}: the folder is not empty and was not made by \`ibench view --export\`; give a new or empty folder`);
  }
  const store = new RunsStore(runsDir, 'index.html');
  let files = 0;
  const write = async (segments: string[], body: string): Promise<void> => {
    const path = safeJoin(out, segments);
    if (path === null) throw new UsageError(`cannot export ${segments.join('/')}: not a plain name`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
    files += 1;
  };
  await mkdir(out, { recursive: true });
  await write([EXPORT_MARKER], 'made by `ibench view --export`\n');
  for (const name of ASSET_NAMES) await write(['assets', name], (await asset(name)).body);
  await write(['index.html'], await buildRunsPage(store, contextFor(0, false, 'index.html'), runsDir));

  const all: EpisodeRow[] = [];
  const runs = await store.runNames();
  for (const run of runs) for (const e of await store.episodes(run)) all.push(e.row);
  const byTask = new Map<string, EpisodeRow[]>();
  for (const row of all) byTask.set(row.task, [...(byTask.get(row.task) ?? []), row]);
  await write(['compare', 'index.html'], buildComparePage(contextFor(1, false, 'index.html'), all));

  let episodes = 0;
  for (const run of runs) {
    const summary = await buildRunPage(store, contextFor(2, false, 'index.html'), run);
    if (summary === null) continue;
    await write(['runs', run, 'index.html'], summary);
    await write(['runs', run, 'report.md'], (await buildReportMarkdown(store, run)) ?? '');
    await write(['runs', run, 'episodes', 'index.html'], (await buildEpisodesPage(store, contextFor(3, false, 'index.html'), run)) ?? '');
    for (const entry of await store.episodes(run)) {
      const base = ['runs', run, 'episodes', entry.id];
      const built = await buildEpisodePage(store, contextFor(4, false, 'index.html'), run, entry.id, { kind: 'script', prefix: 'transcript/' }, byTask.get(entry.row.task) ?? []);
      if (built === null) continue;
      await write([...base, 'index.html'], built.html);
      for (const name of Object.values(EPISODE_FILES)) {
        const from = join(entry.dir, name);
        const to = safeJoin(out, [...base, ...rawFileHref(contextFor(4, false, 'index.html'), name).split('/')]);
        if (to === null) continue;
        // Copied only as a regular file inside the runs folder: a link out of it is left out.
        const source = await openInside(store.root, from);
        if (source === null) continue;
        await mkdir(dirname(to), { recursive: true });
        await pipeline(source.createReadStream({ autoClose: true }), createWriteStream(to));
        files += 1;
      }
      // The pages after the first (which is in the episode page) as data scripts, and the whole
      // text of every folded output.
      const transcript = join(entry.dir, EPISODE_FILES.transcript);
      const finished = entry.record !== null;
      let page: TranscriptPage | null = built.first;
      while (page !== null) {
        if (page !== built.first) await write([...base, 'transcript', `${page.from}.js`], `window.ibenchTranscriptPage(${jsonForScript(page)});\n`);
        for (const event of page.events) {
          for (const field of truncatedFields(event)) {
            const text = await readEventField(transcript, event.index, field);
            if (text !== null) await write([...base, 'events', String(event.index), `${field}.txt`], text);
          }
        }
        page = page.next === null ? null : await readTranscriptPage(transcript, page.next, { finished });
      }
      forgetIndex(transcript);
      episodes += 1;
    }
  }
  // QA runs: the run page and one page per item (GPQA-BS items without their text).
  const qaRuns = await qaRunNames(store);
  for (const run of qaRuns) {
    const page = await buildQaRunPage(store, contextFor(2, false, 'index.html'), run);
    if (page === null) continue;
    await write(['runs', run, 'index.html'], page);
    await write(['runs', run, 'report.md'], (await buildQaReportMarkdown(store, run)) ?? '');
    for (const record of await qaRecords(store, run)) {
      await write(['runs', run, 'items', record.id, 'index.html'], qaItemPage(contextFor(4, false, 'index.html'), run, record));
      episodes += 1;
    }
  }
  return { dir: out, runs: runs.length + qaRuns.length, episodes, files };
}
