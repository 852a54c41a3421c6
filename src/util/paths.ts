import { fileURLToPath } from 'node:url';
import { dirname, join, resolve, sep } from 'node:path';
import { homedir } from 'node:os';
import { existsSync } from 'node:fs';

/** The repository root: where package.json, tasks/, sandboxes/ and conditions/ live. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sandboxes'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve('.');
    dir = parent;
  }
}

export const projectRoot = findRoot();
export const tasksDir = process.env.IBENCH_TASKS_DIR ?? join(projectRoot, 'tasks');
export const sandboxesDir = join(projectRoot, 'sandboxes');
export const conditionsDir = join(projectRoot, 'conditions');
export const dockerDir = join(projectRoot, 'docker');
/**
 * Models and other downloads. In a source checkout, `<repo>/.cache`; in an installed package (under
 * node_modules), the user's cache directory, so that reinstalling the package keeps them.
 */
function defaultCacheDir(): string {
  if (!projectRoot.split(sep).includes('node_modules')) return join(projectRoot, '.cache');
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'impossible-bench');
}

export const cacheDir = process.env.IBENCH_CACHE_DIR ?? defaultCacheDir();
