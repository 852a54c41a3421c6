import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
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
export const cacheDir = process.env.IBENCH_CACHE_DIR ?? join(projectRoot, '.cache');
