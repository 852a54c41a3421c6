/**
 * A small tokenizer for Python and JavaScript/TypeScript, for the technique rules: one pass over
 * the text, each character read once (linear on any input), comments dropped, strings decoded,
 * and the code grouped into logical lines with their indentation and nesting.
 */

export type TokenKind = 'name' | 'number' | 'string' | 'op';

export interface Token {
  kind: TokenKind;
  /** The token as written (strings: the decoded value). */
  text: string;
  /** 1-based line where the token starts. */
  line: number;
}

export interface LogicalLine {
  tokens: Token[];
  /** 1-based line of the first token. */
  line: number;
  /** Column of the first token (Python's indentation). */
  indent: number;
  /** Bracket depth ({, (, [) at the start of the line (JavaScript's nesting). */
  depth: number;
}

export type TokenLang = 'python' | 'js';

const threeCharOps = new Set(['===', '!==', '**=', '//=', '>>=', '<<=', '...', '>>>', '&&=', '||=', '??=']);
const twoCharOps = new Set([
  '**', '//', '==', '!=', '<=', '>=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '->', ':=', '=>', '++', '--', '&&', '||', '??', '?.', '<<', '>>',
]);
const nameRe = /[A-Za-z_$][\w$]*/y;
const numberRe = /0[xX][0-9a-fA-F_]+n?|0[oO][0-7_]+n?|0[bB][01_]+n?|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?[jJn]?/y;

function decodeEscapes(body: string): string {
  return body.replace(/\\(n|t|r|\\|'|"|`|0)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c === '0' ? '\0' : c));
}

function isIdentChar(c: string): boolean {
  return /[\w$]/.test(c);
}

/** Where a JavaScript `/` starts a regular expression: no value before it. */
function regexAllowed(prev: Token | undefined): boolean {
  if (prev === undefined) return true;
  if (prev.kind === 'number' || prev.kind === 'string') return false;
  if (prev.kind === 'name') return /^(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/.test(prev.text);
  return !(prev.text === ')' || prev.text === ']' || prev.text === '}');
}

/** Tokens of a whole file. */
export function tokenize(text: string, lang: TokenLang): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  const advanceLines = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (text.charCodeAt(k) === 10) line++;
  };
  while (i < n) {
    const c = text[i] ?? '';
    if (c === '\n') {
      tokens.push({ kind: 'op', text: '\n', line });
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      // An explicit line join: no newline token.
      line++;
      i += 2;
      continue;
    }
    if (lang === 'python' && c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (lang === 'js' && c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (lang === 'js' && c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close === -1 ? n : close + 2;
      advanceLines(i, end);
      i = end;
      continue;
    }
    // Strings (Python prefixes r, b, u, f and pairs of them; JS quotes and template literals).
    let prefixLen = 0;
    if (lang === 'python') {
      while (prefixLen < 2 && /[rRbBuUfF]/.test(text[i + prefixLen] ?? '')) prefixLen++;
      if (prefixLen > 0 && (i > 0 && isIdentChar(text[i - 1] ?? ''))) prefixLen = 0;
    }
    const q = text[i + prefixLen] ?? '';
    if ((q === '"' || q === "'" || (lang === 'js' && q === '`')) && (prefixLen === 0 || lang === 'python')) {
      const raw = /[rR]/.test(text.slice(i, i + prefixLen));
      const triple = lang === 'python' && text[i + prefixLen + 1] === q && text[i + prefixLen + 2] === q;
      const quote = triple ? q + q + q : q;
      const multiLine = triple || q === '`';
      const start = line;
      let j = i + prefixLen + quote.length;
      const bodyStart = j;
      let closed = false;
      while (j < n) {
        const d = text[j];
        if (d === '\\') {
          j += 2;
          continue;
        }
        if (d === '\n' && !multiLine) break;
        if (d === q && (!triple || (text[j + 1] === q && text[j + 2] === q))) {
          closed = true;
          break;
        }
        j++;
      }
      const body = text.slice(bodyStart, Math.min(j, n));
      const end = closed ? j + quote.length : Math.min(j, n);
      advanceLines(i, end);
      tokens.push({ kind: 'string', text: raw ? body : decodeEscapes(body), line: start });
      i = end;
      continue;
    }
    if (lang === 'js' && c === '/' && regexAllowed(tokens[tokens.length - 1])) {
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== '\n') {
        const d = text[j];
        if (d === '\\') j++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        j++;
      }
      j++;
      while (j < n && /[a-z]/.test(text[j] ?? '')) j++;
      tokens.push({ kind: 'string', text: text.slice(i, Math.min(j, n)), line });
      i = Math.min(j, n);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      numberRe.lastIndex = i;
      const m = numberRe.exec(text);
      const len = m === null || m[0] === '' ? 1 : m[0].length;
      tokens.push({ kind: 'number', text: text.slice(i, i + len), line });
      i += len;
      continue;
    }
    if (/[A-Za-z_$]/.test(c) || c.charCodeAt(0) > 127) {
      nameRe.lastIndex = i;
      const m = nameRe.exec(text);
      const len = m === null || m[0] === '' ? 1 : m[0].length;
      tokens.push({ kind: 'name', text: text.slice(i, i + len), line });
      i += len;
      continue;
    }
    const three = text.slice(i, i + 3);
    const two = text.slice(i, i + 2);
    const op = threeCharOps.has(three) ? three : twoCharOps.has(two) ? two : c;
    tokens.push({ kind: 'op', text: op, line });
    i += op.length;
  }
  return tokens;
}

/**
 * Logical lines: Python's (newlines inside brackets do not end a line) or, for JavaScript, one per
 * physical line with its brace depth.
 */
export function logicalLines(text: string, lang: TokenLang): LogicalLine[] {
  const tokens = tokenize(text, lang);
  const lineStarts = columnsOfLines(text);
  const out: LogicalLine[] = [];
  let current: Token[] = [];
  let depth = 0;
  let startDepth = 0;
  const flush = (): void => {
    const first = current[0];
    if (first !== undefined) out.push({ tokens: current, line: first.line, indent: lineStarts[first.line - 1] ?? 0, depth: startDepth });
    current = [];
    startDepth = depth;
  };
  for (const t of tokens) {
    if (t.kind === 'op' && t.text === '\n') {
      if (lang === 'js' || depth === 0) flush();
      continue;
    }
    if (t.kind === 'op') {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if ((t.text === ')' || t.text === ']' || t.text === '}') && depth > 0) depth--;
    }
    current.push(t);
  }
  flush();
  return out;
}

/** Indentation (leading blanks) of every physical line. */
function columnsOfLines(text: string): number[] {
  const out: number[] = [];
  let col = 0;
  let counting = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      out.push(col);
      col = 0;
      counting = true;
    } else if (counting && (c === ' ' || c === '\t')) col++;
    else counting = false;
  }
  out.push(col);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Literal values

/**
 * The value of a literal expression as a canonical key (`n:7`, `s:"abc"`, `b:true`, `none`), or
 * undefined when the tokens are not a literal. Integer arithmetic (+ - * ** //) is evaluated
 * exactly, so `10**18 - 11` and `999999999999999989` are the same value.
 */
export function literalValue(tokens: readonly Token[]): string | undefined {
  if (tokens.length === 0 || tokens.length > 40) return undefined;
  const first = tokens[0];
  if (tokens.length === 1 && first !== undefined) {
    if (first.kind === 'string') return `s:${JSON.stringify(first.text)}`;
    if (first.kind === 'name') {
      if (first.text === 'True' || first.text === 'true') return 'b:true';
      if (first.text === 'False' || first.text === 'false') return 'b:false';
      if (first.text === 'None' || first.text === 'null' || first.text === 'undefined') return 'none';
      return undefined;
    }
  }
  const n = evalArithmetic(tokens);
  return n === undefined ? undefined : `n:${n}`;
}

/** Values no special case is needed for: an honest base case returns them too. */
export function isTrivialValue(key: string): boolean {
  return /^(n:-?[01](\.0+)?|b:(true|false)|none|s:""|n:-?0\.0*)$/.test(key);
}

type Num = bigint | number;

function evalArithmetic(tokens: readonly Token[]): string | undefined {
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const atom = (): Num | undefined => {
    const t = peek();
    if (t === undefined) return undefined;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      pos++;
      const v = power();
      if (v === undefined) return undefined;
      return t.text === '-' ? (typeof v === 'bigint' ? -v : -v) : v;
    }
    if (t.kind === 'op' && t.text === '(') {
      pos++;
      const v = sum();
      if (peek()?.text !== ')') return undefined;
      pos++;
      return v;
    }
    if (t.kind !== 'number') return undefined;
    pos++;
    return parseNumber(t.text);
  };
  const power = (): Num | undefined => {
    const base = atom();
    if (base === undefined) return undefined;
    if (peek()?.text === '**') {
      pos++;
      const exp = power();
      if (exp === undefined) return undefined;
      if (typeof base === 'bigint' && typeof exp === 'bigint' && exp >= 0n && exp <= 4096n) return base ** exp;
      return Number(base) ** Number(exp);
    }
    return base;
  };
  const product = (): Num | undefined => {
    let v = power();
    while (v !== undefined && (peek()?.text === '*' || peek()?.text === '//')) {
      const op = peek()?.text;
      pos++;
      const r = power();
      if (r === undefined) return undefined;
      if (typeof v === 'bigint' && typeof r === 'bigint') {
        if (op === '//' && r === 0n) return undefined;
        v = op === '*' ? v * r : floorDiv(v, r);
      } else v = op === '*' ? Number(v) * Number(r) : Math.floor(Number(v) / Number(r));
    }
    return v;
  };
  const sum = (): Num | undefined => {
    let v = product();
    while (v !== undefined && (peek()?.text === '+' || peek()?.text === '-')) {
      const op = peek()?.text;
      pos++;
      const r = product();
      if (r === undefined) return undefined;
      if (typeof v === 'bigint' && typeof r === 'bigint') v = op === '+' ? v + r : v - r;
      else v = op === '+' ? Number(v) + Number(r) : Number(v) - Number(r);
    }
    return v;
  };
  const v = sum();
  if (v === undefined || pos !== tokens.length) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER) return String(v);
  return typeof v === 'bigint' ? v.toString() : Number.isFinite(v) ? String(v) : undefined;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function parseNumber(text: string): Num | undefined {
  const t = text.replace(/_/g, '').replace(/n$/, '');
  if (/[jJ]$/.test(t)) return undefined;
  try {
    if (/^0[xX][0-9a-fA-F]+$|^0[oO][0-7]+$|^0[bB][01]+$|^\d+$/.test(t)) return BigInt(t);
  } catch {
    return undefined;
  }
  const v = Number(t);
  if (!Number.isFinite(v)) return undefined;
  return Number.isInteger(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER ? BigInt(v) : v;
}

/** Splits tokens at top-level commas (inside no bracket). */
export function splitTopLevel(tokens: readonly Token[], separator = ','): Token[][] {
  const parts: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'op') {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      else if (t.text === separator && depth === 0) {
        parts.push(current);
        current = [];
        continue;
      }
    }
    current.push(t);
  }
  if (current.length > 0 || parts.length > 0) parts.push(current);
  return parts;
}

const bracketMatches = new WeakMap<readonly Token[], Int32Array>();

/** For every bracket token, the index of its partner (-1 when unmatched); one pass, cached per array. */
function matchesOf(tokens: readonly Token[]): Int32Array {
  const cached = bracketMatches.get(tokens);
  if (cached !== undefined) return cached;
  const match = new Int32Array(tokens.length).fill(-1);
  const stack: number[] = [];
  tokens.forEach((t, k) => {
    if (t.kind !== 'op') return;
    if (t.text === '(' || t.text === '[' || t.text === '{') stack.push(k);
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      const open = stack.pop();
      if (open !== undefined) {
        match[open] = k;
        match[k] = open;
      }
    }
  });
  bracketMatches.set(tokens, match);
  return match;
}

/**
 * Index of the bracket closing the one at `open`, or -1 (also when it lies more than `maxSpan`
 * tokens away). Brackets pair by nesting whatever their shape, as a tolerant reader of code must.
 */
export function closingBracket(tokens: readonly Token[], open: number, maxSpan = 50_000): number {
  const close = matchesOf(tokens)[open] ?? -1;
  return close < open || close - open > maxSpan ? -1 : close;
}

/** Index of the bracket opening the one that closes at `close`, or -1. */
export function openingBracket(tokens: readonly Token[], close: number): number {
  const open = matchesOf(tokens)[close] ?? -1;
  return open > close ? -1 : open;
}
