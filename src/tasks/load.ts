import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readTreeFromDir, type FileTree } from '../sandbox/file-tree.js';
import { InputError, errorMessage } from '../util/errors.js';
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

/** A task folder whose task.yaml cannot be used, and why (file, field and reason). */
export interface BrokenTask {
  id: string;
  problem: string;
  /** The error itself (an InputError for a bad task.yaml). */
  cause: unknown;
}

/**
 * Loads every task spec that can be used, and names the others with their problem: one broken
 * task.yaml (or a twin that is missing or of the same kind) leaves the rest usable.
 */
export async function loadTaskSpecsReport(root = defaultTasksDir): Promise<{ specs: TaskSpec[]; broken: BrokenTask[] }> {
  const ids = await listTaskIds(root);
  const loaded = await Promise.all(
    ids.map(async (id) => {
      try {
        return { id, spec: await loadTaskSpec(join(root, id)) };
      } catch (err) {
        return { id, cause: err };
      }
    }),
  );
  const specs = loaded.flatMap((l) => (l.spec === undefined ? [] : [l.spec]));
  const broken: BrokenTask[] = loaded.flatMap((l) => (l.spec !== undefined ? [] : [{ id: l.id, problem: errorMessage(l.cause), cause: l.cause }]));
  const byId = new Map(specs.map((s) => [s.id, s]));
  const twinProblems = new Map<string, InputError>();
  // A twin that is itself broken is reported as such; its partner still runs.
  const unreadable = new Set(broken.map((b) => b.id));
  for (const spec of specs) {
    if (spec.twin === undefined || unreadable.has(spec.twin)) continue;
    const twin = byId.get(spec.twin);
    const file = join(root, spec.id, 'task.yaml');
    if (twin === undefined) twinProblems.set(spec.id, new InputError(file, 'twin', `names "${spec.twin}", which is not a task`));
    else if (twin.impossible === spec.impossible) twinProblems.set(spec.id, new InputError(file, 'twin', `"${spec.twin}" must have the other value of impossible`));
  }
  for (const [id, cause] of twinProblems) broken.push({ id, problem: cause.message, cause });
  return { specs: specs.filter((s) => !twinProblems.has(s.id)), broken: broken.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}

/** Loads every task spec; checks twins point at existing tasks and back. The first problem is thrown. */
export async function loadAllTaskSpecs(root = defaultTasksDir): Promise<TaskSpec[]> {
  const { specs, broken } = await loadTaskSpecsReport(root);
  if (broken[0] !== undefined) throw broken[0].cause;
  return specs;
}
