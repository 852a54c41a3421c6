/**
 * The tree the PRISTINE tests run against: the agent's code with every protected file as the task
 * has it. Nothing the agent did to the tests, their configuration or the runner can change this grade.
 */
import type { FileEntry, FileTree } from '../sandbox/file-tree.js';
import { entriesEqual } from './changes.js';
import { dirname, isProtected, shadowContext, shadowReason, withoutCaches, type InspectContext } from './paths.js';

/**
 * Adds every folder above `path` to `into`, walking up only until a folder already there: over a
 * whole tree this costs the sum of the folders' lengths, not depth^2 per path.
 */
function addAncestors(path: string, into: Set<string>): void {
  for (let d = dirname(path); d !== '' && !into.has(d); d = dirname(d)) into.add(d);
}

/**
 * The agent's tree (caches and .git left out) with: every protected path taken from the task
 * (changed ones restored, deleted ones put back, added ones removed, a protected folder replaced
 * by a symlink turned back into the folder); every shadow the agent added removed and every one it
 * changed restored (conftest.py, sitecustomize.py, *.pth, pytest.py, runner configuration, ...); the
 * folders above a restored path made folders again.
 */
export function pristineTree(taskRepo: FileTree, finalTree: FileTree, protectedGlobs: readonly string[], context: InspectContext = {}): FileTree {
  const base = withoutCaches(taskRepo);
  const fin = withoutCaches(finalTree);
  const ctx = shadowContext(base, protectedGlobs, context);
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
  const ensured = new Set<string>();
  for (const path of restored) {
    for (let dir = dirname(path); dir !== '' && !ensured.has(dir); dir = dirname(dir)) {
      ensured.add(dir);
      const have = out.get(dir);
      if (have !== undefined && have.kind === 'dir') continue;
      const fromTask = base.get(dir);
      out.set(dir, fromTask !== undefined && fromTask.kind === 'dir' ? fromTask : { kind: 'dir', mode: 0o755 });
    }
  }
  // Whatever sits below a path that is no longer a folder cannot exist; folders the agent added that
  // ended up empty (a removed shadow package) go too.
  const underNonFolder = new Map<string, boolean>();
  const blocked = (folder: string): boolean => {
    const pending: string[] = [];
    let answer = false;
    for (let d = folder; d !== ''; d = dirname(d)) {
      const known = underNonFolder.get(d);
      if (known !== undefined) {
        answer = known;
        break;
      }
      pending.push(d);
    }
    for (let k = pending.length - 1; k >= 0; k--) {
      const d = pending[k] ?? '';
      const here = out.get(d);
      answer = answer || (here !== undefined && here.kind !== 'dir');
      underNonFolder.set(d, answer);
    }
    return answer;
  };
  const doomed = [...out.keys()].filter((path) => blocked(dirname(path)));
  for (const path of doomed) out.delete(path);
  const hasChild = new Set<string>();
  for (const path of out.keys()) addAncestors(path, hasChild);
  const hadChild = new Set<string>();
  for (const path of fin.keys()) addAncestors(path, hadChild);
  for (const [path, entry] of [...out.entries()]) {
    if (entry.kind === 'dir' && !base.has(path) && !hasChild.has(path) && hadChild.has(path)) out.delete(path);
  }
  return sortTree(out);
}

function sortTree(tree: Map<string, FileEntry>): FileTree {
  // Keys sorted by the native default order (UTF-16 code units, as < compares strings).
  const out: FileTree = new Map();
  for (const key of [...tree.keys()].sort()) out.set(key, tree.get(key) as FileEntry);
  return out;
}
