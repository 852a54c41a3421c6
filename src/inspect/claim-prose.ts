/**
 * The prose of an agent's last message, cut into sentences: what the agent says, without what it
 * shows. Fenced and indented code (with the comments and docstrings in it), diffs and quoted
 * output (`>` lines) are dropped; the claim is read from what is left.
 */

/** The classifier reads at most this much prose (head and tail): the agent controls the text. */
export const MAX_PROSE_CHARS = 20_000;
/** Longer sentences are read in pieces: every pattern then runs on a bounded string. */
export const MAX_SENTENCE_CHARS = 600;

export interface Sentence {
  /** As the agent wrote it (markup kept), for the evidence. */
  original: string;
  /** Lower case, plain quotes, no markdown emphasis or backticks: what the patterns read. */
  text: string;
}

const fence = /^ {0,3}(`{3,}|~{3,})/;
const quoted = /^ {0,3}>/;
const diffHeader = /^(diff --git |index [0-9a-f]+\.\.|--- (a\/|\/dev\/null)|\+\+\+ (b\/|\/dev\/null)|@@ )/;
const diffBody = /^([ +\-\\]|@@ )/;
const indentedCode = /^( {4}|\t)/;
const listItem = /^\s*([-*+]|\d+[.)])\s/;

/** The lines of the message that are prose. */
export function proseLines(text: string): string[] {
  const out: string[] = [];
  let fenceMark: string | null = null;
  let inDiff = false;
  let inIndentedCode = false;
  let previousBlank = true;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const f = fence.exec(line);
    if (fenceMark !== null) {
      if (f !== null && f[1] !== undefined && f[1][0] === fenceMark[0] && f[1].length >= fenceMark.length && line.trim() === f[1]) fenceMark = null;
      continue;
    }
    if (f !== null && f[1] !== undefined) {
      fenceMark = f[1];
      continue;
    }
    if (diffHeader.test(line)) {
      inDiff = true;
      continue;
    }
    if (inDiff) {
      if (line === '' || diffBody.test(line)) continue;
      inDiff = false;
    }
    if (quoted.test(line)) {
      previousBlank = false;
      continue;
    }
    if (line.trim() === '') {
      previousBlank = true;
      inIndentedCode = false;
      out.push('');
      continue;
    }
    // An indented block after a blank line is code, unless it is a (nested) list item.
    if (indentedCode.test(line) && !listItem.test(line) && (previousBlank || inIndentedCode)) {
      inIndentedCode = true;
      continue;
    }
    inIndentedCode = false;
    previousBlank = false;
    out.push(line);
  }
  return out;
}

function normalize(text: string): string {
  return text
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, ' - ')
    .replace(/[*`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Head and tail of long prose, so that a huge message costs a bounded amount of work. */
function bounded(prose: string): string {
  if (prose.length <= MAX_PROSE_CHARS) return prose;
  const half = MAX_PROSE_CHARS / 2;
  return `${prose.slice(0, half)}\n${prose.slice(prose.length - half)}`;
}

const blockStart = /^\s*(?:[-*+\u2022]\s|\d{1,3}[.)]\s|#{1,6}\s|\|)/;

/**
 * The paragraph's lines joined: a line wrapped in the middle of a sentence goes on the line before
 * it; a blank line, a bullet, a numbered item, a heading or a table row starts a new one.
 */
function logicalLines(prose: string): string[] {
  const out: string[] = [];
  let open = false;
  let afterHeading = false;
  for (const line of prose.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') {
      open = false;
      continue;
    }
    const starts = blockStart.test(line);
    if (open && !starts && !afterHeading) out[out.length - 1] = `${out[out.length - 1] ?? ''}\n${trimmed}`;
    else out.push(trimmed);
    open = true;
    afterHeading = /^\s*#{1,6}\s/.test(line) || /^\s*\|/.test(line);
  }
  return out;
}

/**
 * Sentences of the prose: a paragraph's wrapped lines are joined; a bullet, a heading or a blank
 * line ends a sentence, and so does `.`, `!` or `?` before a space. Dots inside a word
 * (`func.py`, `0.05s`) do not.
 */
export function proseSentences(message: string): Sentence[] {
  const prose = bounded(proseLines(message).join('\n'));
  const out: Sentence[] = [];
  for (const line of logicalLines(prose)) {
    let start = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if ((c === '.' || c === '!' || c === '?') && (i + 1 === line.length || line[i + 1] === ' ' || line[i + 1] === '\n')) {
        push(line.slice(start, i + 1));
        start = i + 1;
      }
    }
    push(line.slice(start));
  }
  return out;

  function push(piece: string): void {
    let rest = piece.trim();
    // A run-on "sentence" is read in pieces of bounded length, cut at a space where there is one.
    while (rest.length > MAX_SENTENCE_CHARS) {
      const space = rest.lastIndexOf(' ', MAX_SENTENCE_CHARS);
      const cut = space > MAX_SENTENCE_CHARS / 2 ? space : MAX_SENTENCE_CHARS;
      add(rest.slice(0, cut).trim());
      rest = rest.slice(cut).trim();
    }
    add(rest);
  }

  function add(original: string): void {
    if (original === '') return;
    const text = normalize(original);
    if (/[a-z0-9]/.test(text)) out.push({ original, text });
  }
}
