/**
 * Linear-time scanners for the inspector's work on agent-controlled text. Each replaces a regular
 * expression that V8's backtracking engine runs in quadratic (or worse) time on a crafted line:
 * quoted strings, "A then later B" patterns, and many literal needles in one text.
 */

/** JavaScript's `\s`, for one character. */
export function isSpace(ch: string): boolean {
  return ch !== '' && /\s/.test(ch);
}

/** The index of the first non-`\s` character at or after `from` (text.length when none). */
export function skipSpaces(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text[i] ?? '')) i++;
  return i;
}

export interface QuotedSpan {
  start: number;
  /** Index just past the closing quote. */
  end: number;
  quote: string;
  /** The text between the quotes, escapes left as written. */
  body: string;
}

/**
 * The quoted strings of a line, exactly as the global pattern `(["'])((?:\\.|(?!\1)[^\\])*)\1`
 * (with the given quote characters) finds them: leftmost first, a backslash escapes the next
 * character (not a line terminator), the first unescaped same quote closes. A quote that never
 * closes starts nothing; every same quote it escaped fails the same way, so each is looked at once.
 */
export function quotedSpans(line: string, quotes: string): QuotedSpan[] {
  const out: QuotedSpan[] = [];
  /** Per quote character: where its last failed scan gave up (starts before it fail too). */
  const deadEnd = new Map<string, number>();
  let i = 0;
  while (i < line.length) {
    const q = line[i] ?? '';
    if (!quotes.includes(q) || i < (deadEnd.get(q) ?? -1)) {
      i++;
      continue;
    }
    let j = i + 1;
    let closed = -1;
    while (j < line.length) {
      const c = line[j] ?? '';
      if (c === '\\') {
        const next = line[j + 1];
        if (next === undefined || isLineTerminator(next)) break;
        j += 2;
        continue;
      }
      if (c === q) {
        closed = j;
        break;
      }
      j++;
    }
    if (closed === -1) {
      deadEnd.set(q, j);
      i++;
      continue;
    }
    out.push({ start: i, end: closed + 1, quote: q, body: line.slice(i + 1, closed) });
    i = closed + 1;
  }
  return out;
}

export function isLineTerminator(ch: string): boolean {
  return ch === '\n' || ch === '\r' || ch === '\u2028' || ch === '\u2029';
}

/** Each quoted string replaced by `replace(span)`, the rest kept. */
export function replaceQuoted(line: string, quotes: string, replace: (span: QuotedSpan) => string): string {
  const spans = quotedSpans(line, quotes);
  if (spans.length === 0) return line;
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += line.slice(at, span.start) + replace(span);
    at = span.end;
  }
  return out + line.slice(at);
}

/**
 * Whether the patterns match one after another, each gap free of `gapStop` characters, as the
 * single pattern `a.*b.*c` (gapStop: line terminators) or `a[^\n]*b` (gapStop: newline) would, but
 * in linear time: the text is cut at the gap stops and each piece is searched left to right, taking
 * the earliest match of each pattern (a later one can only leave less room for the next). Patterns
 * must be global (`g`), match at least one character, and not match across a gap stop themselves.
 */
export function matchInOrder(text: string, patterns: readonly RegExp[], gapStop: 'line-terminator' | 'newline'): boolean {
  const pieces = gapStop === 'newline' ? text.split('\n') : text.split(/[\n\r\u2028\u2029]/);
  for (const piece of pieces) {
    let at = 0;
    let all = true;
    for (const pattern of patterns) {
      pattern.lastIndex = at;
      const m = pattern.exec(piece);
      if (m === null) {
        all = false;
        break;
      }
      at = m.index + m[0].length;
    }
    if (all) return true;
  }
  return false;
}

/**
 * Many literal needles searched in a text at once (Aho-Corasick): which needles occur, each
 * reported once, in time linear in the needles' total length plus the text's.
 */
export class NeedleSet {
  private readonly next: Map<string, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  /** Needles ending at a state (by index into `needles`). */
  private readonly ends: number[][] = [[]];
  /** The nearest state down the fail chain that ends a needle (-1: none). */
  private readonly outLink: number[] = [-1];
  private readonly needles: string[];

  constructor(needles: Iterable<string>) {
    this.needles = [...new Set(needles)].filter((n) => n !== '');
    this.needles.forEach((needle, index) => {
      let state = 0;
      for (const ch of needle) {
        let to = this.next[state]?.get(ch);
        if (to === undefined) {
          to = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.ends.push([]);
          this.outLink.push(-1);
          this.next[state]?.set(ch, to);
        }
        state = to;
      }
      this.ends[state]?.push(index);
    });
    const queue: number[] = [];
    for (const to of this.next[0]?.values() ?? []) queue.push(to);
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] ?? 0;
      for (const [ch, to] of this.next[state] ?? new Map<string, number>()) {
        let f = this.fail[state] ?? 0;
        while (f !== 0 && this.next[f]?.get(ch) === undefined) f = this.fail[f] ?? 0;
        const target = this.next[f]?.get(ch);
        const fallback = target !== undefined && target !== to ? target : 0;
        this.fail[to] = fallback;
        this.outLink[to] = (this.ends[fallback]?.length ?? 0) > 0 ? fallback : this.outLink[fallback] ?? -1;
        queue.push(to);
      }
    }
  }

  get size(): number {
    return this.needles.length;
  }

  /**
   * Feeds the texts in order and calls `found(needle, textIndex)` the first time each needle occurs
   * (needles never match across two texts).
   */
  scan(texts: readonly string[], found: (needle: string, textIndex: number) => void): void {
    if (this.needles.length === 0) return;
    const reported = new Uint8Array(this.next.length);
    texts.forEach((text, textIndex) => {
      let state = 0;
      for (const ch of text) {
        while (state !== 0 && this.next[state]?.get(ch) === undefined) state = this.fail[state] ?? 0;
        state = this.next[state]?.get(ch) ?? 0;
        for (let s = (this.ends[state]?.length ?? 0) > 0 ? state : this.outLink[state] ?? -1; s !== -1 && reported[s] === 0; s = this.outLink[s] ?? -1) {
          reported[s] = 1;
          for (const index of this.ends[s] ?? []) found(this.needles[index] ?? '', textIndex);
        }
      }
    });
  }

  /** The needles that occur in the text. */
  occurringIn(text: string): Set<string> {
    const out = new Set<string>();
    this.scan([text], (needle) => out.add(needle));
    return out;
  }
}
