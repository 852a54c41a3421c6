/**
 * What a grading run copies into its fresh container, and when two grading runs are the same run.
 */
import type { FileEntry, FileTree } from '../sandbox/file-tree.js';
import { puttableTree } from '../sandbox/tar.js';

/**
 * The tree a grading run puts into /work for `tree`: exactly what the sandbox's putTree writes
 * (links that cannot be put left out, a hard link whose target changed made a plain file). Every
 * grading run puts this and nothing else into its container, so whatever is added to what a
 * grading container receives belongs here, where the equality check below sees it too.
 */
export function gradingTree(tree: FileTree): FileTree {
  return puttableTree(tree).tree;
}

/** The mode bits a tar entry carries into the container (see treeToTarStream). */
const PUT_MODE_BITS = 0o7777;

function sameAsPut(a: FileEntry, b: FileEntry): boolean {
  if (a === b) return true;
  if (a.kind === 'file' && b.kind === 'file') {
    return a.linkTo === b.linkTo && (a.mode & PUT_MODE_BITS) === (b.mode & PUT_MODE_BITS) && a.content.equals(b.content);
  }
  if (a.kind === 'symlink' && b.kind === 'symlink') return a.target === b.target;
  if (a.kind === 'dir' && b.kind === 'dir') return (a.mode & PUT_MODE_BITS) === (b.mode & PUT_MODE_BITS);
  return false;
}

/**
 * True only when two grading trees put the same container: the same paths (no entry in one that
 * is missing from the other, folders included), and at every path the same kind, the same bytes,
 * the same mode bits, the same symlink target and the same hard-link structure. Anything else,
 * however small, is a difference: the caller then runs both.
 */
export function sameGradingTree(a: FileTree, b: FileTree): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [path, entry] of a) {
    const other = b.get(path);
    if (other === undefined || !sameAsPut(entry, other)) return false;
  }
  return true;
}
