import type { Readable } from 'node:stream';
import { pack, extract, type Header } from 'tar-stream';
import type { FileEntry, FileTree, TreeProblem } from './file-tree.js';

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
  /**
   * Paths of the tree (relative, as its keys) written owned by root with every write bit cleared:
   * the agent user can neither change such a file nor add, remove or rename anything in such a folder.
   */
  readOnly?: ReadonlySet<string>;
}

/** Splits on "/" only (a backslash is part of a name), dropping empty and "." parts. */
function normalisePath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new Error(`path escapes the tree: ${path}`);
  return parts.join('/');
}

function byPath<T>([a]: [string, T], [b]: [string, T]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Where a relative symlink at `path` points inside the tree, or undefined when its target is
 * absolute or climbs out of the tree's root.
 */
export function linkTargetInTree(path: string, target: string): string | undefined {
  if (target.startsWith('/')) return undefined;
  const parts = path.split('/');
  parts.pop();
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/**
 * The part of a tree that is safe to put into a container, and notes on what was left out: a
 * symlink whose target is absolute or leaves the tree (Docker refuses some, and an extractor that
 * followed one would write outside the tree), anything below a symlink or a file (an archive that
 * made `x` a link to /etc and then wrote `x/passwd` would write through the link). A hard link is
 * kept as a link only when its target is in the tree with the same content; otherwise it becomes
 * a plain file.
 */
export function puttableTree(tree: FileTree): { tree: FileTree; dropped: TreeProblem[] } {
  const out: FileTree = new Map();
  const dropped: TreeProblem[] = [];
  const kinds = new Map<string, FileEntry['kind']>();
  for (const [rawPath, entry] of tree) {
    const path = normalisePath(rawPath);
    if (path !== '') kinds.set(path, entry.kind);
  }
  for (const [rawPath, entry] of tree) {
    const path = normalisePath(rawPath);
    if (path === '') continue;
    const parts = path.split('/');
    let blocker: string | undefined;
    for (let i = 1; i < parts.length && blocker === undefined; i++) {
      const parent = parts.slice(0, i).join('/');
      const kind = kinds.get(parent);
      if (kind === 'symlink' || kind === 'file') blocker = `${parent} is a ${kind === 'symlink' ? 'symlink' : 'file'}`;
    }
    if (blocker !== undefined) {
      dropped.push({ path, reason: `left out of what is put in: ${blocker}`, sabotage: false });
      continue;
    }
    if (entry.kind === 'symlink' && linkTargetInTree(path, entry.target) === undefined) {
      const why = entry.target.startsWith('/') ? 'its target is absolute' : 'its target leaves the tree';
      dropped.push({ path, reason: `symlink to ${entry.target} left out of what is put in: ${why}`, sabotage: false });
      continue;
    }
    out.set(path, entry);
  }
  for (const [path, entry] of out) {
    if (entry.kind !== 'file' || entry.linkTo === undefined) continue;
    const target = out.get(entry.linkTo);
    const sameContent = target !== undefined && target.kind === 'file' && target.linkTo === undefined && target.content === entry.content;
    if (!sameContent) out.set(path, { kind: 'file', content: entry.content, mode: entry.mode });
  }
  return { tree: out, dropped };
}

/**
 * A tree as a tar stream, made safe by `puttableTree` first. Every parent directory gets its own
 * entry (owned like the files) so that the extractor does not create it as root. Folders and files
 * come first (parents before children), then hard links (after their targets), then symlinks, so
 * that no entry is ever written through a link. Entries are written as the stream is read: the
 * archive is never held whole.
 */
export function treeToTarStream(tree: FileTree, options: TreeToTarOptions = {}): Readable {
  const uid = options.uid ?? 0;
  const gid = options.gid ?? 0;
  const mtime = options.mtime ?? new Date();
  const dirMode = options.dirMode ?? 0o755;
  const prefix = options.prefix === undefined ? '' : normalisePath(options.prefix);
  const full = (rel: string): string => (prefix === '' ? rel : `${prefix}/${rel}`);
  const readOnly = new Set([...(options.readOnly ?? [])].map(full));

  const entries = new Map<string, FileEntry>();
  if (prefix !== '') {
    const parts = prefix.split('/');
    for (let i = 1; i <= parts.length; i++) entries.set(parts.slice(0, i).join('/'), { kind: 'dir', mode: dirMode });
  }
  for (const [rel, entry] of puttableTree(tree).tree) {
    const path = full(rel);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!entries.has(parent)) entries.set(parent, { kind: 'dir', mode: dirMode });
    }
    entries.set(path, entry);
  }
  const rank = (e: FileEntry): number => (e.kind === 'symlink' ? 2 : e.kind === 'file' && e.linkTo !== undefined ? 1 : 0);
  const ordered = [...entries.entries()].sort((a, b) => rank(a[1]) - rank(b[1]) || byPath(a, b));

  const packer = pack();
  const writeAll = async (): Promise<void> => {
    for (const [path, entry] of ordered) {
      const locked = readOnly.has(path) && entry.kind !== 'symlink';
      const base = locked ? { name: path, uid: 0, gid: 0, mtime } : { name: path, uid, gid, mtime };
      const modeOf = (mode: number): number => (locked ? mode & 0o7555 : mode & 0o7777);
      // The callback comes once the entry is taken by the reader: at most one entry is buffered.
      await new Promise<void>((resolve, reject) => {
        const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
        if (entry.kind === 'file' && entry.linkTo !== undefined) {
          packer.entry({ ...base, type: 'link', mode: modeOf(entry.mode), linkname: full(entry.linkTo) }, cb);
        } else if (entry.kind === 'file') {
          packer.entry({ ...base, type: 'file', mode: modeOf(entry.mode), size: entry.content.length }, entry.content, cb);
        } else if (entry.kind === 'dir') {
          packer.entry({ ...base, name: `${path}/`, type: 'directory', mode: modeOf(entry.mode) }, cb);
        } else {
          packer.entry({ ...base, type: 'symlink', mode: 0o777, linkname: entry.target }, cb);
        }
      });
    }
    packer.finalize();
  };
  writeAll().catch((err: unknown) => packer.destroy(err instanceof Error ? err : new Error(String(err))));
  return packer as unknown as Readable;
}

/** treeToTarStream read whole into one Buffer (for small trees: a build context, tests). */
export async function treeToTar(tree: FileTree, options: TreeToTarOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of treeToTarStream(tree, options)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Bounds on what is read from an archive; past one the read stops (the rest is not read). */
export interface TarCaps {
  /** Bytes of file content in all (a hard link's content counts once). */
  totalBytes: number;
  /** Bytes of one file. */
  fileBytes: number;
  /** Entries (files, folders, links). */
  entries: number;
  /** Path components below the root. */
  depth: number;
}

export const unboundedTarCaps: TarCaps = {
  totalBytes: Number.POSITIVE_INFINITY,
  fileBytes: Number.POSITIVE_INFINITY,
  entries: Number.POSITIVE_INFINITY,
  depth: Number.POSITIVE_INFINITY,
};

export interface TarToTreeOptions {
  /** Drop the first path component (docker's getArchive puts everything under the folder's name). */
  stripTop?: boolean;
  caps?: TarCaps;
}

export interface TarReadResult {
  tree: FileTree;
  /** Entries left out (names that are not valid UTF-8, ...) and, when a cap stopped the read, why. */
  problems: TreeProblem[];
  /** False when a cap stopped the read: entries after that point are missing from the tree. */
  complete: boolean;
}

/** U+FFFD in a decoded name: the archive held bytes that are not valid UTF-8 there. */
const REPLACEMENT = '\uFFFD';

/**
 * Reads a tar stream into a tree within the caps. Names are taken byte-exact: only "/" separates
 * components; a name (or link target) that is not valid UTF-8 cannot be a key without merging it
 * with another, so it is left out and recorded. Hard links share their target's content Buffer and
 * keep `linkTo`; devices and fifos are skipped. Past a cap the stream is destroyed and the result
 * is marked incomplete, with the reason as a problem that makes grading impossible.
 */
export async function readTarTree(stream: NodeJS.ReadableStream, options: TarToTreeOptions = {}): Promise<TarReadResult> {
  const caps = options.caps ?? unboundedTarCaps;
  const tree: FileTree = new Map();
  const problems: TreeProblem[] = [];
  const extractor = extract();
  const rename = (name: string): string => {
    let parts = name.split('/').filter((p) => p !== '' && p !== '.');
    if (options.stripTop === true) parts = parts.slice(1);
    return parts.join('/');
  };
  let stopped = false;
  const feeding = (async () => {
    try {
      for await (const chunk of stream) {
        if (stopped) break;
        if (!extractor.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              extractor.off('drain', done);
              extractor.off('close', done);
              resolve();
            };
            extractor.on('drain', done);
            extractor.on('close', done);
          });
        }
      }
      if (!stopped) extractor.end(undefined);
    } catch (err) {
      if (!stopped) extractor.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  const stop = (problem: TreeProblem): void => {
    problems.push(problem);
    stopped = true;
    const source = stream as NodeJS.ReadableStream & { destroy?: () => void };
    source.destroy?.();
  };

  let totalBytes = 0;
  let entries = 0;
  for await (const entry of extractor) {
    const header: Header = entry.header;
    const path = rename(header.name);
    const linkname = header.linkname ?? '';
    if (path === '') {
      entry.resume();
      continue;
    }
    if (path.includes(REPLACEMENT) || linkname.includes(REPLACEMENT)) {
      entry.resume();
      problems.push({ path, reason: 'left out: its name or link target is not valid UTF-8', sabotage: false });
      continue;
    }
    const size = header.size ?? 0;
    const isContent = header.type === 'file' || header.type === 'contiguous-file';
    const depth = path.split('/').length;
    const over =
      entries + 1 > caps.entries
        ? `more than ${caps.entries} entries`
        : depth > caps.depth
          ? `deeper than ${caps.depth} folders`
          : isContent && size > caps.fileBytes
            ? `a file of ${size} bytes, over the ${caps.fileBytes}-byte cap per file`
            : isContent && totalBytes + size > caps.totalBytes
              ? `over the ${caps.totalBytes}-byte cap on the tree`
              : undefined;
    if (over !== undefined) {
      entry.resume();
      stop({ path, reason: `copy-out stopped: ${over}`, size, sabotage: true });
      break;
    }
    entries++;
    const mode = header.mode & 0o7777;
    if (!isContent) entry.resume();
    switch (header.type) {
      case 'file':
      case 'contiguous-file': {
        // One Buffer of the announced size, filled in place: the content is held once.
        const content = Buffer.alloc(size);
        let filled = 0;
        for await (const chunk of entry) {
          const part = chunk as Buffer;
          filled += part.copy(content, filled);
        }
        totalBytes += size;
        tree.set(path, { kind: 'file', content: filled === size ? content : content.subarray(0, filled), mode });
        break;
      }
      case 'directory':
        tree.set(path, { kind: 'dir', mode });
        break;
      case 'symlink':
        tree.set(path, { kind: 'symlink', target: linkname });
        break;
      case 'link': {
        const targetPath = rename(linkname);
        const source = tree.get(targetPath);
        if (source !== undefined && source.kind === 'file') {
          tree.set(path, { kind: 'file', content: source.content, mode, linkTo: source.linkTo ?? targetPath });
        } else {
          problems.push({ path, reason: `left out: a hard link to ${targetPath}, which is not in the copy`, sabotage: false });
        }
        break;
      }
      default:
        break;
    }
  }
  if (stopped) extractor.destroy();
  await feeding;
  return { tree, problems, complete: !stopped };
}

/** Reads a whole tar stream into a tree (no caps; names as in readTarTree). */
export async function tarToTree(stream: NodeJS.ReadableStream, options: TarToTreeOptions = {}): Promise<FileTree> {
  return (await readTarTree(stream, options)).tree;
}
