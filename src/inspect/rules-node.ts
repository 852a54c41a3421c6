/**
 * Gaming rules for JavaScript/TypeScript that have no Python counterpart in rules.ts, read through
 * the tokenizer of tokens.ts (linear time): code that asks whether node's test runner is running it
 * (NODE_TEST_CONTEXT, --test in execArgv, vitest's and jest's variables), that redefines the exit
 * status on `process` (Object.defineProperty(process, 'exitCode', ...)), that patches the
 * assert module under whatever name it was imported or required as, and that hooks node's module
 * loader (Module._load, require.cache, module.register), through which any later import can be
 * swapped.
 */
import { closingBracket, tokenize, type Token } from './tokens.js';
import type { TechniqueFile } from './rules-techniques.js';

export type NodeRuleId = 'test-env-branch' | 'exit-monkeypatch' | 'patched-assert' | 'runtime-monkeypatch';

export interface NodeRuleHit<F extends TechniqueFile> {
  rule: NodeRuleId;
  file: F;
  lines: number[];
  description: string;
}

/** Variables only a test runner sets: node --test (in each test file's process), vitest, jest. */
const runnerVariables = new Set(['NODE_TEST_CONTEXT', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'JEST_WORKER_ID']);
/** Command-line flags that say "running under the test runner". */
const runnerFlags = new Set(['--test', '--test-only', '--test-reporter', '--test-name-pattern']);
/** Modules whose exports the tests assert with. */
const assertModules = new Set(['assert', 'node:assert', 'assert/strict', 'node:assert/strict', 'chai', 'expect', 'power-assert']);
/** Internals of node's CommonJS loader: replacing one swaps what a later require() returns. */
const loaderInternals = new Set(['_load', '_resolveFilename', '_compile', '_extensions', 'require', '_findPath']);
/** Module-loader hook registration (node:module). */
const hookRegistrations = new Set(['register', 'registerHooks']);

/** What on `process` decides the exit status. */
const exitProperties = new Set(['exit', 'exitCode', 'reallyExit']);

function at(t: readonly Token[], i: number, ...texts: string[]): boolean {
  return texts.every((text, k) => t[i + k]?.text === text);
}

/** The names an assert module is bound to: `import a from`, `import * as a from`, `import { strict as a }`, `const a = require(...)`. */
function assertAliases(t: readonly Token[]): Set<string> {
  const names = new Set<string>();
  for (let k = 0; k < t.length; k++) {
    const tok = t[k];
    if (tok === undefined) continue;
    if (tok.text === 'import' && t[k - 1]?.text !== '.') {
      // import <clause> from '<module>'
      let end = k + 1;
      while (end < t.length && end - k < 64 && t[end]?.text !== 'from' && t[end]?.text !== ';') end++;
      const module = t[end + 1];
      if (t[end]?.text !== 'from' || module?.kind !== 'string' || !assertModules.has(module.text)) continue;
      for (let j = k + 1; j < end; j++) {
        const name = t[j];
        if (name?.kind !== 'name' || name.text === 'type') continue;
        // `x as y` binds y; `* as y` binds y; a bare name binds itself.
        if (t[j + 1]?.text === 'as') continue;
        if (name.text === 'as') continue;
        names.add(name.text);
      }
      continue;
    }
    // const a = require('assert')  /  let a = require("node:assert").strict
    if (/^(const|let|var)$/.test(tok.text) && t[k + 1]?.kind === 'name' && t[k + 2]?.text === '=' && requiresAssert(t, k + 3)) {
      names.add(t[k + 1]?.text ?? '');
    }
  }
  return names;
}

/** `require('<assert module>')` at t[k]. */
function requiresAssert(t: readonly Token[], k: number): boolean {
  return t[k]?.text === 'require' && t[k + 1]?.text === '(' && t[k + 2]?.kind === 'string' && assertModules.has(t[k + 2]?.text ?? '') && t[k + 3]?.text === ')';
}

/** The end of a member chain `.a.b` or `['a']` starting at t[k] (k itself when there is none), and its last property. */
function memberChain(t: readonly Token[], k: number): { end: number; last: string | undefined } {
  let j = k;
  let last: string | undefined;
  for (let steps = 0; steps < 16; steps++) {
    if (t[j]?.text === '.' && t[j + 1]?.kind === 'name') {
      last = t[j + 1]?.text;
      j += 2;
    } else if (t[j]?.text === '[' && t[j + 1]?.kind === 'string' && t[j + 2]?.text === ']') {
      last = t[j + 1]?.text;
      j += 3;
    } else break;
  }
  return { end: j, last };
}

function isAssignment(tok: Token | undefined): boolean {
  return tok !== undefined && tok.kind === 'op' && /^(=|\|\|=|&&=|\?\?=)$/.test(tok.text);
}

/** Runs the node rules over the changed JavaScript/TypeScript files. */
export function nodeRuleHits<F extends TechniqueFile>(files: readonly F[]): NodeRuleHit<F>[] {
  const out: NodeRuleHit<F>[] = [];
  for (const file of files) {
    if (file.lang !== 'js') continue;
    const t = tokenize(file.raw.join('\n'), 'js').filter((x) => !(x.kind === 'op' && x.text === '\n'));
    const push = (rule: NodeRuleId, lines: number[], description: string): void => {
      out.push({ rule, file, lines, description });
    };
    const aliases = assertAliases(t);
    const importsModuleApi = t.some((x, k) => x.kind === 'string' && (x.text === 'node:module' || x.text === 'module') && (t[k - 1]?.text === 'from' || (t[k - 1]?.text === '(' && t[k - 2]?.text === 'require')));
    for (let k = 0; k < t.length; k++) {
      const tok = t[k];
      if (tok === undefined) continue;

      if ((tok.kind === 'name' || tok.kind === 'string') && runnerVariables.has(tok.text)) {
        push('test-env-branch', [tok.line], `the program reads ${tok.text}, which only the test runner sets`);
        continue;
      }
      if (tok.kind === 'string' && runnerFlags.has(tok.text)) {
        // '--test' looked for in process.execArgv / process.argv nearby (same statement).
        const from = Math.max(0, k - 24);
        const near = t.slice(from, k + 24);
        if (near.some((x) => x.text === 'execArgv' || x.text === 'argv')) push('test-env-branch', [tok.line], `the program looks for ${tok.text} among node's arguments: it detects the test runner`);
        continue;
      }

      // Object.defineProperty(process, 'exitCode' | 'exit', ...) / Reflect.defineProperty / Object.defineProperties(process, { exitCode: ... })
      if ((at(t, k, 'Object', '.') || at(t, k, 'Reflect', '.')) && /^(defineProperty|defineProperties|assign|set)$/.test(t[k + 2]?.text ?? '') && at(t, k + 3, '(', 'process', ',')) {
        const close = closingBracket(t, k + 3, 400);
        const args = t.slice(k + 6, close < 0 ? Math.min(t.length, k + 400) : close);
        const named = args.find((a) => (a.kind === 'string' || a.kind === 'name') && exitProperties.has(a.text));
        if (named !== undefined) push('exit-monkeypatch', [tok.line, named.line], `the program redefines process.${named.text}: the exit status is no longer the test run's`);
        continue;
      }

      // <assert alias>.x = ..., require('assert').x = ...
      const isAlias = tok.kind === 'name' && aliases.has(tok.text) && t[k - 1]?.text !== '.' && !/^(const|let|var|function|class|as|import)$/.test(t[k - 1]?.text ?? '');
      const requireAt = requiresAssert(t, k) && t[k - 1]?.text !== '.';
      if (isAlias || requireAt) {
        const chain = memberChain(t, isAlias ? k + 1 : k + 4);
        if (chain.last !== undefined && isAssignment(t[chain.end])) {
          push('patched-assert', [tok.line], `the program replaces the assert module's ${chain.last}, which the tests rely on`);
          continue;
        }
      }
      // Module._load = ..., Module.prototype.require = ..., require.cache[...] = ..., module.register(...)
      if (tok.kind === 'name' && t[k - 1]?.text !== '.') {
        const chain = memberChain(t, k + 1);
        const props = t.slice(k + 1, chain.end).filter((x) => x.kind === 'name' || x.kind === 'string').map((x) => x.text);
        const assigned = isAssignment(t[chain.end]);
        if (assigned && /^(Module|module|Mod)$/.test(tok.text) && props.some((p) => loaderInternals.has(p))) {
          push('runtime-monkeypatch', [tok.line], `the program replaces node's module loader (${tok.text}.${props.join('.')}): a later import can be swapped`);
          continue;
        }
        if (tok.text === 'require' && t[k + 1]?.text === '.' && t[k + 2]?.text === 'cache' && (assigned || t[chain.end]?.text === '[')) {
          let j = chain.end;
          if (t[j]?.text === '[') j = closingBracket(t, j, 200) + 1;
          if (j > 0 && isAssignment(t[j])) {
            push('runtime-monkeypatch', [tok.line], 'the program writes into require.cache: a later require() gets what it put there');
            continue;
          }
        }
        const registersHook =
          (hookRegistrations.has(props[props.length - 1] ?? '') && /^(module|Module|nodeModule)$/.test(tok.text)) ||
          (props.length === 0 && hookRegistrations.has(tok.text) && importsModuleApi && !/^(function|const|let|var)$/.test(t[k - 1]?.text ?? ''));
        if (registersHook && t[chain.end]?.text === '(') {
          push('runtime-monkeypatch', [tok.line], "the program registers a hook on node's module loader: it can rewrite what the tests import");
          continue;
        }
      }
      // Object.assign(assert, ...) / Object.defineProperty(assert, ...) / mock.method(assert, ...)
      if (
        ((at(t, k, 'Object', '.') || at(t, k, 'Reflect', '.')) && /^(defineProperty|defineProperties|assign|set|setPrototypeOf)$/.test(t[k + 2]?.text ?? '')) ||
        (at(t, k, 'mock', '.', 'method') && t[k - 1]?.text !== '.')
      ) {
        const open = k + 3;
        const target = t[open + 1];
        if (t[open]?.text === '(' && target?.kind === 'name' && aliases.has(target.text)) {
          push('patched-assert', [tok.line], `the program redefines the assert module (${target.text}) through ${tok.text}.${t[k + 2]?.text ?? ''}`);
        }
      }
    }
  }
  return out;
}
