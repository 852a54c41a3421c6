/**
 * Lists the assertions of JavaScript and TypeScript test files with the TypeScript compiler's
 * parser, on the host (parsing runs none of the files' code): node:assert's `assert.equal /
 * strictEqual / deepEqual / deepStrictEqual(actual, LITERAL)` and vitest / jest `expect(x).toBe /
 * toEqual / toStrictEqual(LITERAL)`, inside `test(...)` / `it(...)` calls. Spans are byte offsets
 * into the file as stored, as the Python scanner gives them.
 */
import ts from 'typescript';
import type { FileTree } from '../../sandbox/file-tree.js';
import type { AssertionSite, Literal, ScannedFile, Span, TestFunction } from './sites.js';

const assertEquals = new Set(['equal', 'strictEqual', 'deepEqual', 'deepStrictEqual']);
const expectEquals = new Set(['toBe', 'toEqual', 'toStrictEqual']);
const testCallees = new Set(['test', 'it']);
const skipMarks = new Set(['skip', 'todo', 'fails']);

function scriptKind(path: string): ts.ScriptKind {
  if (/\.[cm]?tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.[cm]?ts$/.test(path)) return ts.ScriptKind.TS;
  if (/\.[cm]?jsx$/.test(path)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

class JsScanner {
  readonly sites: AssertionSite[] = [];
  readonly unsupported: Record<string, number> = {};
  readonly names = new Set<string>();
  private readonly lineStarts: readonly number[];

  constructor(
    private readonly text: string,
    private readonly file: ts.SourceFile,
  ) {
    this.lineStarts = file.getLineStarts();
  }

  /** The byte offset of a UTF-16 position (files are stored as UTF-8). */
  byte(pos: number): number {
    return Buffer.byteLength(this.text.slice(0, pos), 'utf8');
  }

  span(node: ts.Node): Span {
    return [this.byte(node.getStart(this.file)), this.byte(node.getEnd())];
  }

  line(node: ts.Node): number {
    return this.file.getLineAndCharacterOfPosition(node.getStart(this.file)).line + 1;
  }

  note(reason: string): void {
    this.unsupported[reason] = (this.unsupported[reason] ?? 0) + 1;
  }

  literal(node: ts.Expression): Literal | undefined {
    const s = this.span(node);
    if (ts.isParenthesizedExpression(node)) return this.literal(node.expression);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return /[\ud800-\udfff]/.test(node.text) ? undefined : { t: 'str', v: node.text, s };
    if (ts.isNumericLiteral(node)) return this.number(Number(node.text), s);
    if (ts.isBigIntLiteral(node)) return { t: 'int', v: BigInt(node.text.slice(0, -1)).toString(), s };
    if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) return { t: 'bool', v: node.kind === ts.SyntaxKind.TrueKeyword, s };
    if (node.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(node) && node.text === 'undefined')) return { t: 'none', s };
    if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken) {
      const inner = node.operand;
      if (ts.isNumericLiteral(inner)) return this.number(-Number(inner.text), s);
      if (ts.isBigIntLiteral(inner)) return { t: 'int', v: (-BigInt(inner.text.slice(0, -1))).toString(), s };
      return undefined;
    }
    if (ts.isArrayLiteralExpression(node)) {
      const items = node.elements.map((e) => (ts.isSpreadElement(e) || ts.isOmittedExpression(e) ? undefined : this.literal(e)));
      return items.every((i): i is Literal => i !== undefined) ? { t: 'array', items, s } : undefined;
    }
    if (ts.isObjectLiteralExpression(node)) {
      const keys: Literal[] = [];
      const items: Literal[] = [];
      for (const p of node.properties) {
        if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return undefined;
        const value = this.literal(p.initializer);
        if (value === undefined) return undefined;
        keys.push({ t: 'str', v: p.name.text, s: this.span(p.name) });
        items.push(value);
      }
      return { t: 'object', keys, items, s };
    }
    return undefined;
  }

  number(value: number, s: Span): Literal | undefined {
    if (!Number.isFinite(value)) return undefined;
    return Number.isSafeInteger(value) ? { t: 'int', v: String(value), s } : { t: 'float', v: value, s };
  }

  /** `test('title', fn)` / `it.skip('title', fn)`: the test's title, its statement's whole lines, and whether it is skipped. */
  testOf(call: ts.CallExpression): { fn: TestFunction; title: string } | undefined {
    let callee = call.expression;
    let skipped = false;
    while (ts.isPropertyAccessExpression(callee)) {
      if (skipMarks.has(callee.name.text)) skipped = true;
      callee = callee.expression;
    }
    if (!ts.isIdentifier(callee) || !testCallees.has(callee.text)) return undefined;
    const [title, second, third] = call.arguments;
    if (title === undefined || !(ts.isStringLiteral(title) || ts.isNoSubstitutionTemplateLiteral(title))) return undefined;
    const options = third === undefined ? undefined : second;
    if (options !== undefined && ts.isObjectLiteralExpression(options)) {
      for (const p of options.properties) {
        if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && (p.name.text === 'skip' || p.name.text === 'todo') && p.initializer.kind !== ts.SyntaxKind.FalseKeyword) skipped = true;
      }
    }
    let statement: ts.Node = call;
    while (statement.parent !== undefined && !ts.isExpressionStatement(statement) && !ts.isSourceFile(statement.parent)) statement = statement.parent;
    const startPos = statement.getStart(this.file);
    const { line: startLine, character } = this.file.getLineAndCharacterOfPosition(startPos);
    const endLine = this.file.getLineAndCharacterOfPosition(statement.getEnd()).line;
    const endPos = this.lineStarts[endLine + 1] ?? this.text.length;
    for (const ancestor of ancestors(call)) {
      if (ts.isCallExpression(ancestor)) {
        const marks = calleeMarks(ancestor.expression);
        if (marks.skipped && (marks.name === 'describe' || marks.name === 'suite')) skipped = true;
      }
    }
    const fn: TestFunction = {
      name: title.text,
      start: this.byte(this.lineStarts[startLine] ?? 0),
      end: this.byte(endPos),
      nameStart: this.byte(title.getStart(this.file)),
      nameEnd: this.byte(title.getEnd()),
      indent: character,
      skipped,
    };
    return { fn, title: title.text };
  }

  visit(node: ts.Node, test: { fn: TestFunction; title: string } | undefined): void {
    let inner = test;
    if (ts.isCallExpression(node)) {
      const found = this.testOf(node);
      if (found !== undefined) {
        this.names.add(found.title);
        inner = found;
      } else if (test !== undefined) {
        this.assertion(node, test);
      }
    }
    ts.forEachChild(node, (child) => this.visit(child, inner));
  }

  add(test: { fn: TestFunction; title: string }, form: AssertionSite['form'], node: ts.Node, expected: Literal, actual: ts.Node): void {
    this.sites.push({
      form,
      test: test.title,
      fn: test.fn,
      line: this.line(node),
      source: node.getText(this.file),
      expected,
      actual: actual.getText(this.file),
      skipped: test.fn.skipped,
    });
  }

  assertion(call: ts.CallExpression, test: { fn: TestFunction; title: string }): void {
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee)) return;
    const method = callee.name.text;
    if (assertEquals.has(method) && ts.isIdentifier(callee.expression) && callee.expression.text === 'assert') {
      const [actual, expected] = call.arguments;
      if (actual === undefined || expected === undefined) return;
      const lit = this.literal(expected);
      if (lit === undefined) return this.note(`assert.${method} without a literal expected value`);
      return this.add(test, 'node-assert', call, lit, actual);
    }
    if (expectEquals.has(method) && ts.isCallExpression(callee.expression)) {
      const target = callee.expression;
      if (!ts.isIdentifier(target.expression) || target.expression.text !== 'expect') return;
      const [expected] = call.arguments;
      const [actual] = target.arguments;
      if (expected === undefined || actual === undefined) return;
      const lit = this.literal(expected);
      if (lit === undefined) return this.note(`expect().${method} without a literal expected value`);
      return this.add(test, 'expect', call, lit, actual);
    }
  }
}

function ancestors(node: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  for (let at = node.parent; at !== undefined; at = at.parent) out.push(at);
  return out;
}

function calleeMarks(callee: ts.Expression): { name: string; skipped: boolean } {
  let at = callee;
  let skipped = false;
  while (ts.isPropertyAccessExpression(at)) {
    if (skipMarks.has(at.name.text)) skipped = true;
    at = at.expression;
  }
  return { name: ts.isIdentifier(at) ? at.text : '', skipped };
}

export function scanJsTests(files: FileTree): ScannedFile[] {
  const out: ScannedFile[] = [];
  for (const [path, entry] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (entry.kind !== 'file') continue;
    const text = new TextDecoder('utf-8', { fatal: false }).decode(entry.content);
    if (!Buffer.from(text, 'utf8').equals(entry.content)) {
      out.push({ path, error: 'not UTF-8' });
      continue;
    }
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
    const diagnostics = (source as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
    const first = diagnostics[0];
    if (first !== undefined) {
      const line = first.start === undefined ? 0 : source.getLineAndCharacterOfPosition(first.start).line + 1;
      out.push({ path, error: `syntax error at line ${line}: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}` });
      continue;
    }
    const scanner = new JsScanner(text, source);
    scanner.visit(source, undefined);
    out.push({ path, sites: scanner.sites, unsupported: scanner.unsupported, names: [...scanner.names].sort() });
  }
  return out;
}
