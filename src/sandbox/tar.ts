import { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
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

  const headers = ordered.map(([path, entry]): TarHeader => {
    const locked = readOnly.has(path) && entry.kind !== 'symlink';
    const owner = locked ? { uid: 0, gid: 0 } : { uid, gid };
    // A mode of 0 stays 0 (tar-stream, before, wrote the default for it: a file the agent made
    // unreadable went into grading readable).
    const modeOf = (mode: number): number => (locked ? mode & 0o7555 : mode & 0o7777);
    if (entry.kind === 'file' && entry.linkTo !== undefined) return { name: path, ...owner, mtime, type: 'link', mode: modeOf(entry.mode), linkname: full(entry.linkTo) };
    if (entry.kind === 'file') return { name: path, ...owner, mtime, type: 'file', mode: modeOf(entry.mode), size: entry.content.length, content: entry.content };
    if (entry.kind === 'dir') return { name: `${path}/`, ...owner, mtime, type: 'directory', mode: modeOf(entry.mode) };
    return { name: path, ...owner, mtime, type: 'symlink', mode: 0o777, linkname: entry.target };
  });
  return Readable.from(tarChunks(headers), { objectMode: false });
}

/** One entry to write: the fields of a tar header, and a file's content. */
interface TarHeader {
  name: string;
  type: 'file' | 'link' | 'symlink' | 'directory' | 'pax-header';
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  size?: number;
  linkname?: string;
  content?: Buffer;
}

const BLOCK = 512;
/** Headers and small files are gathered into chunks of about this size (one socket write each). */
const CHUNK_BYTES = 64 * 1024;
const TYPE_FLAGS: Record<TarHeader['type'], number> = { file: 0, link: 1, symlink: 2, directory: 5, 'pax-header': 72 };

/** An octal field of `digits` digits and a space (all sevens when the value does not fit). */
function octal(value: number, digits: number): string {
  const text = value.toString(8);
  return text.length > digits ? `${'7'.repeat(digits)} ` : `${text.padStart(digits, '0')} `;
}

/**
 * A ustar header block, or null when the name or link target does not fit one (too long, or not
 * ASCII in the name): such an entry gets a PAX header first. Byte for byte what tar-stream's
 * pack writes for the same entry.
 */
function ustarHeader(h: TarHeader): Buffer | null {
  let name = h.name;
  let prefix = '';
  if (Buffer.byteLength(name) !== name.length) return null;
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return null;
    prefix += prefix === '' ? name.slice(0, i) : `/${name.slice(0, i)}`;
    name = name.slice(i + 1);
  }
  const linkname = h.linkname ?? '';
  if (prefix.length > 155 || Buffer.byteLength(linkname) > 100) return null;
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 'latin1');
  block.write(octal(h.mode & 0o7777, 6), 100, 'latin1');
  block.write(octal(h.uid, 6), 108, 'latin1');
  block.write(octal(h.gid, 6), 116, 'latin1');
  const size = h.type === 'symlink' ? 0 : (h.size ?? 0);
  if (size.toString(8).length > 11) {
    // Base-256 for 8 GiB and more.
    block[124] = 0x80;
    let rest = size;
    for (let i = 11; i > 0; i--) {
      block[124 + i] = rest & 0xff;
      rest = Math.floor(rest / 0x100);
    }
  } else block.write(octal(size, 11), 124, 'latin1');
  block.write(octal((h.mtime.getTime() / 1000) | 0, 11), 136, 'latin1');
  block[156] = 0x30 + TYPE_FLAGS[h.type];
  if (linkname !== '') block.write(linkname, 157, 'utf8');
  block.write('ustar\u000000', 257, 'latin1');
  block.write(octal(0, 6), 329, 'latin1');
  block.write(octal(0, 6), 337, 'latin1');
  if (prefix !== '') block.write(prefix, 345, 'latin1');
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += block[i] ?? 0;
  for (let i = 156; i < BLOCK; i++) sum += block[i] ?? 0;
  block.write(octal(sum, 6), 148, 'latin1');
  return block;
}

/** A PAX record: its own length in decimal, a space, `key=value` and a newline. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const len = Buffer.byteLength(body);
  let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
  if (len + digits >= 10 ** digits) digits++;
  return `${len + digits}${body}`;
}

const ZEROS = Buffer.alloc(2 * BLOCK);

/** The blocks of one entry in order: header(s), content, padding to a whole block. */
function* entryParts(h: TarHeader): Generator<Buffer> {
  const plain = ustarHeader(h);
  if (plain !== null) yield plain;
  else {
    const linkname = h.linkname ?? '';
    const pax = Buffer.from(paxRecord('path', h.name) + (linkname === '' ? '' : paxRecord('linkpath', linkname)));
    const stand: TarHeader = { name: 'PaxHeader', mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime, type: 'pax-header', size: pax.length, ...(linkname === '' ? {} : { linkname: 'PaxHeader' }) };
    yield ustarHeader(stand) as Buffer;
    yield pax;
    if (pax.length % BLOCK !== 0) yield ZEROS.subarray(0, BLOCK - (pax.length % BLOCK));
    yield ustarHeader({ ...stand, type: h.type, size: h.size ?? 0 }) as Buffer;
  }
  const content = h.content;
  if (content !== undefined && content.length > 0) {
    yield content;
    if (content.length % BLOCK !== 0) yield ZEROS.subarray(0, BLOCK - (content.length % BLOCK));
  }
}

/**
 * The archive of the entries, in chunks: small parts are gathered up to CHUNK_BYTES, a large file
 * goes out as its own Buffer (never copied). Made as the stream is read, never held whole.
 */
function* tarChunks(entries: readonly TarHeader[]): Generator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = (): Buffer => {
    const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return chunk;
  };
  for (const h of entries) {
    for (const part of entryParts(h)) {
      if (part.length >= CHUNK_BYTES) {
        if (pendingBytes > 0) yield flush();
        yield part;
        continue;
      }
      pending.push(part);
      pendingBytes += part.length;
      if (pendingBytes >= CHUNK_BYTES) yield flush();
    }
  }
  pending.push(ZEROS);
  pendingBytes += ZEROS.length;
  yield flush();
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
