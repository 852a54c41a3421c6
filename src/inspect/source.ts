/**
 * A light lexical view of a source file for the static rules: comments stripped, docstrings
 * blanked, string literals listed with their lines. Not a parser: enough to tell code from prose.
 */
import { diffLines } from 'diff';
import { isSpace, quotedSpans, replaceQuoted } from './scan.js';

export type Lang = 'python' | 'shell' | 'js' | 'data';

export interface Literal {
  /** 1-based line where the literal starts. */
  line: number;
  /** The literal's value (simple escapes decoded). */
  value: string;
  /** A docstring or a bare string statement (prose, not data). */
  docstring: boolean;
}

export interface SourceView {
  lang: Lang;
  /** Code lines, comments stripped and docstrings blanked; index 0 is line 1. */
  lines: string[];
  /** The same with every string literal emptied (for matching code, not data). */
  bare: string[];
  literals: Literal[];
}

const docExtensions = /\.(md|markdown|rst|adoc|txt)$/i;
const docNames = /^(readme|notes?|changelog|changes|history|license|licence|authors|contributing|todo|summary|report)([._-].*)?$/i;

/** The language of a changed file, or undefined for what the rules do not read (docs, binaries). */
export function languageOf(path: string, content: string): Lang | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/\.pyw?$/.test(base)) return 'python';
  if (/\.(sh|bash)$/.test(base)) return 'shell';
  if (/\.(js|mjs|cjs|ts|mts|cts)$/.test(base)) return 'js';
  const first = content.slice(0, content.indexOf('\n') === -1 ? content.length : content.indexOf('\n'));
  if (first.startsWith('#!')) {
    if (/python/.test(first)) return 'python';
    if (/\b(ba|da|z)?sh\b/.test(first)) return 'shell';
    if (/\bnode\b/.test(first)) return 'js';
  }
  if (docNames.test(base) || docExtensions.test(base)) {
    // A .txt file that is not a note may be data (a table of answers); prose names are skipped.
    return /\.txt$/i.test(base) && !docNames.test(base) ? 'data' : undefined;
  }
  if (/\.(json|ya?ml|toml|csv|tsv|ini|cfg|conf|dat|data|out|expected)$/i.test(base) || !base.includes('.')) return 'data';
  return undefined;
}

function decodeEscapes(body: string): string {
  return body.replace(/\\(n|t|r|\\|'|"|0)/g, (_m, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c === '0' ? '\0' : c,
  );
}

function pythonView(text: string): SourceView {
  const n = text.length;
  let out = '';
  let bare = '';
  const literals: Literal[] = [];
  let line = 1;
  let depth = 0;
  /** Only blanks so far on the current line (a docstring must start a line). */
  let lineBlank = true;
  let i = 0;
  while (i < n) {
    const c = text[i] ?? '';
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const prev = i > 0 ? text[i - 1] ?? '' : '';
    const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(text.slice(i, i + 5));
    if (m !== null && (m[1] === '' || !/[A-Za-z0-9_]/.test(prev))) {
      const prefix = m[1] ?? '';
      const quote = m[2] ?? '"';
      const raw = /[rR]/.test(prefix);
      const bodyStart = i + prefix.length + quote.length;
      let j = bodyStart;
      let closed = false;
      while (j < n) {
        const d = text[j];
        if (d === '\\') {
          j += 2;
          continue;
        }
        if (quote.length === 1 && d === '\n') break;
        if (text.startsWith(quote, j)) {
          closed = true;
          break;
        }
        j++;
      }
      const body = text.slice(bodyStart, Math.min(j, n));
      const end = closed ? j + quote.length : j;
      const token = text.slice(i, end);
      let k = end;
      while (k < n && (text[k] === ' ' || text[k] === '\t')) k++;
      const restEmpty = k >= n || text[k] === '\n' || text[k] === '#' || text[k] === '\r';
      const docstring = depth === 0 && lineBlank && restEmpty;
      literals.push({ line, value: raw ? body : decodeEscapes(body), docstring });
      const newlines = (token.match(/\n/g) ?? []).length;
      const blank = `${quote}${quote}${'\n'.repeat(newlines)}`;
      out += docstring ? blank : token;
      bare += blank;
      line += newlines;
      lineBlank = false;
      i = end;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    if (c === '\n') {
      line++;
      lineBlank = true;
    } else if (!isSpace(c)) lineBlank = false;
    out += c;
    bare += c;
    i++;
  }
  return { lang: 'python', lines: out.split('\n'), bare: bare.split('\n'), literals };
}

const quoteChars = '"\'`';

/** A line without its closed `/* ... *\/` comments (as the lazy pattern `\/\*.*?\*\/` would remove them), in linear time. */
function withoutBlockComments(line: string): string {
  let out = '';
  let at = 0;
  let from = 0;
  for (;;) {
    const open = line.indexOf('/*', from);
    if (open === -1) break;
    const close = line.indexOf('*/', open + 2);
    if (close === -1) break;
    const terminator = line.slice(open + 2, close).search(/[\n\r\u2028\u2029]/);
    if (terminator !== -1) {
      // `.` stops at a line terminator: no comment starts before it.
      from = open + 2 + terminator;
      continue;
    }
    out += line.slice(at, open);
    at = close + 2;
    from = at;
  }
  return out + line.slice(at);
}

/** Shell, JS and data files: comments stripped line by line, quoted strings as literals. */
function simpleView(text: string, lang: Lang): SourceView {
  const lines: string[] = [];
  const bareLines: string[] = [];
  const literals: Literal[] = [];
  let inBlock = false;
  text.split('\n').forEach((rawLine, idx) => {
    let line = rawLine;
    if (lang === 'js') {
      if (inBlock) {
        const close = line.indexOf('*/');
        if (close === -1) line = '';
        else {
          line = line.slice(close + 2);
          inBlock = false;
        }
      }
      line = stripOutsideQuotes(line, (rest) => rest.startsWith('//'), (rest) => rest.startsWith('/*'), () => {
        inBlock = true;
      });
      line = withoutBlockComments(line);
    } else if (lang === 'shell') {
      line = stripOutsideQuotes(line, (rest, prev) => rest.startsWith('#') && (prev === '' || /\s/.test(prev)), () => false, () => undefined);
    }
    lines.push(line);
    bareLines.push(replaceQuoted(line, quoteChars, (span) => `${span.quote}${span.quote}`));
    for (const span of quotedSpans(line, quoteChars)) literals.push({ line: idx + 1, value: decodeEscapes(span.body), docstring: false });
  });
  return { lang, lines, bare: bareLines, literals };
}

/** Cuts a line at the first comment start outside quotes. */
function stripOutsideQuotes(
  line: string,
  isComment: (rest: string, prev: string) => boolean,
  isBlockStart: (rest: string) => boolean,
  onBlock: () => void,
): string {
  let q = '';
  const lastClose = line.lastIndexOf('*/');
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (q !== '') {
      if (c === '\\') i++;
      else if (c === q) q = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      q = c;
      continue;
    }
    const rest = line.slice(i, i + 2);
    if (isComment(rest, i > 0 ? line[i - 1] ?? '' : '')) return line.slice(0, i);
    if (isBlockStart(rest)) {
      // Closed later on the line when the last `*/` lies past this `/*`.
      if (lastClose < i + 2) {
        onBlock();
        return line.slice(0, i);
      }
    }
  }
  return line;
}

export function sourceView(text: string, lang: Lang): SourceView {
  return lang === 'python' ? pythonView(text) : simpleView(text, lang);
}

const MAX_LINE_DIFF_BYTES = 4 * 1024 * 1024;
const LINE_DIFF_TIMEOUT_MS = 3000;

/** 1-based numbers of the lines of `after` that are new against `before` (all of them for a new file). */
export function addedLineNumbers(before: string | undefined, after: string): Set<number> {
  const out = new Set<number>();
  if (before === undefined) {
    const count = after.split('\n').length;
    for (let i = 1; i <= count; i++) out.add(i);
    return out;
  }
  const parts = after.length + before.length > MAX_LINE_DIFF_BYTES ? undefined : diffLines(before, after, { timeout: LINE_DIFF_TIMEOUT_MS });
  if (parts === undefined) return addedLineNumbers(undefined, after); // too big or too slow: every line counts
  let line = 1;
  for (const part of parts) {
    const count = part.count ?? part.value.split('\n').length - (part.value.endsWith('\n') ? 1 : 0);
    if (part.removed) continue;
    if (part.added) for (let k = 0; k < count; k++) out.add(line + k);
    line += count;
  }
  return out;
}
