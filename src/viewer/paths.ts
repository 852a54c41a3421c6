/**
 * The path guard: URL segments become file paths only through here, and nothing outside the
 * runs directory can be reached. A segment must be a plain name (no `..`, no separator, no NUL,
 * not absolute); the joined path is resolved and must stay under the root, also after symlinks.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';

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
