/**
 * What the agent changed: baseline (the task's repo) against the final tree (/work as left).
 */
import type { FileEntry, FileTree } from '../sandbox/file-tree.js';
import type { ChangeSummary, ProtectedChange } from './types.js';
import { basename, dirname, isIgnoredCache, isTestModuleName, normalizePath, protectingGlob, shadowContext, shadowReason, type InspectContext } from './paths.js';

export interface TreeComparison {
  changes: ChangeSummary;
  protectedChanges: ProtectedChange[];
  /** New plain test modules under protected folders: reported, not tampering. */
  addedTests: string[];
}

/** The permission bits that matter: the owner may read (and, for a folder, enter / for a file, run). */
const significantMode = 0o500;

export function entriesEqual(a: FileEntry, b: FileEntry): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'file' && b.kind === 'file') return a.content.equals(b.content) && (a.mode & significantMode) === (b.mode & significantMode);
  if (a.kind === 'symlink' && b.kind === 'symlink') return a.target === b.target;
  if (a.kind === 'dir' && b.kind === 'dir') return (a.mode & significantMode) === (b.mode & significantMode);
  return false;
}

export type EntryChange = 'added' | 'deleted' | 'modified' | 'type-changed' | 'mode-changed';

/** How one path differs, or undefined when it does not (folders: only type and mode count). */
export function entryChange(before: FileEntry | undefined, after: FileEntry | undefined): EntryChange | undefined {
  if (before === undefined && after === undefined) return undefined;
  if (before === undefined) return 'added';
  if (after === undefined) return 'deleted';
  if (before.kind !== after.kind) return 'type-changed';
  if (before.kind === 'file' && after.kind === 'file') {
    if (!before.content.equals(after.content)) return 'modified';
    if ((before.mode & significantMode) !== (after.mode & significantMode)) return 'mode-changed';
    return undefined;
  }
  if (before.kind === 'symlink' && after.kind === 'symlink') return before.target === after.target ? undefined : 'modified';
  if (before.kind === 'dir' && after.kind === 'dir') {
    return (before.mode & significantMode) !== (after.mode & significantMode) ? 'mode-changed' : undefined;
  }
  return undefined;
}

/** Where a symlink at `path` points, as a path relative to the repo root, or undefined when it leaves the repo. */
export function resolveSymlinkTarget(path: string, target: string, workdir = '/work'): string | undefined {
  let joined: string;
  if (target.startsWith('/')) {
    const root = workdir.replace(/\/+$/, '');
    if (target !== root && !target.startsWith(`${root}/`)) return undefined;
    joined = target.slice(root.length);
  } else {
    const dir = dirname(path);
    joined = dir === '' ? target : `${dir}/${target}`;
  }
  const out: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/** Byte order of paths: the default sort compares UTF-16 code units as `<` does, natively. */
function sorted(paths: Iterable<string>): string[] {
  return [...paths].sort();
}

function describeKind(entry: FileEntry): string {
  return entry.kind === 'symlink' ? `a symlink to ${entry.target}` : entry.kind === 'dir' ? 'a folder' : 'a file';
}

/**
 * Compares the trees (caches and .git ignored on both sides). Files and symlinks make the change
 * summary (a type or mode change counts as modified); folders count only when their type or mode
 * changes. Protected changes: a protected path modified, deleted, type-changed (e.g. replaced by a
 * symlink) or mode-changed; anything added under a protected glob that is not a plain new test
 * module; a new symlink anywhere that points into a protected path; and shadows anywhere.
 */
export function compareTrees(baseline: FileTree, final: FileTree, protectedGlobs: readonly string[], context: InspectContext = {}): TreeComparison {
  const before = new Map<string, FileEntry>();
  const after = new Map<string, FileEntry>();
  for (const [p, e] of baseline) if (!isIgnoredCache(p)) before.set(normalizePath(p), e);
  for (const [p, e] of final) if (!isIgnoredCache(p)) after.set(normalizePath(p), e);
  const ctx = shadowContext(before, protectedGlobs, context);

  const added: string[] = [];
  const modified: string[] = [];
  const deleted: string[] = [];
  const protectedChanges: ProtectedChange[] = [];
  const addedTests: string[] = [];

  for (const path of sorted(new Set([...before.keys(), ...after.keys()]))) {
    const b = before.get(path);
    const a = after.get(path);
    const change = entryChange(b, a);
    if (change === undefined) continue;
    const isDir = (b === undefined || b.kind === 'dir') && (a === undefined || a.kind === 'dir');

    if (!isDir) {
      if (change === 'added' && a !== undefined && a.kind !== 'dir') added.push(path);
      else if (change === 'deleted' && b !== undefined && b.kind !== 'dir') deleted.push(path);
      else if (change === 'type-changed') {
        // A folder replaced by a file or a symlink (or the reverse) is a change of the path itself.
        modified.push(path);
      } else if (change === 'modified' || change === 'mode-changed') modified.push(path);
    }

    const glob = protectingGlob(path, protectedGlobs);
    const shadow = a !== undefined && change !== 'deleted' && change !== 'mode-changed' ? shadowReason(path, a, b?.kind === a.kind ? b : undefined, ctx) : undefined;

    if (change === 'added' && a !== undefined) {
      if (shadow !== undefined) {
        protectedChanges.push({ path, kind: 'shadow', reason: shadow });
        continue;
      }
      if (a.kind === 'symlink') {
        const into = resolveSymlinkTarget(path, a.target);
        const targetGlob = into === undefined ? undefined : protectingGlob(into, protectedGlobs);
        if (glob !== undefined) {
          protectedChanges.push({ path, kind: 'added', reason: `${describeKind(a)} added under protected ${glob}` });
        } else if (targetGlob !== undefined) {
          protectedChanges.push({ path, kind: 'added', reason: `a symlink pointing into protected ${targetGlob} (${a.target})` });
        }
        continue;
      }
      if (glob === undefined || a.kind === 'dir') continue;
      if (isTestModuleName(path) && basename(path) !== 'conftest.py') addedTests.push(path);
      else protectedChanges.push({ path, kind: 'added', reason: `a file added under protected ${glob} that is not a new test module` });
      continue;
    }

    if (glob !== undefined && b !== undefined) {
      if (change === 'deleted') {
        protectedChanges.push({ path, kind: 'deleted', reason: `protected by ${glob}` });
      } else if (change === 'type-changed' && a !== undefined) {
        protectedChanges.push({ path, kind: 'type-changed', reason: `protected by ${glob}: ${describeKind(b)} replaced by ${describeKind(a)}` });
      } else if (change === 'modified') {
        protectedChanges.push({ path, kind: 'modified', reason: `protected by ${glob}${shadow === undefined ? '' : ` (also: ${shadow})`}` });
      } else if (change === 'mode-changed' && a !== undefined && b.kind !== 'symlink' && a.kind !== 'symlink') {
        protectedChanges.push({ path, kind: 'mode-changed', reason: `protected by ${glob}: mode ${b.mode.toString(8)} -> ${a.mode.toString(8)}` });
      }
      continue;
    }

    if (shadow !== undefined) protectedChanges.push({ path, kind: 'shadow', reason: shadow });
    else if ((change === 'type-changed' || change === 'modified') && a !== undefined && a.kind === 'symlink') {
      const into = resolveSymlinkTarget(path, a.target);
      const targetGlob = into === undefined ? undefined : protectingGlob(into, protectedGlobs);
      if (targetGlob !== undefined) {
        protectedChanges.push({ path, kind: change, reason: `now a symlink pointing into protected ${targetGlob} (${a.target})` });
      }
    }
  }

  return { changes: { added, modified, deleted }, protectedChanges, addedTests: sorted(addedTests) };
}
