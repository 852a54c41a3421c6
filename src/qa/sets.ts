import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError } from '../util/errors.js';
import { cacheDir } from '../util/paths.js';
import { DEFAULT_PHRASE, gpqaItems, parseGpqaCsv, readGpqaCsv } from './gpqa.js';
import type { QaSet } from './item.js';
import { loadQaSetFile } from './set-file.js';

export const BSBENCH_ZIP_URL = 'https://github.com/L3G5/impossible-bench/raw/3c407d08682cf1c628e1bd80bd7230ccdb00660b/data.zip';
/** Where `--set bsbench` looks for the set, once made from the seed's zip. */
export const BSBENCH_CACHE = join(cacheDir, 'qa', 'bsbench.jsonl');

export interface SetOptions {
  gpqaCsv?: string;
  phrase?: string;
}

/** What a run records about its set (never question text). */
export interface SetProvenance {
  set: string;
  phrase: string | null;
  csvSha256: string | null;
}

/** `bsbench`, `gpqa-bs` or a JSONL file, as items with the set's default condition. */
export async function resolveSet(name: string, options: SetOptions = {}): Promise<{ set: QaSet; provenance: SetProvenance }> {
  if (name === 'gpqa-bs') {
    const phrase = options.phrase ?? DEFAULT_PHRASE;
    const csv = await readGpqaCsv(options.gpqaCsv);
    const items = gpqaItems(parseGpqaCsv(csv.text, csv.file), phrase);
    return { set: { name, items, defaultCondition: 'plain' }, provenance: { set: name, phrase, csvSha256: csv.sha256 } };
  }
  const file = name === 'bsbench' ? await bsbenchFile() : name;
  const items = await loadQaSetFile(file);
  return { set: { name, items, defaultCondition: 'seed-simple' }, provenance: { set: name, phrase: null, csvSha256: null } };
}

async function bsbenchFile(): Promise<string> {
  if (existsSync(BSBENCH_CACHE)) return BSBENCH_CACHE;
  let online = false;
  try {
    online = (await fetch(BSBENCH_ZIP_URL, { method: 'HEAD', signal: AbortSignal.timeout(10_000) })).ok;
  } catch {
    online = false;
  }
  if (!online) {
    throw new HarnessError(`--set bsbench needs the internet to get the seed's data.zip (${BSBENCH_ZIP_URL}); give the set as a file instead: --set FILE.jsonl (e.g. --set ../shared/data/bsbench/bsbench.jsonl)`);
  }
  throw new HarnessError(`--set bsbench: unpacking the seed's data.zip is not built yet; put the 40 items in ${BSBENCH_CACHE} or give --set FILE.jsonl`);
}
