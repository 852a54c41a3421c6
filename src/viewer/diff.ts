/**
 * The episode's diff.patch rendered with diff2html (which escapes file names and lines), one file
 * at a time so that each file whose path the inspector found protected carries a badge.
 */
import { html as diffHtml, parse as parseDiff } from 'diff2html';
import { gitUnescapePath } from '../inspect/patch.js';
import type { EpisodeRecord } from '../runs/record.js';
import { html, trusted, type SafeHtml } from './escape.js';

/** Above this many characters the diff is rendered line by line only, and cut. */
export const DIFF_BOTH_FORMATS_CHARS = 1_000_000;
export const DIFF_MAX_CHARS = 3_000_000;
/** Files of a diff rendered in the page; the rest are in diff.patch, linked. */
export const DIFF_MAX_FILES = 100;

/** Where the `n`th file's section (0-based) starts, or -1 when the patch has no more than n files. */
function sectionStart(patch: string, n: number): number {
  let start = patch.startsWith('diff --git ') ? 0 : -1;
  let found = start === 0 ? 1 : 0;
  while (found <= n) {
    const nl = patch.indexOf('\ndiff --git ', start + 1);
    if (nl === -1) return -1;
    start = nl + 1;
    found += 1;
  }
  return start;
}

type ProtectedChange = NonNullable<EpisodeRecord['evidence']>['protectedChanges'][number];

/** The file's path: diff2html drops the double quotes of a name git quoted, not its escapes. */
function pathOf(oldName: string, newName: string): string {
  return gitUnescapePath(newName === '/dev/null' || newName === '' ? oldName : newName);
}

export interface RenderedDiff {
  files: number;
  /** The markup of the diff section's body. */
  body: SafeHtml;
  protectedFiles: string[];
}

/**
 * Renders a unified diff. `rawHref` links to diff.patch (shown when the diff had to be cut).
 */
export function renderDiff(patch: string, protectedChanges: readonly ProtectedChange[], rawHref: string): RenderedDiff {
  if (!/\S/.test(patch)) return { files: 0, body: html`<p class="muted">No changes against the baseline.</p>`, protectedFiles: [] };
  const bySize = patch.length > DIFF_MAX_CHARS ? patch.slice(0, patch.lastIndexOf('\ndiff --git ', DIFF_MAX_CHARS) + 1 || DIFF_MAX_CHARS) : patch;
  const fileCut = sectionStart(bySize, DIFF_MAX_FILES);
  const text = fileCut === -1 ? bySize : bySize.slice(0, fileCut);
  const cut = text.length < patch.length;
  const both = text.length <= DIFF_BOTH_FORMATS_CHARS;
  const files = parseDiff(text, { diffMaxChanges: 20_000, diffMaxLineLength: 5_000 });
  // Only the shown files' changes are looked up: the list can hold 200,000 entries.
  const byPath = new Map<string, ProtectedChange[]>();
  for (const file of files) for (const name of [file.oldName, file.newName]) byPath.set(gitUnescapePath(name), []);
  for (const change of protectedChanges) byPath.get(change.path)?.push(change);

  const list: SafeHtml[] = [];
  const sections: SafeHtml[] = [];
  const protectedFiles: string[] = [];
  files.forEach((file, i) => {
    const path = pathOf(file.oldName, file.newName);
    const oldPath = gitUnescapePath(file.oldName);
    const changes = [...(byPath.get(path) ?? []), ...(oldPath !== path ? (byPath.get(oldPath) ?? []) : [])];
    const isProtected = changes.length > 0;
    if (isProtected) protectedFiles.push(path);
    const badge = isProtected
      ? html`<span class="badge protected" title="${changes.map((c) => `${c.kind}: ${c.reason}`).join('\n')}">protected · ${[...new Set(changes.map((c) => c.kind))].join(', ')}</span>`
      : '';
    const status = file.isNew === true ? 'added' : file.isDeleted === true ? 'deleted' : file.isRename === true ? 'renamed' : 'modified';
    list.push(
      html`<li class="${isProtected ? 'protected' : ''}"><a href="#diff-file-${i}">${path}</a> <span class="muted">${status}</span> <span class="add">+${file.addedLines}</span> <span class="del">−${file.deletedLines}</span> ${badge}</li>`,
    );
    const lineByLine = trusted(diffHtml([file], { drawFileList: false, outputFormat: 'line-by-line', matching: 'none' }));
    const sideBySide = both ? trusted(diffHtml([file], { drawFileList: false, outputFormat: 'side-by-side', matching: 'none' })) : null;
    sections.push(html`<section class="diff-file${isProtected ? ' is-protected' : ''}" id="diff-file-${i}" data-path="${path}" data-protected="${isProtected ? '1' : '0'}">
<div class="diff-file-head"><code>${path}</code> ${badge}</div>
<div class="diff-format line-by-line">${lineByLine}</div>
${sideBySide === null ? '' : html`<div class="diff-format side-by-side">${sideBySide}</div>`}
</section>`);
  });
  const note = cut
    ? html`<p class="warn">The diff is ${patch.length.toLocaleString('en')} characters: only its first ${files.length.toLocaleString('en')} files are shown. <a href="${rawHref}">The whole diff.patch</a>.</p>`
    : both
      ? ''
      : html`<p class="muted">A large diff: shown line by line only. <a href="${rawHref}">diff.patch</a>.</p>`;
  const body = html`${note}<ul class="diff-files">${list}</ul>${sections}`;
  return { files: files.length, body, protectedFiles };
}

export const diffHasBothFormats = (patch: string): boolean => patch.length <= DIFF_BOTH_FORMATS_CHARS;
