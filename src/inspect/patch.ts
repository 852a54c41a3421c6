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

function gitMode(entry: FileEntry): string {
  if (entry.kind === 'symlink') return '120000';
  if (entry.kind === 'dir') return '040000';
  return (entry.mode & 0o100) !== 0 ? '100755' : '100644';
}

/** What the diff shows for an entry: a file's content, a symlink's target (no newline, as git shows it). */
function contentOf(entry: FileEntry): Buffer {
  return entry.kind === 'symlink' ? Buffer.from(entry.target) : entry.kind === 'file' ? entry.content : Buffer.alloc(0);
}

/**
 * The one hunk of a file added whole (sign '+') or deleted whole ('-'), written directly: the same
 * text the diff library gives, without running a diff over what has nothing to compare.
 */
function wholeFileHunk(text: string, sign: '+' | '-'): string {
  const lines = text.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  const count = lines.length;
  const range = `1,${count}`;
  let out = sign === '+' ? `@@ -0,0 +${range} @@\n` : `@@ -${range} +0,0 @@\n`;
  out += lines.map((line) => `${sign}${line}`).join('\n');
  out += endsWithNewline ? '\n' : '\n\\ No newline at end of file\n';
  return out;
}

function hunks(path: string, oldBuf: Buffer, newBuf: Buffer): string {
  if (oldBuf.length > MAX_DIFF_BYTES || newBuf.length > MAX_DIFF_BYTES) {
    return `(content diff omitted: ${oldBuf.length} -> ${newBuf.length} bytes)\n`;
  }
  if (oldBuf.length === 0 && newBuf.length > 0) return wholeFileHunk(newBuf.toString('utf8'), '+');
  if (newBuf.length === 0 && oldBuf.length > 0) return wholeFileHunk(oldBuf.toString('utf8'), '-');
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
  let out = `diff --git a/${path} b/${path}\n`;
  if (oldEntry === undefined && newEntry !== undefined) out += `new file mode ${gitMode(newEntry)}\n`;
  else if (newEntry === undefined && oldEntry !== undefined) out += `deleted file mode ${gitMode(oldEntry)}\n`;
  else if (oldEntry !== undefined && newEntry !== undefined && gitMode(oldEntry) !== gitMode(newEntry)) {
    out += `old mode ${gitMode(oldEntry)}\nnew mode ${gitMode(newEntry)}\n`;
  }
  const oldBuf = oldEntry === undefined ? Buffer.alloc(0) : contentOf(oldEntry);
  const newBuf = newEntry === undefined ? Buffer.alloc(0) : contentOf(newEntry);
  if (oldBuf.equals(newBuf)) return out;
  const oldName = oldEntry === undefined ? '/dev/null' : `a/${path}`;
  const newName = newEntry === undefined ? '/dev/null' : `b/${path}`;
  if ((oldEntry?.kind === 'file' && isBinary(oldBuf)) || (newEntry?.kind === 'file' && isBinary(newBuf))) {
    return `${out}Binary files ${oldName} and ${newName} differ\n`;
  }
  return `${out}--- ${oldName}\n+++ ${newName}\n${hunks(path, oldBuf, newBuf)}`;
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
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
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
