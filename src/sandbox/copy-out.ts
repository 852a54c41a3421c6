/**
 * Bounded copy-out of the agent's folder: a metadata scan in the container decides what breaks the
 * caps (sparse or huge files, too many entries, too deep, too many bytes), that is removed in the
 * doomed container before the archive is read, and the archive is read with the same caps as a
 * second line of defence. What was cut is recorded, never silently lost.
 */
import { isUtf8 } from 'node:buffer';
import type { FileTree, TreeProblem } from './file-tree.js';
import { parseSize, type SandboxProfile } from './profile.js';
import type { TarCaps } from './tar.js';

export type CopyOutCaps = TarCaps;

/**
 * Entries of a tree: far more than a task repository (a virtualenv included) holds; each kept entry
 * costs the host memory in every step of the inspection. 200,000 files are a recorded cut.
 */
export const DEFAULT_MAX_ENTRIES = 50_000;
/** Folders below the root. */
export const DEFAULT_MAX_DEPTH = 64;

/** The caps of a profile: the work volume's size bounds the bytes (in all and per file). */
export function copyOutCaps(profile: SandboxProfile, over: Partial<CopyOutCaps> = {}): CopyOutCaps {
  const volume = parseSize(profile.limits.work);
  return { totalBytes: volume, fileBytes: volume, entries: DEFAULT_MAX_ENTRIES, depth: DEFAULT_MAX_DEPTH, ...over };
}

export interface CopyOutResult {
  tree: FileTree;
  /** What was cut or left out, with path, apparent size and reason. */
  problems: TreeProblem[];
  /** False when the archive read stopped at a cap: entries may be missing beyond those listed. */
  complete: boolean;
}

/**
 * The find(1) format of one scan record: type, mode, apparent size, 512-byte blocks, link count,
 * inode, depth, then the path relative to the scanned folder, NUL-terminated (any byte but NUL and
 * "/" may be in a name, newlines included).
 */
export const SCAN_FORMAT = '%y %m %s %b %n %i %d %P\\0';

export interface ScanRecord {
  type: string;
  size: number;
  blocks: number;
  links: number;
  inode: number;
  depth: number;
  /** The path's bytes, relative, as the kernel has them. */
  path: Buffer;
}

/** Parses find's output in SCAN_FORMAT; a malformed record (never expected) is skipped. */
export function parseScan(output: Buffer): ScanRecord[] {
  const records: ScanRecord[] = [];
  const numbers = [0, 0, 0, 0, 0, 0];
  let start = 0;
  // Parsed in place (a 200,000-entry scan makes no string or Buffer per field).
  while (start < output.length) {
    let end = output.indexOf(0, start);
    if (end === -1) end = output.length;
    const type = output[start] ?? 0;
    let at = start + 2;
    let ok = output[start + 1] === 0x20;
    for (let field = 0; field < 6 && ok; field++) {
      let value = 0;
      let digits = 0;
      // The mode (field 0) is octal; only its presence matters here.
      for (; at < end && output[at] !== 0x20; at++, digits++) value = value * 10 + ((output[at] ?? 0) - 0x30);
      numbers[field] = value;
      ok = digits > 0 && at < end;
      at++;
    }
    if (ok && at < end) {
      const [, size = 0, blocks = 0, links = 0, inode = 0, depth = 0] = numbers;
      records.push({ type: String.fromCharCode(type), size, blocks, links, inode, depth, path: output.subarray(at, end) });
    }
    start = end + 1;
  }
  return records;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A path for people: UTF-8 when it is, otherwise its bytes with the invalid ones shown as \xNN. */
export function displayPath(path: Buffer): string {
  try {
    return strictUtf8.decode(path);
  } catch {
    let out = '';
    for (const byte of path) out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
    return out;
  }
}

export interface Cut {
  path: Buffer;
  dir: boolean;
  problem: TreeProblem;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Folders whose removal cuts the tree to the entry cap, the crowded ones first. */
const MAX_FOLDER_CUTS = 16;

/**
 * What to remove so that the rest fits the caps. Names that are not UTF-8 are left out (a note),
 * then what is too deep is cut. Past the entry cap, whole folders go first: the smallest folder
 * that alone brings the tree under the cap (else the most crowded one, again), so that a folder of
 * junk is cut as one and the rest of the repository stays gradable. Then the remaining records in
 * byte order of their paths (parents before children): entries past the cap, a file over the
 * per-file cap (a sparse one included: its apparent size counts), a file that would take the tree
 * over its total; the bytes of a file with several hard links count once. A cut folder takes
 * everything below it.
 */
export function planCuts(records: readonly ScanRecord[], caps: CopyOutCaps): Cut[] {
  const sorted = [...records].sort((a, b) => Buffer.compare(a.path, b.path));
  const cutDirs = new Set<string>();
  const cuts: Cut[] = [];
  const underCut = (path: Buffer): boolean => {
    if (cutDirs.size === 0) return false;
    for (let i = path.indexOf(0x2f); i !== -1; i = path.indexOf(0x2f, i + 1)) {
      if (cutDirs.has(path.subarray(0, i).toString('latin1'))) return true;
    }
    return false;
  };
  const cut = (record: ScanRecord, reason: string, size?: number, sabotage = true): void => {
    if (record.type === 'd') cutDirs.add(record.path.toString('latin1'));
    cuts.push({ path: record.path, dir: record.type === 'd', problem: { path: displayPath(record.path), reason, ...(size === undefined ? {} : { size }), sabotage } });
  };

  let kept: ScanRecord[] = [];
  for (const record of sorted) {
    if (underCut(record.path)) continue;
    if (!isUtf8(record.path)) {
      // No key could hold it without merging it with another name: left out, with a note.
      cut(record, 'left out: its name is not valid UTF-8', record.type === 'f' ? record.size : undefined, false);
    } else if (record.depth > caps.depth) {
      cut(record, `cut: deeper than ${caps.depth} folders`);
    } else kept.push(record);
  }

  for (let round = 0; round < MAX_FOLDER_CUTS && kept.length > caps.entries; round++) {
    const below = new Map<string, number>();
    for (const record of kept) {
      for (let i = record.path.indexOf(0x2f); i !== -1; i = record.path.indexOf(0x2f, i + 1)) {
        const key = record.path.subarray(0, i).toString('latin1');
        below.set(key, (below.get(key) ?? 0) + 1);
      }
    }
    const excess = kept.length - caps.entries;
    let choice: [string, number] | undefined;
    for (const entry of below) {
      const [, count] = entry;
      if (choice === undefined) choice = entry;
      else if (count + 1 >= excess ? count < choice[1] || choice[1] + 1 < excess : count > choice[1]) choice = entry;
    }
    if (choice === undefined) break;
    const [key, count] = choice;
    const folder = kept.find((r) => r.type === 'd' && r.path.toString('latin1') === key);
    if (folder === undefined) break;
    cut(folder, `cut: a folder of ${count} entries; the tree holds more than the cap of ${caps.entries}`);
    kept = kept.filter((r) => r !== folder && !underCut(r.path));
  }

  const inodes = new Map<number, { cut: boolean; path: string }>();
  let entries = 0;
  let bytes = 0;
  for (const record of kept) {
    if (entries + 1 > caps.entries) {
      cut(record, `cut: more than ${caps.entries} entries in the tree`, record.type === 'f' ? record.size : undefined);
      continue;
    }
    if (record.type === 'f') {
      const key = record.links > 1 ? record.inode : undefined;
      const first = key === undefined ? undefined : inodes.get(key);
      if (first !== undefined) {
        if (first.cut) {
          cut(record, `cut: a hard link to ${first.path}, which was cut`, record.size);
          continue;
        }
      } else {
        const allocated = record.blocks * 512;
        const sparse = allocated < record.size ? ` (sparse: ${allocated} bytes allocated)` : '';
        let reason: string | undefined;
        if (record.size > caps.fileBytes) reason = `cut: ${mib(record.size)} apparent size${sparse}, over the ${mib(caps.fileBytes)} cap per file`;
        else if (bytes + record.size > caps.totalBytes) reason = `cut: ${mib(record.size)}${sparse} would take the tree over its ${mib(caps.totalBytes)} cap`;
        if (key !== undefined) inodes.set(key, { cut: reason !== undefined, path: displayPath(record.path) });
        if (reason !== undefined) {
          cut(record, reason, record.size);
          continue;
        }
        bytes += record.size;
      }
    }
    entries++;
  }
  return cuts;
}

/** The folders that hold the cut paths (their owner needs write access there to remove them). */
export function parentsOf(cuts: readonly Cut[]): Buffer[] {
  const seen = new Map<string, Buffer>();
  for (const { path } of cuts) {
    const slash = path.lastIndexOf(0x2f);
    const parent = slash === -1 ? Buffer.from('.') : path.subarray(0, slash);
    seen.set(parent.toString('latin1'), parent);
  }
  return [...seen.values()];
}

/** NUL-separated paths for `xargs -0`. */
export function nulList(paths: readonly Buffer[]): Buffer {
  let length = 0;
  for (const p of paths) length += p.length + 1;
  const out = Buffer.alloc(length);
  let at = 0;
  for (const p of paths) at += p.copy(out, at) + 1;
  return out;
}

/**
 * The archive the fast copy-out's shell becomes once the harness answers {@link GO}: GNU tar of the
 * scanned folder to stdout, in byte order of names (the order of Docker's own archive, so that the
 * same path of a hard-link group holds the content), without owner names (not in a FileTree).
 */
export const ARCHIVE_COMMAND = 'tar --create --file=- --sort=name --format=gnu --numeric-owner .';

/** The one byte that lets the fast copy-out's shell go on from its scan to the archive. */
export const GO = Buffer.from('g');

/**
 * The fast copy-out's shell, with find's argv as "$@": it kills every other process of the agent's,
 * runs the scan, prints the end mark (an empty record: one NUL where a record starts, which find
 * never prints) only when find succeeded, then waits for one byte on stdin and becomes the
 * archive when that byte is {@link GO}. Anything else, or the end of stdin, ends it.
 */
export function scanThenArchiveScript(killRounds: string): string {
  return `${killRounds}; "$@" || exit; printf '\\0'; IFS= read -r -n 1 answer; [ "$answer" = ${GO.toString()} ] || exit 0; exec ${ARCHIVE_COMMAND}`;
}

/**
 * Where the scan's end mark is in the next chunk of the fast copy-out's output: the index of a NUL
 * that starts a record (at the very start of the output, or right after the NUL that ended the
 * record before), or -1. `afterRecordEnd`: the output so far is empty or ends with a NUL.
 */
export function scanEndIn(chunk: Buffer, afterRecordEnd: boolean): number {
  for (let at = chunk.indexOf(0); at !== -1; at = chunk.indexOf(0, at + 1)) {
    if (at === 0 ? afterRecordEnd : chunk[at - 1] === 0) return at;
  }
  return -1;
}

/**
 * Bytes of content up to which the fast copy-out reads the archive from the scan's exec. Past them
 * the daemon's own archive (getArchive) costs less CPU: an exec's output is copied once more by the
 * container's shim and framed by dockerd, some 5 ms of CPU per MB against the fixed ~50 ms that a
 * getArchive costs (npm run bench:copy-out-cpu with --make: break-even at about 8 MB, 0.84x at 2 MB, 1.12x
 * at 20 MB; 5,000 small files 0.87x).
 */
export const FAST_ARCHIVE_MAX_BYTES = 4 * 1024 * 1024;

/** The bytes of content a scan lists: its files' apparent sizes, a hard-linked inode once. */
export function scannedContentBytes(records: readonly ScanRecord[]): number {
  const inodes = new Set<number>();
  let bytes = 0;
  for (const record of records) {
    if (record.type !== 'f') continue;
    if (record.links > 1) {
      if (inodes.has(record.inode)) continue;
      inodes.add(record.inode);
    }
    bytes += record.size;
  }
  return bytes;
}

/** A tar header block, and the padding of one entry's content or long name to whole blocks. */
const TAR_BLOCK = 512;
/**
 * Bytes of one entry's headers past its name and content: its header, a GNU long-name header, a
 * long-link header with a target of up to PATH_MAX (4096) bytes, and the padding of each.
 */
const TAR_ENTRY_OVERHEAD = 3 * TAR_BLOCK + 4096 + 3 * TAR_BLOCK;
/** The two zero blocks that end an archive and GNU tar's padding of it to a 10 KiB record. */
const TAR_END = 2 * TAR_BLOCK + 10_240;

/**
 * The most bytes GNU tar can write for a scanned tree: the content the scan listed (a hard-linked
 * inode once, as tar stores it), and for each entry its name and headers. Past it the archive is
 * not what the scan saw.
 */
export function archiveBytesBound(records: readonly ScanRecord[]): number {
  let bound = scannedContentBytes(records) + TAR_END;
  for (const record of records) bound += record.path.length + TAR_ENTRY_OVERHEAD;
  return bound;
}
