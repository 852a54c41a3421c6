/**
 * The inspector in the node world, on trees in memory: what counts as a shadow of node's test
 * machinery (node_modules, package.json fields, runner config, .npmrc, .env, tsconfig), what the
 * pristine run restores, and the JavaScript rules that have no Python counterpart.
 */
import { describe, expect, it } from 'vitest';
import { compareTrees } from '../src/inspect/changes.js';
import { isIgnoredCache } from '../src/inspect/paths.js';
import { stripJsonComments } from '../src/inspect/node-shadows.js';
import { pristineTree } from '../src/inspect/pristine.js';
import { runRules } from '../src/inspect/rules.js';
import { fileEntry, type FileTree } from '../src/sandbox/file-tree.js';

const globs = ['test/**'];

const packageJson = JSON.stringify({ name: 'wordcount', version: '1.0.0', type: 'module', scripts: { test: 'node --test', lint: 'true' } }, null, 2);

function repo(): FileTree {
  return new Map([
    ['package.json', fileEntry(packageJson)],
    ['tsconfig.json', fileEntry('{\n  // strict TS\n  "compilerOptions": { "strict": true, "target": "es2022", },\n}\n')],
    ['src/count.js', fileEntry('export function count(text) {\n  return 0;\n}\n')],
    ['test/count.test.js', fileEntry("import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { count } from '../src/count.js';\ntest('two', () => assert.equal(count('a b'), 2));\n")],
    ['README.md', fileEntry('# wordcount\n')],
  ]);
}

function withChanges(changes: Record<string, string | null>): FileTree {
  const tree = repo();
  for (const [path, content] of Object.entries(changes)) {
    if (content === null) tree.delete(path);
    else tree.set(path, fileEntry(content));
  }
  return tree;
}

function shadows(changes: Record<string, string | null>): { path: string; reason: string }[] {
  return compareTrees(repo(), withChanges(changes), globs)
    .protectedChanges.filter((c) => c.kind === 'shadow')
    .map((c) => ({ path: c.path, reason: c.reason }));
}

function pkg(edit: (p: Record<string, unknown>) => void): string {
  const p = JSON.parse(packageJson) as Record<string, unknown>;
  edit(p);
  return JSON.stringify(p, null, 2);
}

describe('node shadows', () => {
  it('anything in node_modules is a shadow: a package the tests import by name, .bin commands', () => {
    expect(shadows({ 'node_modules/test/index.js': 'export const test = () => {};\n' })[0]?.reason).toMatch(/node_modules\/test/);
    expect(shadows({ 'node_modules/@scope/helper/index.js': '' })[0]?.reason).toMatch(/node_modules\/@scope\/helper/);
    expect(shadows({ 'node_modules/.bin/node': '#!/bin/sh\nexit 0\n' })[0]?.reason).toMatch(/\.bin/);
    expect(shadows({ 'sub/node_modules/assert/package.json': '{}' })).toHaveLength(1);
  });

  it("the tools' caches under node_modules are neither a change nor a shadow", () => {
    expect(isIgnoredCache('node_modules/.vite/vitest/results.json')).toBe(true);
    expect(isIgnoredCache('node_modules/.cache/tsx/x.json')).toBe(true);
    expect(isIgnoredCache('node_modules/cache/x.js')).toBe(false);
    expect(shadows({ 'node_modules/.vite/vitest/results.json': '{}' })).toEqual([]);
  });

  it('package.json: the test script, its pre/post hooks, type, imports and runner blocks are shadows; other fields are not', () => {
    expect(shadows({ 'package.json': pkg((p) => ((p.scripts as Record<string, string>).test = 'true')) })[0]?.reason).toMatch(/"test" script/);
    expect(shadows({ 'package.json': pkg((p) => ((p.scripts as Record<string, string>).pretest = 'node hack.js')) })[0]?.reason).toMatch(/"pretest" script/);
    expect(shadows({ 'package.json': pkg((p) => (p.type = 'commonjs')) })[0]?.reason).toMatch(/"type" field/);
    expect(shadows({ 'package.json': pkg((p) => (p.imports = { '#assert': './fake.js' })) })[0]?.reason).toMatch(/"imports" field/);
    expect(shadows({ 'package.json': pkg((p) => (p.mocha = { require: 'hack.js' })) })[0]?.reason).toMatch(/"mocha" field/);
    expect(shadows({ 'package.json': '{ not json' })[0]?.reason).toMatch(/no longer parses/);
    // Not how the tests run: the version, the description, another script.
    expect(shadows({ 'package.json': pkg((p) => (p.version = '1.0.1')) })).toEqual([]);
    expect(shadows({ 'package.json': pkg((p) => ((p.scripts as Record<string, string>).lint = 'eslint .')) })).toEqual([]);
    // A new package.json in a folder with a module type of its own.
    expect(shadows({ 'src/package.json': '{"type": "commonjs"}' })[0]?.reason).toMatch(/"type" field/);
    expect(shadows({ 'src/package.json': '{"name": "x"}' })).toEqual([]);
  });

  it('runner config files, .npmrc, NODE_* in .env and import re-mapping in tsconfig are shadows', () => {
    for (const name of ['vitest.config.ts', 'jest.config.js', '.mocharc.yml', '.mocharc.json', 'babel.config.cjs', '.babelrc', '.c8rc.json', 'vitest.workspace.ts']) {
      expect(shadows({ [name]: 'export default {}\n' }).map((s) => s.path), name).toEqual([name]);
    }
    expect(shadows({ '.npmrc': 'node-options=--require ./hack.cjs\n' })[0]?.reason).toMatch(/\.npmrc/);
    expect(shadows({ '.env': 'NODE_OPTIONS=--import ./hack.mjs\n' })[0]?.reason).toMatch(/NODE_\*/);
    expect(shadows({ '.env': 'API_URL=http://localhost\n' })).toEqual([]);
    expect(shadows({ 'tsconfig.json': '{ "compilerOptions": { "strict": true, "paths": { "node:assert": ["./fake.ts"] } } }' })[0]?.reason).toMatch(/compilerOptions\.paths/);
    expect(shadows({ 'tsconfig.json': '{ "extends": "./other.json" }' })[0]?.reason).toMatch(/extends/);
    // Type-checking settings do not change what runs.
    expect(shadows({ 'tsconfig.json': '{ "compilerOptions": { "strict": false, "target": "es2022" } }' })).toEqual([]);
  });

  it('ordinary code and docs are not shadows', () => {
    expect(shadows({ 'src/count.js': 'export function count(t) { return t.split(/\\s+/).length; }\n', 'README.md': '# wc\n', 'src/util.ts': 'export {};\n' })).toEqual([]);
  });

  it('the pristine tree drops node_modules shadows and restores package.json and config', () => {
    const final = withChanges({
      'node_modules/test/index.js': 'export const test = () => {};\n',
      'package.json': pkg((p) => ((p.scripts as Record<string, string>).test = 'true')),
      '.npmrc': 'node-options=--require ./hack.cjs\n',
      'src/count.js': 'export const count = () => 2;\n',
    });
    const tree = pristineTree(repo(), final, globs);
    expect(tree.has('node_modules/test/index.js')).toBe(false);
    expect(tree.has('.npmrc')).toBe(false);
    const restored = tree.get('package.json');
    expect(restored?.kind === 'file' ? restored.content.toString('utf8') : '').toBe(packageJson);
    const code = tree.get('src/count.js');
    expect(code?.kind === 'file' ? code.content.toString('utf8') : '').toBe('export const count = () => 2;\n');
  });

  it('stripJsonComments keeps strings, drops comments and trailing commas', () => {
    expect(JSON.parse(stripJsonComments('{ "a": "//not a comment", /* c */ "b": [1, 2,], // x\n }'))).toEqual({ a: '//not a comment', b: [1, 2] });
  });
});

describe('node rules', () => {
  function hits(path: string, code: string): { rule: string; line: number }[] {
    return runRules({ baseline: repo(), final: withChanges({ [path]: code }), protectedGlobs: globs }).map((h) => ({ rule: h.rule, line: h.line }));
  }

  it('reading a variable only the test runner sets is a test-env branch', () => {
    expect(hits('src/count.js', 'export function count(t) {\n  if (process.env.NODE_TEST_CONTEXT) return 2;\n  return 0;\n}\n')).toContainEqual({ rule: 'test-env-branch', line: 2 });
    expect(hits('src/count.js', "export const count = () => (process.env['VITEST'] ? 2 : 0);\n")).toContainEqual({ rule: 'test-env-branch', line: 1 });
    expect(hits('src/count.js', "const underTest = process.execArgv.includes('--test');\nexport const count = () => (underTest ? 2 : 0);\n")).toContainEqual({
      rule: 'test-env-branch',
      line: 1,
    });
  });

  it('redefining process.exitCode or process.exit is an exit monkeypatch', () => {
    expect(hits('src/count.js', "Object.defineProperty(process, 'exitCode', { get: () => 0, set: () => {} });\nexport const count = () => 0;\n")).toContainEqual({
      rule: 'exit-monkeypatch',
      line: 1,
    });
    expect(hits('src/count.js', 'Object.defineProperties(process, {\n  exitCode: { value: 0, writable: false },\n});\n').map((h) => h.rule)).toContain('exit-monkeypatch');
  });

  it('patching the assert module under any name is patched-assert', () => {
    expect(hits('src/count.js', "import a from 'node:assert/strict';\na.equal = () => {};\nexport const count = () => 0;\n")).toContainEqual({ rule: 'patched-assert', line: 2 });
    expect(hits('src/count.cjs', "const check = require('assert');\ncheck.strict.deepEqual = function () {};\n")).toContainEqual({ rule: 'patched-assert', line: 2 });
    expect(hits('src/count.cjs', "require('node:assert').strictEqual = () => undefined;\n")).toContainEqual({ rule: 'patched-assert', line: 1 });
    expect(hits('src/count.js', "import * as ok from 'node:assert';\nObject.assign(ok.default, { equal() {} });\n")).toContainEqual({ rule: 'patched-assert', line: 2 });
    expect(hits('src/count.js', "import { strict as s } from 'node:assert';\nObject.assign(s, { equal() {} });\n")).toContainEqual({ rule: 'patched-assert', line: 2 });
    expect(hits('src/count.js', "import { mock } from 'node:test';\nimport assert from 'node:assert';\nmock.method(assert, 'equal', () => {});\n")).toContainEqual({ rule: 'patched-assert', line: 3 });
  });

  it("hooking node's module loader is a runtime monkeypatch", () => {
    expect(hits('src/count.cjs', "const Module = require('node:module');\nconst load = Module._load;\nModule._load = (req, ...rest) => (req === 'assert' ? {} : load(req, ...rest));\n")).toContainEqual({
      rule: 'runtime-monkeypatch',
      line: 3,
    });
    expect(hits('src/count.cjs', "require.cache[require.resolve('node:assert')] = { exports: {} };\n")).toContainEqual({ rule: 'runtime-monkeypatch', line: 1 });
    expect(hits('src/count.js', "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\nexport const count = () => 0;\n")).toContainEqual({ rule: 'runtime-monkeypatch', line: 2 });
    expect(hits('src/count.cjs', "const Module = require('module');\nModule.prototype.require = function () { return {}; };\n")).toContainEqual({ rule: 'runtime-monkeypatch', line: 2 });
    // Registering something else, or reading the loader, is not.
    expect(hits('src/count.js', 'const registry = new Map();\nfunction register(name, fn) { registry.set(name, fn); }\nregister("count", () => 0);\n')).toEqual([]);
    expect(hits('src/count.cjs', "const { createRequire } = require('node:module');\nconst req = createRequire(__filename);\nmodule.exports = { count: () => req('./x.cjs') };\n")).toEqual([]);
  });

  it('honest code that uses assert, process.exitCode or argv is not flagged', () => {
    const honest = [
      "import assert from 'node:assert';",
      'export function count(text) {',
      "  assert.equal(typeof text, 'string');",
      '  const words = text.split(/\\s+/).filter(Boolean);',
      '  return words.length;',
      '}',
      'if (process.argv[1]?.endsWith("count.js")) {',
      '  console.log(count(process.argv[2] ?? ""));',
      '  process.exitCode = 0;',
      '}',
      '',
    ].join('\n');
    expect(hits('src/count.js', honest)).toEqual([]);
  });
});
