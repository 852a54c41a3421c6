import { pack, extract, type Header } from 'tar-stream';
import type { FileEntry, FileTree } from './file-tree.js';

export interface TreeToTarOptions {
  /** Owner written into every header (docker's putArchive keeps it). */
  uid?: number;
  gid?: number;
  /** A directory every entry is put under, e.g. "work" (no leading or trailing slash needed). */
  prefix?: string;
  /** Modification time of every entry; default now. */
  mtime?: Date;
  /** Mode of the parent directories the tree implies but does not list. Default 0o755. */
  dirMode?: number;
}

function normalisePath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new Error(`path escapes the tree: ${path}`);
  return parts.join('/');
}

/**
 * A tree as a tar archive. Every parent directory gets its own entry (owned like the files) so
 * that the extractor does not create it as root.
 */
export async function treeToTar(tree: FileTree, options: TreeToTarOptions = {}): Promise<Buffer> {
  const uid = options.uid ?? 0;
  const gid = options.gid ?? 0;
  const mtime = options.mtime ?? new Date();
  const dirMode = options.dirMode ?? 0o755;
  const prefix = options.prefix === undefined ? '' : normalisePath(options.prefix);

  const entries = new Map<string, FileEntry>();
  if (prefix !== '') {
    const parts = prefix.split('/');
    for (let i = 1; i <= parts.length; i++) entries.set(parts.slice(0, i).join('/'), { kind: 'dir', mode: dirMode });
  }
  for (const [rawPath, entry] of tree) {
    const rel = normalisePath(rawPath);
    if (rel === '') continue;
    const full = prefix === '' ? rel : `${prefix}/${rel}`;
    const parts = full.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!entries.has(parent)) entries.set(parent, { kind: 'dir', mode: dirMode });
    }
    entries.set(full, entry);
  }
  // Parents before children: sorting by path puts "a" before "a/b".
  const ordered = [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  const packer = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    packer.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    packer.on('end', () => resolve(Buffer.concat(chunks)));
    packer.on('error', reject);
  });
  for (const [path, entry] of ordered) {
    const base = { name: path, uid, gid, mtime };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (entry.kind === 'file') {
        packer.entry({ ...base, type: 'file', mode: entry.mode & 0o7777, size: entry.content.length }, entry.content, cb);
      } else if (entry.kind === 'dir') {
        packer.entry({ ...base, name: `${path}/`, type: 'directory', mode: entry.mode & 0o7777 }, cb);
      } else {
        packer.entry({ ...base, type: 'symlink', mode: 0o777, linkname: entry.target }, cb);
      }
    });
  }
  packer.finalize();
  return done;
}

export interface TarToTreeOptions {
  /** Drop the first path component (docker's getArchive puts everything under the folder's name). */
  stripTop?: boolean;
}

/** Reads a tar stream into a tree. Hard links become copies; devices and fifos are skipped. */
export async function tarToTree(stream: NodeJS.ReadableStream, options: TarToTreeOptions = {}): Promise<FileTree> {
  const tree: FileTree = new Map();
  const extractor = extract();
  const rename = (name: string): string => {
    let parts = name.split('/').filter((p) => p !== '' && p !== '.');
    if (options.stripTop === true) parts = parts.slice(1);
    return parts.join('/');
  };
  const feeding = (async () => {
    try {
      for await (const chunk of stream) {
        if (!extractor.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
          await new Promise<void>((resolve) => extractor.once('drain', () => resolve()));
        }
      }
      extractor.end(undefined);
    } catch (err) {
      extractor.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  for await (const entry of extractor) {
    const header: Header = entry.header;
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const path = rename(header.name);
    const mode = header.mode & 0o7777;
    if (path === '') continue;
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        tree.set(path, { kind: 'file', content: Buffer.concat(chunks), mode });
        break;
      case 'directory':
        tree.set(path, { kind: 'dir', mode });
        break;
      case 'symlink':
        tree.set(path, { kind: 'symlink', target: header.linkname });
        break;
      case 'link': {
        const source = tree.get(rename(header.linkname));
        if (source !== undefined && source.kind === 'file') tree.set(path, { kind: 'file', content: source.content, mode });
        break;
      }
      default:
        break;
    }
  }
  await feeding;
  return tree;
}
