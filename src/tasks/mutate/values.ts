/**
 * A different value of the same type for an expected literal, written as source text of the test's
 * language: an int + 1, a float + 1, a string or bytes with its last character changed, a bool
 * flipped, a list / tuple / dict with one element changed (its last changeable one).
 */
import type { Literal, Span } from './sites.js';

export type SourceLang = 'python' | 'js';

export interface Splice {
  start: number;
  end: number;
  text: string;
}

export interface ValueChange {
  splice: Splice;
  /** The expected value as written before and after (source text; `true` / `false` for a truth test). */
  before: string;
  after: string;
}

export type ChangeOutcome = { change: ValueChange } | { reason: string };

const hexDigits = '0123456789abcdef';

/** The next character of the same kind: a→b, z→a, 9→0 (within hex digits for a hex string), else x (or y). */
function nextChar(c: string, hex: boolean): string {
  if (hex) return hexDigits[(hexDigits.indexOf(c) + 1) % 16] ?? 'x';
  const cycle = (first: string, last: string): string | undefined =>
    c >= first && c <= last ? String.fromCharCode(c === last ? first.charCodeAt(0) : c.charCodeAt(0) + 1) : undefined;
  return cycle('a', 'z') ?? cycle('A', 'Z') ?? cycle('0', '9') ?? (c === 'x' ? 'y' : 'x');
}

/** The string with its last character changed ("" becomes "x"). */
export function changedString(value: string): string {
  const chars = [...value];
  const last = chars.pop();
  if (last === undefined) return 'x';
  return chars.join('') + nextChar(last, /^[0-9a-f]{8,}$/.test(value));
}

/** The bytes (hex) with the last byte changed the same way (empty becomes b"x"). */
export function changedBytes(hex: string): Buffer {
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length === 0) return Buffer.from('x');
  const last = bytes[bytes.length - 1] ?? 0;
  const c = String.fromCharCode(last);
  bytes[bytes.length - 1] = /[A-Za-z0-9]/.test(c) ? nextChar(c, false).charCodeAt(0) : last === 0x78 ? 0x79 : 0x78;
  return bytes;
}

/** The quote a string literal was written with (after any prefix such as r, b or f), or '"'. */
function quoteOf(literalText: string): string {
  const m = /^[A-Za-z]*(["'`])/.exec(literalText);
  return m?.[1] ?? '"';
}

function escapeChar(c: string, quote: string, lang: SourceLang): string {
  if (c === '\\') return '\\\\';
  if (c === quote) return `\\${quote}`;
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  if (lang === 'js' && quote === '`' && c === '$') return '\\$';
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  // Line and paragraph separators end a JavaScript string literal in older engines; escape them.
  if (lang === 'js' && (code === 0x2028 || code === 0x2029)) return `\\u${code.toString(16)}`;
  return c;
}

export function stringLiteral(value: string, quote: string, lang: SourceLang): string {
  return quote + [...value].map((c) => escapeChar(c, quote, lang)).join('') + quote;
}

function bytesLiteral(bytes: Buffer, quote: string): string {
  let out = `b${quote}`;
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    if (c === '\\' || c === quote) out += `\\${c}`;
    else if (b >= 0x20 && b < 0x7f) out += c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out + quote;
}

/** A float as Python or JavaScript reads it back as a float (Python: always with a point or exponent). */
function floatText(value: number, lang: SourceLang): string {
  const text = String(value);
  return lang === 'python' && /^-?\d+$/.test(text) ? `${text}.0` : text;
}

/** The leaf that a change of this literal touches: itself, or its last changeable element. */
type ScalarLiteral = Exclude<Literal, { items: Literal[] } | { t: 'none' }>;

function changeableLeaf(lit: Literal): ScalarLiteral | { reason: string } {
  if ('items' in lit) {
    for (let i = lit.items.length - 1; i >= 0; i--) {
      const item = lit.items[i];
      if (item === undefined) continue;
      const leaf = changeableLeaf(item);
      if (!('reason' in leaf)) return leaf;
    }
    return { reason: lit.items.length === 0 ? `an empty ${lit.t}: no element to change` : `a ${lit.t} with no element that can be changed` };
  }
  if (lit.t === 'none') return { reason: 'None has no other value of its type' };
  return lit;
}

const text = (source: Buffer, s: Span): string => source.subarray(s[0], s[1]).toString('utf8');

/** The splice that gives the expected literal a different value of the same type, or why there is none. */
export function changeExpected(expected: Literal, source: Buffer, lang: SourceLang): ChangeOutcome {
  const leaf = changeableLeaf(expected);
  if ('reason' in leaf) return { reason: expected.t === 'none' ? (lang === 'python' ? 'None has no other value of its type' : 'null has no other value of its type') : leaf.reason };
  const [start, end] = leaf.s;
  const original = text(source, leaf.s);
  let replacement: string;
  switch (leaf.t) {
    case 'bool': {
      const flipped = !leaf.v;
      replacement = leaf.spell !== undefined ? leaf.spell[flipped ? 'true' : 'false'] : lang === 'python' ? (flipped ? 'True' : 'False') : String(flipped);
      if (leaf.spell !== undefined && expected === leaf) {
        // A truth test (`assert f(x)`, `assertTrue`): the value is the truth asked for, not source text.
        return { change: { splice: { start, end, text: replacement }, before: String(leaf.v), after: String(flipped) } };
      }
      break;
    }
    case 'int': {
      const next = BigInt(leaf.v) + 1n;
      replacement = `${next}${lang === 'js' && original.endsWith('n') ? 'n' : ''}`;
      break;
    }
    case 'float': {
      const next = leaf.v + 1;
      if (next === leaf.v) return { reason: `${original} + 1 is the same float: the changed value would equal the original` };
      replacement = floatText(next, lang);
      break;
    }
    case 'str':
      replacement = stringLiteral(changedString(leaf.v), quoteOf(original), lang);
      break;
    case 'bytes':
      replacement = bytesLiteral(changedBytes(leaf.v), quoteOf(original));
      break;
  }
  const whole = expected.s;
  const before = text(source, whole);
  const after = Buffer.concat([source.subarray(whole[0], start), Buffer.from(replacement), source.subarray(end, whole[1])]).toString('utf8');
  if (after === before) return { reason: `the changed value ${after} is written the same as the original` };
  return { change: { splice: { start, end, text: replacement }, before, after } };
}

/** Applies splices (non-overlapping, any order) to a buffer. */
export function applySplices(source: Buffer, splices: readonly Splice[]): Buffer {
  const sorted = [...splices].sort((a, b) => a.start - b.start);
  const parts: Buffer[] = [];
  let at = 0;
  for (const s of sorted) {
    if (s.start < at || s.end < s.start || s.end > source.length) throw new Error(`splice [${s.start}, ${s.end}) overlaps another or lies outside the ${source.length}-byte file`);
    parts.push(source.subarray(at, s.start), Buffer.from(s.text, 'utf8'));
    at = s.end;
  }
  parts.push(source.subarray(at));
  return Buffer.concat(parts);
}
