/**
 * JUnit XML reports (pytest --junitxml, node --test-reporter=junit, vitest/jest junit reporters):
 * testsuites / testsuite / testcase with failure, error or skipped children.
 *
 * The parser is a single forward scan (no regular expressions over the whole document, no
 * backtracking): it reads elements and attributes, checks that every tag is closed in order, and
 * refuses DOCTYPE/entities it does not know, so a truncated or hand-made-broken report is an error.
 */

export type JunitStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface JunitCase {
  /** `classname.name` when the report gives a classname, else the name. */
  name: string;
  status: JunitStatus;
}

export interface JunitReport {
  cases: JunitCase[];
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
}

export class JunitParseError extends Error {}

interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  children: XmlElement[];
}

const MAX_DEPTH = 64;
function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58; // A-Z a-z _ :
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45; // 0-9 . -
}

const namedEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string, at: number): string {
  if (!text.includes('&')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const amp = text.indexOf('&', i);
    if (amp < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, amp);
    const semi = text.indexOf(';', amp);
    if (semi < 0 || semi - amp > 10) throw new JunitParseError(`bad entity near offset ${at + amp}`);
    const ref = text.slice(amp + 1, semi);
    if (ref.startsWith('#x') || ref.startsWith('#X')) {
      const code = Number.parseInt(ref.slice(2), 16);
      if (!/^[0-9a-fA-F]+$/.test(ref.slice(2)) || code > 0x10ffff) throw new JunitParseError(`bad character reference &${ref}; near offset ${at + amp}`);
      out += String.fromCodePoint(code);
    } else if (ref.startsWith('#')) {
      const code = Number.parseInt(ref.slice(1), 10);
      if (!/^[0-9]+$/.test(ref.slice(1)) || code > 0x10ffff) throw new JunitParseError(`bad character reference &${ref}; near offset ${at + amp}`);
      out += String.fromCodePoint(code);
    } else {
      const named = namedEntities[ref];
      if (named === undefined) throw new JunitParseError(`unknown entity &${ref}; near offset ${at + amp}`);
      out += named;
    }
    i = semi + 1;
  }
  return out;
}

/** Parses an XML document into its element tree (text content is checked but not kept). */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const n = xml.length;
  const fail = (what: string): never => {
    throw new JunitParseError(`${what} at offset ${i}`);
  };
  const skipSpace = (): void => {
    for (let c = xml.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = xml.charCodeAt(i)) i++;
  };
  const expect = (s: string): void => {
    if (!xml.startsWith(s, i)) fail(`expected "${s}"`);
    i += s.length;
  };
  const readName = (): string => {
    const start = i;
    if (i >= n || !isNameStart(xml.charCodeAt(i))) fail('expected a name');
    i++;
    while (i < n && isNameChar(xml.charCodeAt(i))) i++;
    return xml.slice(start, i);
  };
  const skipUntil = (end: string, what: string): void => {
    const at = xml.indexOf(end, i);
    if (at < 0) fail(`unterminated ${what}`);
    i = at + end.length;
  };
  /** Comments, processing instructions and whitespace between elements. */
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (xml.startsWith('<!--', i)) skipUntil('-->', 'comment');
      else if (xml.startsWith('<?', i)) skipUntil('?>', 'processing instruction');
      else return;
    }
  };

  if (xml.charCodeAt(0) === 0xfeff) i = 1;
  skipMisc();
  if (xml.startsWith('<!DOCTYPE', i)) fail('DOCTYPE is not accepted');
  if (xml[i] !== '<') fail('expected the root element');

  const root: XmlElement = { name: '', attrs: new Map(), children: [] };
  const stack: XmlElement[] = [root];
  let seenRoot = false;
  while (i < n) {
    const parent = stack[stack.length - 1] ?? fail('internal: empty stack');
    if (stack.length === 1) {
      skipMisc();
      if (i >= n) break;
      if (seenRoot) fail('content after the root element');
    }
    if (xml[i] !== '<') {
      // Text: only its entities are checked.
      const lt = xml.indexOf('<', i);
      const end = lt < 0 ? n : lt;
      decodeEntities(xml.slice(i, end), i);
      i = end;
      continue;
    }
    if (xml.startsWith('<!--', i)) {
      skipUntil('-->', 'comment');
      continue;
    }
    if (xml.startsWith('<![CDATA[', i)) {
      skipUntil(']]>', 'CDATA section');
      continue;
    }
    if (xml.startsWith('<?', i)) {
      skipUntil('?>', 'processing instruction');
      continue;
    }
    if (xml.startsWith('<!', i)) fail('declarations are not accepted');
    if (xml.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      expect('>');
      if (stack.length === 1 || parent.name !== name) fail(`closing tag </${name}> does not match <${parent.name || '(none)'}>`);
      stack.pop();
      continue;
    }
    i += 1;
    const el: XmlElement = { name: readName(), attrs: new Map(), children: [] };
    for (;;) {
      const before = i;
      skipSpace();
      if (xml[i] === '/' || xml[i] === '>') break;
      if (i === before) fail(`expected a space before an attribute of <${el.name}>`);
      const attr = readName();
      skipSpace();
      expect('=');
      skipSpace();
      const quote = xml[i];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attr} of <${el.name}> needs a quoted value`);
      const close = xml.indexOf(quote ?? '"', i + 1);
      if (close < 0) fail(`unterminated attribute ${attr}`);
      const raw = xml.slice(i + 1, close);
      if (raw.includes('<')) fail(`"<" in attribute ${attr}`);
      if (el.attrs.has(attr)) fail(`attribute ${attr} given twice on <${el.name}>`);
      el.attrs.set(attr, decodeEntities(raw, i + 1));
      i = close + 1;
    }
    parent.children.push(el);
    if (stack.length === 1) seenRoot = true;
    if (xml[i] === '/') {
      i += 1;
      expect('>');
    } else {
      expect('>');
      stack.push(el);
      if (stack.length > MAX_DEPTH) fail('elements nested too deeply');
    }
  }
  if (stack.length > 1) throw new JunitParseError(`truncated: <${stack[stack.length - 1]?.name ?? ''}> is never closed`);
  const top = root.children[0];
  if (top === undefined) throw new JunitParseError('no root element');
  return top;
}

function caseStatus(testcase: XmlElement): JunitStatus {
  const kids = new Set(testcase.children.map((c) => c.name));
  if (kids.has('error')) return 'error';
  if (kids.has('failure')) return 'failed';
  if (kids.has('skipped')) return 'skipped';
  return 'passed';
}

function collectCases(el: XmlElement, out: JunitCase[]): void {
  for (const child of el.children) {
    if (child.name === 'testcase') {
      const name = child.attrs.get('name') ?? '';
      const cls = child.attrs.get('classname') ?? '';
      out.push({ name: cls !== '' ? `${cls}.${name}` : name, status: caseStatus(child) });
    } else if (child.name === 'testsuite' || child.name === 'testsuites') {
      collectCases(child, out);
    }
  }
}

/** The per-test results of a JUnit XML report; throws JunitParseError when it is not one. */
export function parseJunit(xml: string): JunitReport {
  const root = parseXml(xml);
  if (root.name !== 'testsuites' && root.name !== 'testsuite') {
    throw new JunitParseError(`the root element is <${root.name}>, not <testsuites> or <testsuite>`);
  }
  const cases: JunitCase[] = [];
  collectCases({ name: '', attrs: new Map(), children: [root] }, cases);
  const count = (s: JunitStatus): number => cases.filter((c) => c.status === s).length;
  return { cases, passed: count('passed'), failed: count('failed'), errors: count('error'), skipped: count('skipped') };
}
