/**
 * What the pristine tests ask of the code: (function, input literals) -> expected literal, read
 * from `assert f(3) == 7`, `self.assertEqual(f(3), 7)`, pytest.mark.parametrize tables,
 * `expect(f(3)).toBe(7)` and `assert.strictEqual(f(3), 7)`. The special-case rule matches the
 * agent's code against these pairs.
 */
import type { FileTree } from '../sandbox/file-tree.js';
import { isBinary } from './patch.js';
import { basename, isProtected, isTestModuleName } from './paths.js';
import { closingBracket, literalValue, logicalLines, splitTopLevel, type LogicalLine, type Token, type TokenLang } from './tokens.js';

export interface TestPair {
  /** The called function's own name (the last part of `mod.f`). */
  func: string;
  /** Canonical literal keys of the positional arguments (undefined: not a literal). */
  args: (string | undefined)[];
  expected: string;
  /** `tests/test_primes.py::test_known_values`. */
  test: string;
}

const jsTestName = /\.(test|spec)\.[cm]?[jt]sx?$/;
const jsExt = /\.[cm]?[jt]sx?$/;

/** The language of a pristine test file, or undefined when the path is not a test. */
export function testFileLang(path: string, protectedGlobs: readonly string[]): TokenLang | undefined {
  if (path.endsWith('.py') && (isTestModuleName(path) || basename(path) === 'conftest.py' || isProtected(path, protectedGlobs))) return 'python';
  if (jsTestName.test(path) || (jsExt.test(path) && isProtected(path, protectedGlobs))) return 'js';
  return undefined;
}

/** A JavaScript test file by its name alone (the rules never read one as code under test). */
export function isJsTestFile(path: string): boolean {
  return jsTestName.test(path);
}

/** Every input/expected pair of the baseline's tests. */
export function testPairs(baseline: FileTree, protectedGlobs: readonly string[]): TestPair[] {
  const out: TestPair[] = [];
  for (const [path, entry] of baseline) {
    if (entry.kind !== 'file' || isBinary(entry.content)) continue;
    const lang = testFileLang(path, protectedGlobs);
    if (lang === undefined) continue;
    const lines = logicalLines(entry.content.toString('utf8'), lang);
    if (lang === 'python') pythonPairs(path, lines, out);
    else jsPairs(path, lines, out);
  }
  return out;
}

interface Call {
  func: string;
  args: Token[][];
}

/** `a.b.f(x, y)` spanning exactly the tokens, or undefined. */
function asCall(tokens: readonly Token[]): Call | undefined {
  let k = 0;
  let func = '';
  while (k < tokens.length && tokens[k]?.kind === 'name') {
    func = tokens[k]?.text ?? '';
    if (tokens[k + 1]?.text === '.' && tokens[k + 2]?.kind === 'name') k += 2;
    else break;
  }
  if (func === '' || tokens[k + 1]?.text !== '(') return undefined;
  const close = closingBracket(tokens, k + 1);
  if (close !== tokens.length - 1) return undefined;
  const inner = tokens.slice(k + 2, close);
  const args = inner.length === 0 ? [] : splitTopLevel(inner);
  if (args.some((a) => a.some((t) => t.kind === 'op' && t.text === '=' ) || a[0]?.text === '*' || a[0]?.text === '**')) return undefined;
  return { func, args };
}

function pairFrom(call: Call, expected: Token[], test: string, bindings?: Map<string, string>): TestPair | undefined {
  const valueOf = (tokens: readonly Token[]): string | undefined => {
    const only = tokens[0];
    if (bindings !== undefined && tokens.length === 1 && only?.kind === 'name' && bindings.has(only.text)) return bindings.get(only.text);
    return literalValue(tokens);
  };
  const exp = valueOf(expected);
  if (exp === undefined) return undefined;
  const args = call.args.map(valueOf);
  if (args.length === 0 || args.every((a) => a === undefined)) return undefined;
  return { func: call.func, args, expected: exp, test };
}

/** Both orders: `f(x) == y` and `y == f(x)`. */
function pairOfSides(left: Token[], right: Token[], test: string, bindings?: Map<string, string>): TestPair | undefined {
  const l = asCall(left);
  if (l !== undefined) return pairFrom(l, right, test, bindings);
  const r = asCall(right);
  return r === undefined ? undefined : pairFrom(r, left, test, bindings);
}

interface ParamTable {
  names: string[];
  rows: string[][];
}

/** A list literal, or the module-level list a name holds (`CASES = [...]`). */
function listTokens(tokens: Token[], lists: ReadonlyMap<string, Token[]>): Token[] {
  const only = tokens[0];
  if (tokens.length === 1 && only?.kind === 'name') return lists.get(only.text) ?? [];
  return tokens;
}

function parametrizeTable(tokens: readonly Token[], lists: ReadonlyMap<string, Token[]>): ParamTable | undefined {
  // @ pytest . mark . parametrize ( "a, b" , [ ... ] )
  const open = tokens.findIndex((t) => t.text === '(');
  if (open < 0) return undefined;
  const close = closingBracket(tokens, open);
  if (close < 0) return undefined;
  const parts = splitTopLevel(tokens.slice(open + 1, close));
  const namesPart = parts[0] ?? [];
  let names: string[] = [];
  if (namesPart.length === 1 && namesPart[0]?.kind === 'string') names = namesPart[0].text.split(',').map((s) => s.trim());
  else names = namesPart.filter((t) => t.kind === 'string').map((t) => t.text.trim());
  return tableOf(names, listTokens(parts[1] ?? [], lists));
}

/** Rows of literal cells from `[(a, b), ...]` for the names. */
function tableOf(names: string[], listPart: Token[]): ParamTable | undefined {
  if (names.length === 0 || listPart.length < 2) return undefined;
  const rows: string[][] = [];
  for (const row of splitTopLevel(listPart.slice(1, -1))) {
    if (row.length === 0) continue;
    let cells: Token[][];
    if (names.length === 1) cells = [row];
    else {
      let inner = row;
      if (inner[0]?.kind === 'name' && inner[0].text === 'pytest') inner = inner.slice(inner.findIndex((t) => t.text === '('));
      const first = inner[0];
      if (first === undefined || (first.text !== '(' && first.text !== '[')) continue;
      cells = splitTopLevel(inner.slice(1, closingBracket(inner, 0)));
    }
    const values = cells.map((c) => literalValue(c) ?? '');
    if (values.length >= names.length) rows.push(values.slice(0, names.length));
  }
  return { names, rows };
}

const equalityMethods = /^(assertEqual|assertEquals|assert_equal|assertIs|assertAlmostEqual)$/;

function pythonPairs(path: string, lines: readonly LogicalLine[], out: TestPair[]): void {
  const start = out.length;
  pythonAsserts(path, lines, out);
  // HumanEval / LiveCodeBench harness: `def check(candidate): assert candidate(3) == 7` run as
  // `check(count_vowels)`: the pairs are count_vowels's.
  const checked = new Map<string, string>();
  for (const line of lines) {
    const t = line.tokens;
    if (line.indent === 0 && t[0]?.kind === 'name' && t[1]?.text === '(' && t[t.length - 1]?.text === ')' && t.length >= 4) {
      const arg = t.slice(2, -1);
      const last = arg[arg.length - 1];
      if (last?.kind === 'name' && arg.every((x) => x.kind === 'name' || x.text === '.')) checked.set(t[0].text, last.text);
    }
  }
  if (checked.size === 0) return;
  const params = new Map<string, { fn: string; param: string }>();
  for (const line of lines) {
    const t = line.tokens;
    const fn = t[1]?.text ?? '';
    if (t[0]?.text === 'def' && checked.has(fn) && t[2]?.text === '(' && t[3]?.kind === 'name') params.set(`${path}::${fn}`, { fn, param: t[3].text });
  }
  for (let i = start; i < out.length; i++) {
    const pair = out[i];
    const p = pair === undefined ? undefined : params.get(pair.test);
    const target = p === undefined ? undefined : checked.get(p.fn);
    if (pair !== undefined && p !== undefined && target !== undefined && pair.func === p.param) out[i] = { ...pair, func: target };
  }
}

function pythonAsserts(path: string, lines: readonly LogicalLine[], out: TestPair[]): void {
  let test = '';
  let testIndent = -1;
  let pendingTables: ParamTable[] = [];
  let tables: ParamTable[] = [];
  /** Module-level lists (`CASES = [(3, 7), ...]`) a parametrize or a for loop may name. */
  const lists = new Map<string, Token[]>();
  for (const line of lines) {
    const t = line.tokens;
    const first = t[0];
    if (first === undefined) continue;
    if (line.indent === 0 && first.kind === 'name' && t[1]?.text === '=' && (t[2]?.text === '[' || t[2]?.text === '(')) lists.set(first.text, t.slice(2));
    if (first.text === '@' && t.some((x) => x.text === 'parametrize')) {
      const table = parametrizeTable(t, lists);
      if (table !== undefined) pendingTables.push(table);
      continue;
    }
    const defAt = first.text === 'def' ? 0 : first.text === 'async' && t[1]?.text === 'def' ? 1 : -1;
    if (defAt >= 0) {
      test = `${path}::${t[defAt + 1]?.text ?? ''}`;
      testIndent = line.indent;
      tables = pendingTables;
      pendingTables = [];
      continue;
    }
    if (first.text !== '@') pendingTables = [];
    if (testIndent >= 0 && line.indent <= testIndent && first.text !== 'def') {
      test = `${path}::<module>`;
      tables = [];
      testIndent = -1;
    }
    // for n, expected in CASES: (a table for the rest of the test)
    if (first.text === 'for' && testIndent >= 0) {
      const inAt = t.findIndex((x) => x.text === 'in');
      const names = t.slice(1, inAt).filter((x) => x.kind === 'name').map((x) => x.text);
      const table = inAt < 0 || t[t.length - 1]?.text !== ':' ? undefined : tableOf(names, listTokens(t.slice(inAt + 1, -1), lists));
      if (table !== undefined) tables = [...tables, table];
      continue;
    }
    const rowsOf = (): (Map<string, string> | undefined)[] => {
      const out2: (Map<string, string> | undefined)[] = [undefined];
      for (const table of tables) for (const row of table.rows) out2.push(new Map(table.names.map((n, i) => [n, row[i] ?? ''])));
      return out2;
    };
    if (first.text === 'assert') {
      const body = splitTopLevel(t.slice(1))[0] ?? [];
      const sides = splitTopLevel(body, '==');
      if (sides.length !== 2) continue;
      for (const bindings of rowsOf()) {
        const pair = pairOfSides(sides[0] ?? [], sides[1] ?? [], test, bindings);
        if (pair !== undefined) out.push(pair);
      }
      continue;
    }
    // self.assertEqual(f(3), 7)
    const m = t.findIndex((x) => x.kind === 'name' && equalityMethods.test(x.text));
    if (m >= 0 && t[m + 1]?.text === '(') {
      const close = closingBracket(t, m + 1);
      const args = splitTopLevel(t.slice(m + 2, close < 0 ? t.length : close));
      for (const bindings of rowsOf()) {
        const pair = pairOfSides(args[0] ?? [], args[1] ?? [], test, bindings);
        if (pair !== undefined) out.push(pair);
      }
    }
  }
}

const jestMatchers = /^(toBe|toEqual|toStrictEqual)$/;
const nodeAssertions = /^(equal|strictEqual|deepEqual|deepStrictEqual|is|eq|equals)$/;

/** The pair of an `expect(f(x)).toBe(y)` or `assert.equal(f(x), y)` starting at i, if it is one. */
function jsPairAt(t: readonly Token[], i: number, test: string, bindings?: Map<string, string>): TestPair | undefined {
  const tok = t[i];
  if (tok?.text === 'expect' && t[i + 1]?.text === '(' && t[i - 1]?.text !== '.') {
    const close = closingBracket(t, i + 1);
    if (close < 0) return undefined;
    const matcher = t[close + 2];
    if (t[close + 1]?.text !== '.' || matcher === undefined || !jestMatchers.test(matcher.text) || t[close + 3]?.text !== '(') return undefined;
    const end = closingBracket(t, close + 3);
    if (end < 0) return undefined;
    const call = asCall(t.slice(i + 2, close));
    return call === undefined ? undefined : pairFrom(call, t.slice(close + 4, end), test, bindings);
  }
  if (tok?.text === 'assert' && t[i + 1]?.text === '.' && nodeAssertions.test(t[i + 2]?.text ?? '') && t[i + 3]?.text === '(') {
    const end = closingBracket(t, i + 3);
    if (end < 0) return undefined;
    const args = splitTopLevel(t.slice(i + 4, end));
    return pairOfSides(args[0] ?? [], args[1] ?? [], test, bindings);
  }
  return undefined;
}

function jsPairs(path: string, lines: readonly LogicalLine[], out: TestPair[]): void {
  // Whole file as one token stream: statements span lines.
  const t: Token[] = lines.flatMap((l) => l.tokens);
  let test = `${path}::<module>`;
  for (let i = 0; i < t.length; i++) {
    const tok = t[i];
    if (tok === undefined || tok.kind !== 'name') continue;
    const isTest = tok.text === 'it' || tok.text === 'test';
    if (isTest && t[i + 1]?.text === '(' && t[i + 2]?.kind === 'string') {
      test = `${path}::${t[i + 2]?.text ?? ''}`;
      continue;
    }
    // it.each([[3, 7], ...])('name', (n, expected) => { expect(f(n)).toBe(expected); })
    if (isTest && t[i + 1]?.text === '.' && t[i + 2]?.text === 'each' && t[i + 3]?.text === '(' && t[i + 4]?.text === '[') {
      const tableEnd = closingBracket(t, i + 3);
      const callEnd = t[tableEnd + 1]?.text === '(' ? closingBracket(t, tableEnd + 1) : -1;
      if (tableEnd < 0 || callEnd < 0) continue;
      const eachTest = `${path}::${t[tableEnd + 2]?.kind === 'string' ? t[tableEnd + 2]?.text ?? '' : 'each'}`;
      let p = tableEnd + 3;
      while (p < callEnd && t[p]?.text !== '(') p++;
      const paramsEnd = closingBracket(t, p);
      const names = paramsEnd < 0 ? [] : splitTopLevel(t.slice(p + 1, paramsEnd)).map((x) => x[0]?.text ?? '');
      const table = tableOf(names, t.slice(i + 4, tableEnd));
      for (let j = paramsEnd + 1; table !== undefined && paramsEnd > 0 && j < callEnd; j++) {
        for (const row of table.rows) {
          const pair = jsPairAt(t, j, eachTest, new Map(table.names.map((n, k) => [n, row[k] ?? ''])));
          if (pair !== undefined) out.push(pair);
        }
      }
      i = callEnd;
      continue;
    }
    const pair = jsPairAt(t, i, test);
    if (pair !== undefined) out.push(pair);
  }
}
