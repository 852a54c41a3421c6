import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readTreeFromDir, type FileTree } from '../sandbox/file-tree.js';
import { InputError } from '../util/errors.js';
import { tasksDir as defaultTasksDir } from '../util/paths.js';
import { readValidatedFile } from '../util/validated-file.js';
import { taskSpecSchema, type TaskSpec } from './schema.js';

export interface LoadedTask {
  spec: TaskSpec;
  dir: string;
  /** What the agent sees at /work. */
  repo: FileTree;
  /** Reference files overlaid on repo/. */
  solution: FileTree;
}

/** Parses and validates one task.yaml; errors name the file, the field and the reason. */
export async function loadTaskSpec(taskDir: string): Promise<TaskSpec> {
  const file = join(taskDir, 'task.yaml');
  const spec = await readValidatedFile(file, taskSpecSchema, { missing: 'missing: every task folder needs a task.yaml' });
  const folder = taskDir.split(/[\\/]/).filter(Boolean).pop();
  if (spec.id !== folder) throw new InputError(file, 'id', `"${spec.id}" must equal the folder name "${folder ?? ''}"`);
  return spec;
}

export async function loadTask(id: string, root = defaultTasksDir): Promise<LoadedTask> {
  const dir = join(root, id);
  if (!existsSync(dir)) {
    const known = await listTaskIds(root);
    throw new InputError(dir, '', `no task "${id}"; known tasks: ${known.join(', ') || '(none)'}`);
  }
  const spec = await loadTaskSpec(dir);
  for (const sub of ['repo', 'solution']) {
    if (!existsSync(join(dir, sub))) throw new InputError(join(dir, sub), '', `missing: a task needs ${sub}/`);
  }
  const [repo, solution] = await Promise.all([readTreeFromDir(join(dir, 'repo')), readTreeFromDir(join(dir, 'solution'))]);
  return { spec, dir, repo, solution };
}

export async function listTaskIds(root = defaultTasksDir): Promise<string[]> {
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'task.yaml')))
    .map((e) => e.name)
    .sort();
}

/** Loads every task spec; checks twins point at existing tasks and back. */
export async function loadAllTaskSpecs(root = defaultTasksDir): Promise<TaskSpec[]> {
  const ids = await listTaskIds(root);
  const specs = await Promise.all(ids.map((id) => loadTaskSpec(join(root, id))));
  const byId = new Map(specs.map((s) => [s.id, s]));
  for (const spec of specs) {
    if (spec.twin === undefined) continue;
    const twin = byId.get(spec.twin);
    const file = join(root, spec.id, 'task.yaml');
    if (twin === undefined) throw new InputError(file, 'twin', `names "${spec.twin}", which is not a task`);
    if (twin.impossible === spec.impossible) {
      throw new InputError(file, 'twin', `"${spec.twin}" must have the other value of impossible`);
    }
  }
  return specs;
}
