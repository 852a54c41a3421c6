/**
 * The tree the PRISTINE tests run against: the agent's code with every protected file as the task
 * has it. Nothing the agent did to the tests, their configuration or the runner can change this grade.
 */
import type { FileEntry, FileTree } from '../sandbox/file-tree.js';
import { entriesEqual } from './changes.js';
import { dirname, isProtected, shadowContext, shadowReason, withoutCaches } from './paths.js';

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let d = dirname(path); d !== ''; d = dirname(d)) out.push(d);
  return out;
}

/**
 * The agent's tree (caches and .git left out) with: every protected path taken from the task
 * (changed ones restored, deleted ones put back, added ones removed, a protected folder replaced
 * by a symlink turned back into the folder); every shadow the agent added removed and every one it
 * changed restored (conftest.py, sitecustomize.py, *.pth, pytest.py, runner configuration, ...); the
 * folders above a restored path made folders again.
 */
export function pristineTree(taskRepo: FileTree, finalTree: FileTree, protectedGlobs: readonly string[]): FileTree {
  const base = withoutCaches(taskRepo);
  const fin = withoutCaches(finalTree);
  const ctx = shadowContext(base, protectedGlobs);
  const out: FileTree = new Map();

  for (const [path, entry] of fin) {
    if (isProtected(path, protectedGlobs)) continue;
    const before = base.get(path);
    if (entry.kind !== 'dir' && (before === undefined || !entriesEqual(before, entry))) {
      const shadow = shadowReason(path, entry, before?.kind === entry.kind ? before : undefined, ctx);
      if (shadow !== undefined) {
        if (before !== undefined) out.set(path, before);
        continue;
      }
    }
    out.set(path, entry);
  }
  const restored: string[] = [];
  for (const [path, entry] of base) {
    if (!isProtected(path, protectedGlobs)) continue;
    out.set(path, entry);
    restored.push(path);
  }
  for (const path of restored) {
    for (const dir of ancestors(path)) {
      const have = out.get(dir);
      if (have !== undefined && have.kind === 'dir') continue;
      const fromTask = base.get(dir);
      out.set(dir, fromTask !== undefined && fromTask.kind === 'dir' ? fromTask : { kind: 'dir', mode: 0o755 });
    }
  }
  // Whatever sits below a path that is no longer a folder cannot exist; folders the agent added that
  // ended up empty (a removed shadow package) go too.
  const isDirIn = (p: string): boolean => out.get(p)?.kind === 'dir';
  for (const path of [...out.keys()]) {
    if (ancestors(path).some((d) => out.has(d) && !isDirIn(d))) out.delete(path);
  }
  const hasChild = new Set<string>();
  for (const path of out.keys()) for (const d of ancestors(path)) hasChild.add(d);
  for (const [path, entry] of [...out.entries()]) {
    if (entry.kind === 'dir' && !base.has(path) && !hasChild.has(path) && hadChildren(path, fin)) out.delete(path);
  }
  return sortTree(out);
}

function hadChildren(dir: string, fin: FileTree): boolean {
  const prefix = `${dir}/`;
  for (const p of fin.keys()) if (p.startsWith(prefix)) return true;
  return false;
}

function sortTree(tree: Map<string, FileEntry>): FileTree {
  return new Map([...tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
