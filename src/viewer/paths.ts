/**
 * The path guard: URL segments become file paths only through here, and nothing outside the
 * runs directory can be reached. A segment must be a plain name (no `..`, no separator, no NUL,
 * not absolute); the joined path is resolved and must stay under the root, also after symlinks.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';

/** A single path component as it may appear in a run or episode name. */
export function isSafeSegment(segment: string): boolean {
  if (segment === '' || segment === '.' || segment === '..') return false;
  if (segment.length > 255) return false;
  if (/[/\\\u0000-\u001f\u007f]/.test(segment)) return false;
  if (isAbsolute(segment) || /^[a-zA-Z]:/.test(segment)) return false;
  return true;
}

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Joins the segments under root without touching the disk: null when a segment is unsafe or the
 * result would leave root.
 */
export function safeJoin(root: string, segments: readonly string[]): string | null {
  if (!segments.every(isSafeSegment)) return null;
  const base = resolve(root);
  const path = resolve(base, ...segments);
  return within(base, path) ? path : null;
}

/**
 * safeJoin, then the same check on the real paths (a symlink inside the runs directory that points
 * out of it is refused). null when unsafe or when the path does not exist.
 */
export async function resolveInside(root: string, segments: readonly string[]): Promise<string | null> {
  const path = safeJoin(root, segments);
  if (path === null) return null;
  try {
    const [realRoot, realPath] = await Promise.all([realpath(resolve(root)), realpath(path)]);
    return within(realRoot, realPath) ? path : null;
  } catch {
    return null;
  }
}

/**
 * Opens a regular file for reading without following a link in its last component (O_NOFOLLOW),
 * and never blocks on a FIFO (O_NONBLOCK); null for anything but a regular file, or when missing.
 * The caller has checked the folder it is in.
 */
export async function openRegularNoFollow(path: string): Promise<FileHandle | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if ((await handle.stat()).isFile()) return handle;
  } catch {
    // fall through: closed below
  }
  await handle.close();
  return null;
}

/**
 * Opens a file of the runs folder for reading: its folder must be inside the root once every link
 * is resolved, and the file itself must be a regular file, not a link (so a link in a crafted runs
 * folder to a host file, or a device or FIFO in it, is never read). null otherwise.
 */
export async function openInside(root: string, path: string): Promise<FileHandle | null> {
  try {
    const [realRoot, realDir] = await Promise.all([realpath(resolve(root)), realpath(dirname(resolve(path)))]);
    if (!within(realRoot, realDir)) return null;
  } catch {
    return null;
  }
  return openRegularNoFollow(path);
}

/** The text of a file of the runs folder (openInside), or null. */
export async function readTextInside(root: string, path: string): Promise<string | null> {
  const handle = await openInside(root, path);
  if (handle === null) return null;
  try {
    return await handle.readFile('utf8');
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

export interface EpisodeRef {
  run: string;
  episode: string;
}

/** Parses `<run>/<episode>` (the compare page's a= and b=); null unless both parts are safe names. */
export function parseEpisodeRef(text: string | null | undefined): EpisodeRef | null {
  if (text === null || text === undefined) return null;
  const parts = text.split('/');
  if (parts.length !== 2) return null;
  const [run, episode] = parts as [string, string];
  return isSafeSegment(run) && isSafeSegment(episode) ? { run, episode } : null;
}

/** Splits a URL path into decoded segments; null when it cannot be decoded. Empty segments are dropped. */
export function urlSegments(pathname: string): string[] | null {
  const out: string[] = [];
  for (const part of pathname.split('/')) {
    if (part === '') continue;
    try {
      out.push(decodeURIComponent(part));
    } catch {
      return null;
    }
  }
  return out;
}
