/**
 * A directory's content held in memory: relative POSIX paths (no leading "./") to entries.
 * The sandbox produces one from a container; tasks produce one from disk; the inspector compares two.
 */
export type FileEntry =
  | { kind: 'file'; content: Buffer; mode: number }
  | { kind: 'symlink'; target: string }
  | { kind: 'dir'; mode: number };

export type FileTree = Map<string, FileEntry>;

export function fileEntry(content: string | Buffer, mode = 0o644): FileEntry {
  return { kind: 'file', content: typeof content === 'string' ? Buffer.from(content) : content, mode };
}

/** Reads a host directory into a tree (files, symlinks and directories; modes kept). */
export async function readTreeFromDir(root: string): Promise<FileTree> {
  const { readdir, readFile, readlink, lstat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const tree: FileTree = new Map();
  async function walk(rel: string): Promise<void> {
    const abs = rel === '' ? root : join(root, rel);
    const entries = await readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const childAbs = join(root, childRel);
      if (entry.isSymbolicLink()) {
        tree.set(childRel, { kind: 'symlink', target: await readlink(childAbs) });
      } else if (entry.isDirectory()) {
        tree.set(childRel, { kind: 'dir', mode: (await lstat(childAbs)).mode & 0o7777 });
        await walk(childRel);
      } else if (entry.isFile()) {
        const stat = await lstat(childAbs);
        tree.set(childRel, { kind: 'file', content: await readFile(childAbs), mode: stat.mode & 0o7777 });
      }
    }
  }
  await walk('');
  return tree;
}

/** Overlays `top` on `base` (top wins), e.g. a task's solution/ on its repo/. */
export function overlayTree(base: FileTree, top: FileTree): FileTree {
  const out: FileTree = new Map(base);
  for (const [path, entry] of top) out.set(path, entry);
  return out;
}
