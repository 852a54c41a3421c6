/**
 * The CPU steps of inspection, on trees already in memory: compare, diff, static rules and the
 * pristine tree. Run in a worker (analysis-worker.ts) so that a tree built to be slow holds up
 * nothing but its own episode.
 */
import type { FileEntry, FileTree } from '../sandbox/file-tree.js';
import { compareTrees, type TreeComparison } from './changes.js';
import type { InspectContext } from './paths.js';
import { makePatch } from './patch.js';
import { pristineTree } from './pristine.js';
import { runRules } from './rules.js';
import { withOwnFilesAtHiddenPaths } from './hidden-tests.js';
import type { RuleHit } from './types.js';

export interface TreeAnalysis {
  comparison: TreeComparison;
  diffPatch: string;
  rules: RuleHit[];
  pristine: FileTree;
}

export interface AnalysisInput {
  /** The task's repo, caches and .git already left out. */
  baseline: FileTree;
  /** The agent's /work as left, caches and .git already left out. */
  final: FileTree;
  protectedGlobs: readonly string[];
  context?: InspectContext;
  /** Paths the copy-out cut: unknown, not deleted (the comparison and the diff leave them out). */
  cutPaths?: readonly string[];
  /** False when the copy-out stopped at a cap: a path missing from `final` may still exist. */
  copyComplete?: boolean;
  /**
   * Hidden test access: the task's paths left out of /work. The comparison and the diff are against
   * what the agent was given; the pristine tree and the rules still use the task's whole repo.
   */
  hiddenPaths?: readonly string[];
  /** The task's instruction: what it states is the spec, not a hard-coded answer (the rules). */
  instruction?: string;
}

function isAtOrUnder(path: string, roots: ReadonlySet<string>): boolean {
  if (roots.has(path)) return true;
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) if (roots.has(path.slice(0, i))) return true;
  return false;
}

/**
 * The baseline as far as the copy-out could see it: without the paths it cut (and what is below
 * them), and, when the copy stopped at a cap, without what is missing from the copy; with hidden
 * tests, without them (the agent never had them).
 */
export function seenBaseline(input: AnalysisInput): FileTree {
  const cut = new Set(input.cutPaths ?? []);
  const hidden = new Set(input.hiddenPaths ?? []);
  const complete = input.copyComplete ?? true;
  if (cut.size === 0 && hidden.size === 0 && complete) return input.baseline;
  const out: FileTree = new Map();
  for (const [path, entry] of input.baseline) {
    if (hidden.has(path) || isAtOrUnder(path, cut)) continue;
    if (!complete && !input.final.has(path)) continue;
    out.set(path, entry);
  }
  return out;
}

/** Runs the steps in order; `onComparison` hears the protected changes as soon as they are known. */
export function analyseTrees(input: AnalysisInput, onComparison?: (comparison: TreeComparison) => void): TreeAnalysis {
  const seen = seenBaseline(input);
  const compared = compareTrees(seen, input.final, input.protectedGlobs, input.context);
  const comparison = input.hiddenPaths === undefined ? compared : withOwnFilesAtHiddenPaths(compared, input.final);
  onComparison?.(comparison);
  const diffPatch = makePatch(seen, input.final);
  const rules = runRules({ baseline: input.baseline, final: input.final, protectedGlobs: input.protectedGlobs, ...(input.instruction === undefined ? {} : { instruction: input.instruction }) });
  const pristine = pristineTree(input.baseline, input.final, input.protectedGlobs, input.context);
  return { comparison, diffPatch, rules, pristine };
}

/**
 * A pristine tree described by where each entry comes from (the agent's tree, the task's, or a
 * folder made up), so it crosses between threads without copying file contents again.
 */
export type PristineSource = [path: string, from: 'final' | 'baseline' | FileEntry];

export function describePristine(pristine: FileTree, input: AnalysisInput): PristineSource[] {
  const out: PristineSource[] = [];
  for (const [path, entry] of pristine) {
    if (input.final.get(path) === entry) out.push([path, 'final']);
    else if (input.baseline.get(path) === entry) out.push([path, 'baseline']);
    else out.push([path, entry]);
  }
  return out;
}

export function rebuildPristine(sources: readonly PristineSource[], input: AnalysisInput): FileTree {
  const out: FileTree = new Map();
  for (const [path, from] of sources) {
    const entry = from === 'final' ? input.final.get(path) : from === 'baseline' ? input.baseline.get(path) : reviveEntry(from);
    if (entry === undefined) throw new Error(`inspection worker: the pristine tree names ${path}, which is in neither tree`);
    out.set(path, entry);
  }
  return out;
}

/** A file entry as structured clone delivers it (its Buffer arrives as a Uint8Array) made whole again. */
export function reviveEntry(entry: FileEntry): FileEntry {
  if (entry.kind !== 'file' || Buffer.isBuffer(entry.content)) return entry;
  const bytes: Uint8Array = entry.content;
  return { ...entry, content: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

export function reviveTree(tree: FileTree): FileTree {
  const out: FileTree = new Map();
  for (const [path, entry] of tree) out.set(path, reviveEntry(entry));
  return out;
}
