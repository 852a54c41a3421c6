/**
 * Shadows of the test machinery in the node world: files that change how `node --test`, `tsx
 * --test`, `npm test` or a JavaScript test runner runs the tests without touching them. Node's own
 * runner loads nothing from /work by name, so there is no probe as for pytest (runner-modules.ts):
 * what can reach it is fixed and listed here.
 *
 * - anything under a `node_modules/` folder: a bare import (`import x from "test"`, a helper the
 *   tests use, a `node_modules/.bin/node` that `npm test` puts first on PATH) resolves there;
 * - package.json fields that decide how the tests are run or loaded: test scripts (and their
 *   pre/post scripts), `type`, `imports`, `exports`, `main`, and a runner's own config block;
 * - a runner's configuration file (vitest, jest, mocha, ava, babel, c8, nyc, ...);
 * - `.npmrc` (node-options, script-shell: code loaded into every `npm test`);
 * - a `.env` file's NODE_* variables (NODE_OPTIONS=--require ... with `--env-file`);
 * - tsconfig / jsconfig settings that re-map imports (paths, baseUrl, ...), which tsx honours.
 */
import type { FileEntry } from '../sandbox/file-tree.js';

/** package.json fields that decide which code the tests load or how they are run. */
const packageRunnerFields = ['type', 'imports', 'exports', 'main', 'module', 'jest', 'mocha', 'ava', 'c8', 'nyc', 'babel', 'vitest', 'tap'] as const;

/** Configuration files of JavaScript test runners and the transpilers they load. */
const runnerConfigName =
  /^(?:(?:vitest|vite|jest|ava|babel|playwright|cypress|karma|wdio|uvu)\.config|vitest\.workspace|\.mocharc|\.babelrc|\.swcrc|\.c8rc|\.nycrc|\.taprc|\.jestrc|\.avarc)(?:\.[A-Za-z0-9.]+)?$/;

/** tsconfig compilerOptions that change what an import resolves to (tsx reads them). */
const resolutionOptions = ['paths', 'baseUrl', 'rootDirs', 'customConditions', 'moduleSuffixes', 'allowJs', 'jsx', 'jsxImportSource', 'jsxFactory'] as const;

function textOf(entry: FileEntry | undefined): string {
  return entry !== undefined && entry.kind === 'file' ? entry.content.toString('utf8') : '';
}

/** JSON with comments and trailing commas (tsconfig.json) as plain JSON text: comments go first, then the commas. */
export function stripJsonComments(text: string): string {
  return scanJson(scanJson(text, 'comments'), 'commas');
}

/** One pass over JSON text that copies strings as they are and drops comments or trailing commas. */
function scanJson(text: string, drop: 'comments' | 'commas'): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] ?? '';
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (drop === 'comments' && c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (drop === 'comments' && c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (drop === 'commas' && c === ',') {
      let j = i + 1;
      while (j < n && /\s/.test(text[j] ?? '')) j++;
      if (text[j] !== '}' && text[j] !== ']') out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The parsed object, {} for an absent file, undefined when the text is not a JSON object. */
function jsonObject(entry: FileEntry | undefined, comments: boolean): Record<string, Json> | undefined {
  if (entry === undefined) return {};
  try {
    const value = JSON.parse(comments ? stripJsonComments(textOf(entry)) : textOf(entry)) as Json;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function objectField(obj: Record<string, Json>, key: string): Record<string, Json> {
  const v = obj[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
}

function same(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Scripts that `npm test` / `npm run test:*` run: any name with "test" in it, and their pre/post hooks. */
function isTestScript(name: string): boolean {
  return /test/i.test(name);
}

function packageJsonReason(after: FileEntry, before: FileEntry | undefined): string | undefined {
  const a = jsonObject(after, false);
  const b = jsonObject(before, false);
  if (a === undefined) return b === undefined ? undefined : 'package.json no longer parses: npm and node read it to run the tests';
  if (b === undefined) return undefined;
  for (const field of packageRunnerFields) {
    if (!same(a[field], b[field])) return `package.json: its "${field}" field decides how the tests are loaded or run`;
  }
  const sa = objectField(a, 'scripts');
  const sb = objectField(b, 'scripts');
  for (const name of new Set([...Object.keys(sa), ...Object.keys(sb)])) {
    if (isTestScript(name) && !same(sa[name], sb[name])) return `package.json: its "${name}" script is how the tests are run`;
  }
  return undefined;
}

function tsconfigReason(base: string, after: FileEntry, before: FileEntry | undefined): string | undefined {
  const a = jsonObject(after, true);
  const b = jsonObject(before, true);
  if (a === undefined || b === undefined) return undefined;
  if (!same(a.extends, b.extends)) return `${base}: "extends" takes settings from another file, which tsx honours when it loads the tests`;
  const ca = objectField(a, 'compilerOptions');
  const cb = objectField(b, 'compilerOptions');
  for (const option of resolutionOptions) {
    if (!same(ca[option], cb[option])) return `${base}: compilerOptions.${option} changes what the tests' imports resolve to under tsx`;
  }
  return undefined;
}

/** NODE_* assignments of a dotenv file, in order. */
function nodeVariables(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => /^(?:export\s+)?NODE_\w*\s*=/.test(line))
    .join('\n');
}

/**
 * Why a new or changed file (`before` undefined for a new one) changes how node tests run, or
 * undefined. `p` is a normalized path.
 */
export function nodeShadowReason(p: string, after: FileEntry, before: FileEntry | undefined): string | undefined {
  if (after.kind === 'dir') return undefined;
  if (p.includes('node_modules')) {
    const parts = p.split('/');
    const at = parts.indexOf('node_modules');
    if (at !== -1) {
      const first = parts[at + 1] ?? '';
      const name = first.startsWith('@') ? `${first}/${parts[at + 2] ?? ''}` : first;
      if (first === '.bin') return 'node_modules/.bin is put first on PATH by npm scripts: a command there replaces the real one';
      return `node_modules/${name}: a package there is what the tests' or the runner's imports of "${name}" load`;
    }
  }
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (base === 'package.json') return packageJsonReason(after, before);
  if (runnerConfigName.test(base)) return `${base} configures a JavaScript test runner`;
  if (base === '.npmrc') return '.npmrc configures npm, which runs the test scripts (node-options, script-shell)';
  if (base === '.env' || base.startsWith('.env.')) {
    return nodeVariables(textOf(after)) === nodeVariables(textOf(before)) ? undefined : `${base} sets NODE_* variables (NODE_OPTIONS loads code into node)`;
  }
  if (/^(?:tsconfig|jsconfig)(?:\.[\w.-]+)?\.json$/.test(base)) return tsconfigReason(base, after, before);
  return undefined;
}
