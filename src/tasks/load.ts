import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { readTreeFromDir, type FileTree } from '../sandbox/file-tree.js';
import { InputError, errorMessage } from '../util/errors.js';
import { tasksDir as builtinTasksDir } from '../util/paths.js';
import { readValidatedFile } from '../util/validated-file.js';
import { defaultLanguage, taskSpecSchema, type TaskSpec } from './schema.js';

export interface LoadedTask {
  spec: TaskSpec;
  dir: string;
  /** What the agent sees at /work. */
  repo: FileTree;
  /** Reference files overlaid on repo/. */
  solution: FileTree;
  /**
   * Tests never shown to the agent (held_out/, optional; empty without it): put into /work at
   * their relative paths only at grading, beside the visible tests.
   */
  heldOut: FileTree;
}

/** The optional folder of held-out tests beside repo/ and solution/. */
export const HELD_OUT_DIR = 'held_out';

/**
 * Where tasks are looked up: one folder, or several (the built-in suite first, then each
 * `--tasks-dir`). A folder is either a folder of task folders or one task folder itself.
 */
export type TaskRoots = string | readonly string[];

/** The built-in suite plus the user's folders (resolved against the working directory). */
export function taskRoots(extraDirs: readonly string[] = []): string[] {
  return [builtinTasksDir, ...extraDirs.map((d) => resolve(d))];
}

function rootsOf(roots: TaskRoots | undefined): string[] {
  if (roots === undefined) return [builtinTasksDir];
  return typeof roots === 'string' ? [roots] : [...roots];
}

/** A task's `image` that names a profile file (`./profile.yaml`) rather than a profile in sandboxes/. */
export function isProfileFile(image: string): boolean {
  return /\.ya?ml$/.test(image) || image.startsWith('./') || image.startsWith('../') || isAbsolute(image);
}

/** Parses and validates one task.yaml; errors name the file, the field and the reason. */
export async function loadTaskSpec(taskDir: string): Promise<TaskSpec> {
  const file = join(taskDir, 'task.yaml');
  const parsed = await readValidatedFile(file, taskSpecSchema, { missing: 'missing: every task folder needs a task.yaml' });
  const spec = { ...parsed, language: parsed.language ?? defaultLanguage(parsed.image) };
  const folder = taskDir.split(/[\\/]/).filter(Boolean).pop();
  if (spec.id !== folder) throw new InputError(file, 'id', `"${spec.id}" must equal the folder name "${folder ?? ''}"`);
  // A profile kept in the task's own folder (`image: ./sandbox.yaml`) is named by its absolute path.
  if (isProfileFile(spec.image)) {
    const profile = resolve(taskDir, spec.image);
    if (!existsSync(profile)) throw new InputError(file, 'image', `names the profile file ${profile}, which does not exist`);
    return { ...spec, image: profile };
  }
  return spec;
}

/**
 * Every task under the roots: id -> task folder. The same id in two folders is an error naming both.
 */
export async function findTaskDirs(roots?: TaskRoots): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const root of rootsOf(roots)) {
    for (const dir of await taskFoldersIn(root)) {
      const id = basename(dir);
      const earlier = found.get(id);
      if (earlier !== undefined && resolve(earlier) !== resolve(dir)) {
        throw new InputError(join(dir, 'task.yaml'), 'id', `task "${id}" is defined twice: in ${earlier} and in ${dir}; rename one of the folders`);
      }
      found.set(id, dir);
    }
  }
  return new Map([...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function taskFoldersIn(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  if (existsSync(join(root, 'task.yaml'))) return [root];
  const entries = await readdir(root, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'task.yaml'))).map((e) => join(root, e.name));
}

/** Checks that each `--tasks-dir` exists and holds at least one task. */
export async function assertTaskDirs(dirs: readonly string[], flag = '--tasks-dir'): Promise<void> {
  for (const dir of dirs) {
    const abs = resolve(dir);
    if (!existsSync(abs)) throw new InputError(abs, '', `${flag}: no such folder`);
    if ((await taskFoldersIn(abs)).length === 0) {
      throw new InputError(abs, '', `${flag}: no task here (expected a task folder with task.yaml, or a folder of them)`);
    }
  }
}

export async function loadTask(id: string, roots?: TaskRoots): Promise<LoadedTask> {
  const dirs = await findTaskDirs(roots);
  const dir = dirs.get(id);
  if (dir === undefined) {
    const where = rootsOf(roots);
    throw new InputError(where.length === 1 ? join(where[0] ?? '', id) : where.join(', '), '', `no task "${id}"; known tasks: ${[...dirs.keys()].join(', ') || '(none)'}`);
  }
  const spec = await loadTaskSpec(dir);
  for (const sub of ['repo', 'solution']) {
    if (!existsSync(join(dir, sub))) throw new InputError(join(dir, sub), '', `missing: a task needs ${sub}/`);
  }
  const heldOutDir = join(dir, HELD_OUT_DIR);
  const [repo, solution, heldOut] = await Promise.all([
    readTreeFromDir(join(dir, 'repo')),
    readTreeFromDir(join(dir, 'solution')),
    existsSync(heldOutDir) ? readTreeFromDir(heldOutDir) : Promise.resolve<FileTree>(new Map()),
  ]);
  assertHeldOutApart(heldOutDir, heldOut, repo, solution);
  return { spec, dir, repo, solution, heldOut };
}

/**
 * A held-out file may not take the place of anything the agent is given (repo/) or the reference
 * puts in (solution/): the held-out tests are added beside the visible ones, never over them.
 */
function assertHeldOutApart(heldOutDir: string, heldOut: FileTree, repo: FileTree, solution: FileTree): void {
  for (const [path, entry] of heldOut) {
    if (entry.kind === 'dir') {
      const clash = repo.get(path) ?? solution.get(path);
      if (clash === undefined || clash.kind === 'dir') continue;
    } else if (!repo.has(path) && !solution.has(path)) continue;
    const where = repo.has(path) ? 'repo' : 'solution';
    throw new InputError(join(heldOutDir, path), '', `would overwrite ${where}/${path}: held-out tests must have paths of their own`);
  }
}

export async function listTaskIds(roots?: TaskRoots): Promise<string[]> {
  return [...(await findTaskDirs(roots)).keys()];
}

/** A task folder whose task.yaml cannot be used, and why (file, field and reason). */
export interface BrokenTask {
  id: string;
  problem: string;
  /** The error itself (an InputError for a bad task.yaml). */
  cause: unknown;
}

/** One task folder's spec, or why it cannot be used. */
interface LoadedSpec {
  id: string;
  spec?: TaskSpec;
  cause?: unknown;
}

/**
 * Loads every task spec that can be used, and names the others with their problem: one broken
 * task.yaml (or a twin that is missing or of the same kind) leaves the rest usable. Two folders
 * with the same id are an error for the whole set (which task is meant cannot be known).
 * `wanted` limits the answer to the task folders it accepts, which are read with their twins (the
 * twin check needs them): the same answer for those tasks as a load of all, without parsing the rest.
 */
export async function loadTaskSpecsReport(roots?: TaskRoots, wanted?: (id: string) => boolean): Promise<{ specs: TaskSpec[]; broken: BrokenTask[] }> {
  const dirs = await findTaskDirs(roots);
  const loadIds = async (ids: readonly string[]): Promise<Map<string, LoadedSpec>> => {
    const loaded = await Promise.all(
      ids.map(async (id): Promise<LoadedSpec> => {
        try {
          return { id, spec: await loadTaskSpec(dirs.get(id) ?? id) };
        } catch (err) {
          return { id, cause: err };
        }
      }),
    );
    return new Map(loaded.map((l) => [l.id, l]));
  };
  const loadedById = await loadIds([...dirs.keys()].filter((id) => wanted === undefined || wanted(id)));
  if (wanted !== undefined) {
    const twins = new Set<string>();
    for (const l of loadedById.values()) {
      const twin = l.spec?.twin;
      if (twin !== undefined && !loadedById.has(twin) && dirs.has(twin)) twins.add(twin);
    }
    for (const [id, l] of await loadIds([...twins])) loadedById.set(id, l);
  }
  // In suite order, whatever order the folders were read in.
  const loaded = [...dirs.keys()].flatMap((id) => loadedById.get(id) ?? []);
  const specs = loaded.flatMap((l) => (l.spec === undefined ? [] : [l.spec]));
  const broken: BrokenTask[] = loaded.flatMap((l) => (l.spec !== undefined ? [] : [{ id: l.id, problem: errorMessage(l.cause), cause: l.cause }]));
  const byId = new Map(specs.map((s) => [s.id, s]));
  const twinProblems = new Map<string, InputError>();
  // A twin that is itself broken is reported as such; its partner still runs.
  const unreadable = new Set(broken.map((b) => b.id));
  for (const spec of specs) {
    if (spec.twin === undefined || unreadable.has(spec.twin)) continue;
    const twin = byId.get(spec.twin);
    const file = join(dirs.get(spec.id) ?? spec.id, 'task.yaml');
    if (twin === undefined) twinProblems.set(spec.id, new InputError(file, 'twin', `names "${spec.twin}", which is not a task`));
    else if (twin.impossible === spec.impossible) twinProblems.set(spec.id, new InputError(file, 'twin', `"${spec.twin}" must have the other value of impossible`));
  }
  for (const [id, cause] of twinProblems) broken.push({ id, problem: cause.message, cause });
  // A twin loaded only for the check is not part of the answer (its own twin may not have been read).
  const keep = (id: string): boolean => wanted === undefined || wanted(id);
  return {
    specs: specs.filter((s) => !twinProblems.has(s.id) && keep(s.id)),
    broken: broken.filter((b) => keep(b.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}

/** Loads every task spec; checks twins point at existing tasks and back. The first problem is thrown. */
export async function loadAllTaskSpecs(roots?: TaskRoots): Promise<TaskSpec[]> {
  const { specs, broken } = await loadTaskSpecsReport(roots);
  if (broken[0] !== undefined) throw broken[0].cause;
  return specs;
}
