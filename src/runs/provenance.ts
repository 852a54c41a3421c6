import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/paths.js';

export interface Provenance {
  version: string;
  /** The harness's git commit (with "+dirty" when the work tree had changes), null outside a checkout. */
  commit: string | null;
}

let cached: Promise<Provenance> | null = null;

/** Which harness made a record: recorded in every episode so results can be traced to code. */
export function harnessProvenance(): Promise<Provenance> {
  cached ??= (async () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: string };
    const version = pkg.version ?? '0.0.0';
    try {
      // Loaded here, while the episode's containers start, not with the episode's modules.
      const { simpleGit } = await import('simple-git');
      const git = simpleGit(projectRoot);
      if (!(await git.checkIsRepo())) return { version, commit: null };
      const head = (await git.revparse(['HEAD'])).trim();
      const status = await git.status(['--porcelain', '--', 'src', 'tasks', 'sandboxes', 'conditions', 'docker']);
      return { version, commit: status.isClean() ? head : `${head}+dirty` };
    } catch {
      return { version, commit: null };
    }
  })();
  return cached;
}
