import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../util/errors.js';
import { QA_FILES } from '../qa/record.js';
import { episodeSample, evalScores, inspectLog, inspectLogFileName, qaSample, qaScores, readTranscript } from './export-inspect.js';
import { episodeRow, qaRow, renderJsonl, renderRowsCsv, type ExportRow } from './export-rows.js';
import { harnessProvenance } from './provenance.js';
import { readQaRecords, readRunManifest, summarizeQa } from './qa-report.js';
import { readRunRecords, summarize } from './report.js';
import type { RunManifest } from './run-dir.js';

import { INSPECT_LOG_DIR, type ExportFormat } from './export-names.js';

export { exportFormats, INSPECT_LOG_DIR, type ExportFormat } from './export-names.js';

async function manifestOf(runDir: string): Promise<RunManifest | null> {
  return existsSync(join(runDir, 'run.json')) ? readRunManifest(runDir) : null;
}


export interface ExportedRun {
  text: string;
  /** Episodes (or QA records) in it. */
  count: number;
  /** For an Inspect log: the file name Inspect would give it. */
  inspectName?: string;
}

/** A run directory (eval or QA) in one of the export formats, as the text of one file. */
export async function exportRun(runDir: string, format: ExportFormat): Promise<ExportedRun> {
  const manifest = await manifestOf(runDir);
  if (manifest?.kind === 'qa') {
    if (!existsSync(join(runDir, QA_FILES.dir))) throw new InputError(runDir, '', `not a QA run directory: it has no ${QA_FILES.dir}/ folder`);
    const records = await readQaRecords(runDir);
    if (format === 'inspect') {
      const log = inspectLog({ runDir, manifest, harness: await harnessProvenance(), samples: records.map(qaSample), scores: qaScores(summarizeQa(records, manifest, runDir)) });
      return { text: `${JSON.stringify(log, null, 2)}\n`, count: records.length, inspectName: inspectLogFileName(log) };
    }
    return { text: renderRows(records.map(qaRow), format), count: records.length };
  }
  const records = await readRunRecords(runDir);
  if (format === 'inspect') {
    const samples = await Promise.all(records.map(async (r) => episodeSample(r, await readTranscript(join(runDir, 'episodes', r.id)))));
    const log = inspectLog({ runDir, manifest, harness: await harnessProvenance(), samples, scores: evalScores(summarize(records, runDir)) });
    return { text: `${JSON.stringify(log, null, 2)}\n`, count: records.length, inspectName: inspectLogFileName(log) };
  }
  return { text: renderRows(records.map(episodeRow), format), count: records.length };
}

function renderRows(rows: ExportRow[], format: 'jsonl' | 'csv'): string {
  return format === 'jsonl' ? renderJsonl(rows) : renderRowsCsv(rows);
}
