/**
 * The agent's whole change as one git-style unified diff (diff.patch of an episode).
 */
import { formatPatch, OMIT_HEADERS, structuredPatch } from 'diff';
import type { FileEntry, FileTree } from '../sandbox/file-tree.js';
import { isIgnoredCache, normalizePath } from './paths.js';

/** Above this size (either side) a text file's hunks are not computed. */
const MAX_DIFF_BYTES = 2 * 1024 * 1024;
/** Milliseconds one file's diff may take before it is given up. */
const DIFF_TIMEOUT_MS = 5000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Binary as git decides it (a NUL byte in the first 8000 bytes), or not valid UTF-8. */
export function isBinary(content: Buffer): boolean {
  if (content.subarray(0, 8000).includes(0)) return true;
  try {
    utf8.decode(content);
    return false;
  } catch {
    return true;
  }
}

const C_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 34: '"', 92: '\\' };

/**
 * A name as git writes it in a patch (core.quotePath on): kept bare unless it holds a control
 * character, `"`, `\`, DEL or a non-ASCII byte; then C-style in double quotes, \t \n \" \\ and
 * the like by name, every other such byte of its UTF-8 as three octal digits. A name with a
 * newline thus stays on its header line, and `git apply` reads the name back byte for byte.
 */
export function gitQuotePath(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (!bytes.some((b) => b < 0x20 || b === 0x22 || b === 0x5c || b >= 0x7f)) return name;
  let out = '"';
  for (const b of bytes) {
    const named = C_ESCAPES[b];
    if (named !== undefined) out += `\\${named}`;
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

const C_UNESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * The inside of a name gitQuotePath quoted (without its double quotes), back to the name: escapes
 * by name and octal bytes decoded, the bytes read as UTF-8. A name with no backslash is as it is.
 */
export function gitUnescapePath(inner: string): string {
  if (!inner.includes('\\')) return inner;
  const bytes: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] ?? '';
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = inner[i + 1] ?? '';
    const octal = /^[0-3][0-7]{2}$/.exec(inner.slice(i + 1, i + 4));
    if (octal !== null) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else if (C_UNESCAPES[next] !== undefined) {
      bytes.push(C_UNESCAPES[next] ?? 0);
      i += 1;
    } else {
      bytes.push(92);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `--- a/x` / `+++ b/x`: git ends a name holding a space with a tab, so a reader knows where it stops. */
function fileLine(marker: '---' | '+++', name: string): string {
  return `${marker} ${name}${name.includes(' ') && !name.startsWith('"') ? '\t' : ''}\n`;
}

function gitMode(entry: FileEntry): string {
  if (entry.kind === 'symlink') return '120000';
  if (entry.kind === 'dir') return '040000';
  return (entry.mode & 0o100) !== 0 ? '100755' : '100644';
}

/** What the diff shows for an entry: a file's content, a symlink's target (no newline, as git shows it). */
function contentOf(entry: FileEntry): Buffer {
  return entry.kind === 'symlink' ? Buffer.from(entry.target) : entry.kind === 'file' ? entry.content : Buffer.alloc(0);
}

function hunks(path: string, oldBuf: Buffer, newBuf: Buffer): string {
  if (oldBuf.length > MAX_DIFF_BYTES || newBuf.length > MAX_DIFF_BYTES) {
    return `(content diff omitted: ${oldBuf.length} -> ${newBuf.length} bytes)\n`;
  }
  const patch = structuredPatch(path, path, oldBuf.toString('utf8'), newBuf.toString('utf8'), undefined, undefined, {
    context: 3,
    timeout: DIFF_TIMEOUT_MS,
  });
  if (patch === undefined) return `(content diff omitted: too slow to compute, ${oldBuf.length} -> ${newBuf.length} bytes)\n`;
  if (patch.hunks.length === 0) return '';
  const text = formatPatch(patch, OMIT_HEADERS);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** One file's section: old undefined for a new file, new undefined for a deleted one. */
function section(path: string, oldEntry: FileEntry | undefined, newEntry: FileEntry | undefined): string {
  let out = `diff --git ${gitQuotePath(`a/${path}`)} ${gitQuotePath(`b/${path}`)}\n`;
  if (oldEntry === undefined && newEntry !== undefined) out += `new file mode ${gitMode(newEntry)}\n`;
  else if (newEntry === undefined && oldEntry !== undefined) out += `deleted file mode ${gitMode(oldEntry)}\n`;
  else if (oldEntry !== undefined && newEntry !== undefined && gitMode(oldEntry) !== gitMode(newEntry)) {
    out += `old mode ${gitMode(oldEntry)}\nnew mode ${gitMode(newEntry)}\n`;
  }
  const oldBuf = oldEntry === undefined ? Buffer.alloc(0) : contentOf(oldEntry);
  const newBuf = newEntry === undefined ? Buffer.alloc(0) : contentOf(newEntry);
  if (oldBuf.equals(newBuf)) return out;
  const oldName = oldEntry === undefined ? '/dev/null' : gitQuotePath(`a/${path}`);
  const newName = newEntry === undefined ? '/dev/null' : gitQuotePath(`b/${path}`);
  if ((oldEntry?.kind === 'file' && isBinary(oldBuf)) || (newEntry?.kind === 'file' && isBinary(newBuf))) {
    return `${out}Binary files ${oldName} and ${newName} differ\n`;
  }
  return `${out}${fileLine('---', oldName)}${fileLine('+++', newName)}${hunks(path, oldBuf, newBuf)}`;
}

/**
 * The change from baseline to final as a unified diff in git's format, paths in byte order:
 * `diff --git` headers, new/deleted file and mode lines, "Binary files ... differ" for binary
 * content, symlinks shown by their target (mode 120000). A file replaced by a symlink (or a folder)
 * shows as a deletion followed by an addition, as git does. Caches and .git are left out; folders
 * appear only through their files.
 */
export function makePatch(baseline: FileTree, final: FileTree): string {
  const before = new Map<string, FileEntry>();
  const after = new Map<string, FileEntry>();
  for (const [p, e] of baseline) if (!isIgnoredCache(p) && e.kind !== 'dir') before.set(normalizePath(p), e);
  for (const [p, e] of final) if (!isIgnoredCache(p) && e.kind !== 'dir') after.set(normalizePath(p), e);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = '';
  for (const path of paths) {
    const b = before.get(path);
    const a = after.get(path);
    if (b !== undefined && a !== undefined) {
      if (b.kind !== a.kind) {
        out += section(path, b, undefined) + section(path, undefined, a);
        continue;
      }
      if (gitMode(b) === gitMode(a) && contentOf(b).equals(contentOf(a))) continue;
    }
    out += section(path, b, a);
  }
  return out;
}
