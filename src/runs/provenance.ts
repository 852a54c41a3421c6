import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/paths.js';

export interface Provenance {
  version: string;
  /** The harness's git commit (with "+dirty" when the work tree had changes), null outside a checkout. */
  commit: string | null;
}

let cached: Promise<Provenance> | null = null;

/** The folders whose changes make a commit "+dirty": what decides how an episode is run and graded. */
const TRACKED = ['src', 'tasks', 'sandboxes', 'conditions', 'docker'];

/**
 * HEAD of the checkout the harness runs from, "+dirty" when those folders have changes (untracked
 * files included); null outside a checkout or before its first commit. One `git status` tells
 * both (starting a process costs the harness more than git's own work).
 */
async function gitCommit(): Promise<string | null> {
  // Loaded here, while the episode's containers start, not with the episode's modules.
  const { simpleGit } = await import('simple-git');
  const out = await simpleGit(projectRoot).raw(['status', '--porcelain=v2', '--branch', '--untracked-files=all', '--', ...TRACKED]);
  const lines = out.split('\n').filter((line) => line !== '');
  const head = /^# branch\.oid ([0-9a-f]{40,64})$/.exec(lines.find((line) => line.startsWith('# branch.oid ')) ?? '')?.[1];
  if (head === undefined) return null;
  return lines.some((line) => !line.startsWith('#')) ? `${head}+dirty` : head;
}

/** Which harness made a record: recorded in every episode so results can be traced to code. */
export function harnessProvenance(): Promise<Provenance> {
  cached ??= (async () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: string };
    const version = pkg.version ?? '0.0.0';
    try {
      return { version, commit: await gitCommit() };
    } catch {
      return { version, commit: null };
    }
  })();
  return cached;
}
