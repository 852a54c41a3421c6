import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A directory's content held in memory: relative POSIX paths (no leading "./") to entries.
 * The sandbox produces one from a container; tasks produce one from disk; the inspector compares two.
 */
export type FileEntry =
  /**
   * `linkTo`: the file is a hard link to that path of the same tree (same content Buffer); packing
   * writes it as a tar hard link, so an archive holds the content once.
   */
  | { kind: 'file'; content: Buffer; mode: number; linkTo?: string }
  | { kind: 'symlink'; target: string }
  | { kind: 'dir'; mode: number };

export type FileTree = Map<string, FileEntry>;

/**
 * One entry of a tree the harness could not take as it is: cut by the copy-out's caps, a name that
 * cannot be represented, a link left out of what is put in. `sabotage`: the cut makes grading
 * impossible (the verdict is `sabotaged`); otherwise it is a note (the entry was left out).
 * `path` is the relative path, shown with invalid UTF-8 bytes as \xNN.
 */
export interface TreeProblem {
  path: string;
  reason: string;
  /** The entry's apparent size in bytes, when known. */
  size?: number;
  sabotage: boolean;
}

export function fileEntry(content: string | Buffer, mode = 0o644): FileEntry {
  return { kind: 'file', content: typeof content === 'string' ? Buffer.from(content) : content, mode };
}

/**
 * Reads a host directory into a tree (files, symlinks and directories; modes kept). Synchronously
 * (behind the promise): the folders read are the harness's own (a task, a sandbox's build files),
 * and the promise API's trip through the thread pool for every call cost about ten times the reads.
 */
export async function readTreeFromDir(root: string): Promise<FileTree> {
  const tree: FileTree = new Map();
  const walk = (rel: string): void => {
    const abs = rel === '' ? root : join(root, rel);
    const entries = readdirSync(abs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const childAbs = join(root, childRel);
      if (entry.isSymbolicLink()) {
        tree.set(childRel, { kind: 'symlink', target: readlinkSync(childAbs) });
      } else if (entry.isDirectory()) {
        tree.set(childRel, { kind: 'dir', mode: lstatSync(childAbs).mode & 0o7777 });
        walk(childRel);
      } else if (entry.isFile()) {
        const stat = lstatSync(childAbs);
        tree.set(childRel, { kind: 'file', content: readFileSync(childAbs), mode: stat.mode & 0o7777 });
      }
    }
  };
  walk('');
  return tree;
}

/** Overlays `top` on `base` (top wins), e.g. a task's solution/ on its repo/. */
export function overlayTree(base: FileTree, top: FileTree): FileTree {
  const out: FileTree = new Map(base);
  for (const [path, entry] of top) out.set(path, entry);
  return out;
}
