/**
 * Path rules of the inspector: protected globs, what running the tests leaves behind (caches), and
 * shadows (new or changed files that can change how the tests run without touching them).
 */
import type { FileEntry, FileTree } from '../sandbox/file-tree.js';
import { nodeShadowReason } from './node-shadows.js';

/**
 * Strips "./" and leading or doubled slashes: the form a FileTree key has. Names are byte-exact: a
 * backslash is part of a name (`tests\test_x.py` is one file at the top, not tests/test_x.py).
 */
export function normalizePath(path: string): string {
  // Already in that form (the usual case): no copy, no pattern run over a long path again.
  if (!path.includes('//') && !path.startsWith('./') && !path.startsWith('/') && !path.endsWith('/')) return path;
  let p = path.replace(/\/+/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return p;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Expands `{a,b}` alternatives (not nested) into several patterns. */
function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (m === null) return [pattern];
  const before = pattern.slice(0, m.index);
  const after = pattern.slice(m.index + m[0].length);
  const options = (m[1] ?? '').split(',');
  return options.flatMap((option) => expandBraces(`${before}${option}${after}`));
}

/** One segment's glob (`*`, `?`, `[...]`) as a regular expression source; never crosses a slash. */
function segmentSource(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] ?? '';
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else out += escapeRegExp(c);
  }
  return out;
}

const globCache = new Map<string, RegExp>();

/**
 * A protected pattern as a regular expression over a whole relative path. Rules: a pattern without
 * a slash matches at the repo root only (`*.ini` matches `pytest.ini`, not `a/pytest.ini`); `*` and `?`
 * stay inside one folder; `**` spans any number of folders (none included); `dir/**` also matches
 * `dir` itself; `{a,b}` and `[abc]` work as in a shell.
 */
export function globToRegExp(pattern: string): RegExp {
  const cached = globCache.get(pattern);
  if (cached !== undefined) return cached;
  const alternatives = expandBraces(normalizePath(pattern)).map((alt) => {
    const segments = alt.split('/');
    let src = '';
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] ?? '';
      const last = i === segments.length - 1;
      if (seg === '**') {
        if (last) {
          // `dir/**` matches dir itself and everything under it; a bare `**` matches everything.
          src = src === '' ? '.*' : `${src.slice(0, -1)}(?:/.*)?`;
        } else {
          src += '(?:[^/]+/)*';
        }
      } else {
        src += segmentSource(seg) + (last ? '' : '/');
      }
    }
    return src;
  });
  const re = new RegExp(`^(?:${alternatives.join('|')})$`);
  globCache.set(pattern, re);
  return re;
}

export function matchesGlob(path: string, pattern: string): boolean {
  return globToRegExp(pattern).test(normalizePath(path));
}

/** JavaScript's line terminators: `.` in a glob's `**` tail does not match them. */
const lineTerminatorChar = /[\n\r\u2028\u2029]/;

/**
 * One brace alternative of a glob as a matcher that walks a path one segment at a time, so a
 * folder's state is its parent's plus one step (linear however deep the tree). The state is a bit
 * mask: bit j = the first j segments of the pattern matched; the TAIL bit = inside a last `**`.
 * Exactly the language of globToRegExp's pattern for the same alternative.
 */
class SegmentGlob {
  private readonly segments: string[];
  private readonly segmentRes: (RegExp | undefined)[];
  private readonly tail: number;
  readonly initial: number;

  constructor(alternative: string) {
    this.segments = alternative.split('/');
    this.segmentRes = this.segments.map((seg) => (seg === '**' ? undefined : new RegExp(`^${segmentSource(seg)}$`)));
    this.tail = 1 << (this.segments.length + 1);
    this.initial = this.closure(1);
  }

  /** Up to 29 segments fit the mask; class brackets (`[...]`) can match a slash in the whole-path pattern. */
  static fits(alternative: string): boolean {
    return alternative.split('/').length <= 29 && !alternative.includes('[');
  }

  private closure(mask: number): number {
    let out = mask;
    const m = this.segments.length;
    for (let j = 0; j < m; j++) {
      if ((out & (1 << j)) === 0 || this.segments[j] !== '**') continue;
      if (j < m - 1) out |= 1 << (j + 1);
      else out |= this.tail;
    }
    return out;
  }

  step(mask: number, segment: string): number {
    let next = 0;
    const m = this.segments.length;
    for (let j = 0; j < m; j++) {
      if ((mask & (1 << j)) === 0) continue;
      const re = this.segmentRes[j];
      if (re === undefined) {
        if (j < m - 1) next |= 1 << j;
      } else if (re.test(segment)) next |= 1 << (j + 1);
    }
    if ((mask & this.tail) !== 0 && !lineTerminatorChar.test(segment)) next |= this.tail;
    return this.closure(next);
  }

  accepts(mask: number): boolean {
    return (mask & (1 << this.segments.length)) !== 0 || (mask & this.tail) !== 0;
  }
}

/** A glob as segment matchers (one per brace alternative), or its whole-path pattern when it does not fit them. */
interface CompiledGlob {
  alternatives: SegmentGlob[] | undefined;
  regex: RegExp;
  /** Index of its first alternative's state in a folder's state array. */
  offset: number;
}

interface FolderState {
  /** Index of the first glob that covers the folder or a parent (-1: none). */
  covered: number;
  /** Each segment matcher's state after the folder's path. */
  states: Int32Array;
}

/**
 * Which protected glob covers each folder, remembered per globs list: a path's answer is its own
 * match or its folder's, and its own match is one step from its folder's state, so a tree is
 * walked once (testing every prefix of every path grew like depth^2 per path, and a pattern with
 * two `**` backtracked cubically on a chain of folders named after its parts).
 */
class ProtectionIndex {
  private readonly compiled: CompiledGlob[];
  private readonly folders = new Map<string, FolderState>();
  private readonly root: FolderState;

  constructor(private readonly globs: readonly string[]) {
    let offset = 0;
    this.compiled = globs.map((glob) => {
      const alternatives = expandBraces(normalizePath(glob));
      const fits = alternatives.every((alt) => SegmentGlob.fits(alt));
      const compiled: CompiledGlob = { alternatives: fits ? alternatives.map((alt) => new SegmentGlob(alt)) : undefined, regex: globToRegExp(glob), offset };
      offset += compiled.alternatives?.length ?? 0;
      return compiled;
    });
    const states = new Int32Array(offset);
    for (const c of this.compiled) c.alternatives?.forEach((alt, k) => (states[c.offset + k] = alt.initial));
    this.root = { covered: -1, states };
  }

  globFor(normalized: string): string | undefined {
    if (normalized === '') {
      const index = this.compiled.findIndex((c) => c.regex.test(''));
      return index === -1 ? undefined : this.globs[index];
    }
    const own = this.advance(this.folderState(dirname(normalized)), normalized);
    return own.covered === -1 ? undefined : this.globs[own.covered];
  }

  /** The state of `path` from its parent's: each matcher stepped by the last segment, regex globs tested whole. */
  private advance(parent: FolderState, path: string): FolderState {
    const segment = basename(path);
    const states = new Int32Array(parent.states.length);
    let match = -1;
    this.compiled.forEach((c, index) => {
      let hit = false;
      if (c.alternatives === undefined) hit = c.regex.test(path);
      else {
        c.alternatives.forEach((alt, k) => {
          const state = alt.step(parent.states[c.offset + k] ?? 0, segment);
          states[c.offset + k] = state;
          if (alt.accepts(state)) hit = true;
        });
      }
      if (hit && match === -1) match = index;
    });
    return { covered: minIndex(match, parent.covered), states };
  }

  private folderState(folder: string): FolderState {
    const pending: string[] = [];
    let known = this.root;
    for (let d = folder; d !== ''; d = dirname(d)) {
      const cached = this.folders.get(d);
      if (cached !== undefined) {
        known = cached;
        break;
      }
      pending.push(d);
    }
    if (this.folders.size + pending.length > maxRememberedFolders) this.folders.clear();
    for (let k = pending.length - 1; k >= 0; k--) {
      const dir = pending[k] ?? '';
      known = this.advance(known, dir);
      this.folders.set(dir, known);
    }
    return known;
  }
}

const maxRememberedFolders = 1_000_000;

function minIndex(a: number, b: number): number {
  if (a === -1) return b;
  if (b === -1) return a;
  return Math.min(a, b);
}

const protectionIndexes = new WeakMap<readonly string[], ProtectionIndex>();

/**
 * The protected glob that covers a path, or undefined. A path is covered when a glob matches it or
 * one of its parent folders (protecting `tests` protects everything in it); with several, the first
 * glob of the list wins.
 */
export function protectingGlob(path: string, globs: readonly string[]): string | undefined {
  let index = protectionIndexes.get(globs);
  if (index === undefined) {
    index = new ProtectionIndex(globs);
    protectionIndexes.set(globs, index);
  }
  return index.globFor(normalizePath(path));
}

export function isProtected(path: string, globs: readonly string[]): boolean {
  return protectingGlob(path, globs) !== undefined;
}

const cacheDirs = new Set(['__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache', '.hypothesis', '.git']);

/**
 * What running the tests (or the agent's own git repo) leaves behind: never a change, ignored
 * everywhere. `__pycache__/`, `*.pyc`, `*.pyo`, `.pytest_cache/`, `.coverage*`, `.mypy_cache/`,
 * `.ruff_cache/`, `.hypothesis/`, `.git/`, and the tools' caches `node_modules/.cache/` and
 * `node_modules/.vite/` (vitest's results).
 */
export function isIgnoredCache(path: string): boolean {
  const p = normalizePath(path);
  for (const dir of cacheDirs) if (hasSegment(p, dir)) return true;
  if (p.includes('node_modules/.') && (p.includes('node_modules/.cache') || p.includes('node_modules/.vite'))) {
    const parts = p.split('/');
    if (parts.some((seg, k) => seg === 'node_modules' && (parts[k + 1] === '.cache' || parts[k + 1] === '.vite'))) return true;
  }
  const base = basename(p);
  return base.endsWith('.pyc') || base.endsWith('.pyo') || base.startsWith('.coverage');
}

/** Whether one of the path's segments is `name` (searched, not split: paths can be very long). */
function hasSegment(path: string, name: string): boolean {
  if (!path.includes(name)) return false;
  return path === name || path.startsWith(`${name}/`) || path.endsWith(`/${name}`) || path.includes(`/${name}/`);
}

/** A copy of the tree without caches and .git. */
export function withoutCaches(tree: FileTree): FileTree {
  const out: FileTree = new Map();
  for (const [path, entry] of tree) if (!isIgnoredCache(path)) out.set(normalizePath(path), entry);
  return out;
}

export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? path : path.slice(i + 1);
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

/** A test module by pytest's default naming: `test_*.py` or `*_test.py`. */
export function isTestModuleName(path: string): boolean {
  const base = basename(path);
  return /^test_.*\.py$/.test(base) || /^.+_test\.py$/.test(base);
}

/**
 * Standard-library modules a test commonly imports and that a file of the same name at the top of
 * the repo (the rootdir is on sys.path under `python -m pytest`) would replace. Modules loaded at
 * interpreter start (os, sys, io, ...) cannot be replaced that way and are left out on purpose.
 */
const shadowableStdlib = new Set([
  'argparse', 'array', 'ast', 'asyncio', 'base64', 'bisect', 'builtins', 'bz2', 'calendar', 'cmath', 'collections',
  'concurrent', 'contextlib', 'copy', 'csv', 'dataclasses', 'datetime', 'decimal', 'difflib', 'doctest', 'email',
  'enum', 'fnmatch', 'fractions', 'functools', 'gc', 'glob', 'gzip', 'hashlib', 'heapq', 'hmac', 'html', 'http',
  'importlib', 'inspect', 'ipaddress', 'itertools', 'json', 'locale', 'logging', 'lzma', 'math', 'multiprocessing',
  'numbers', 'operator', 'pathlib', 'pickle', 'platform', 'pprint', 'queue', 'random', 're', 'runpy', 'secrets',
  'select', 'shlex', 'shutil', 'signal', 'socket', 'sqlite3', 'statistics', 'string', 'struct', 'subprocess',
  'tempfile', 'textwrap', 'threading', 'time', 'timeit', 'traceback', 'typing', 'unittest', 'urllib', 'uuid',
  'warnings', 'weakref', 'xml', 'zipfile', 'zlib', 'zoneinfo',
]);

/** The test runner itself: a module or package of that name anywhere is a shadow. */
const runnerModules = new Set(['pytest', '_pytest']);
/** What the runner imports: a shadow at the top of the repo (on sys.path under `python -m pytest`). */
const runnerDependencies = new Set(['pluggy', 'iniconfig', 'unittest', 'py']);

/** The module a path defines at its top (`json.py`, `json/…`, `json.cpython-311-x86_64-linux-gnu.so`). */
function topModuleName(parts: string[]): string | undefined {
  const first = parts[0];
  if (first === undefined) return undefined;
  if (parts.length > 1) return first;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.[^/]*)?\.(py|so|pyd)$/.exec(first);
  return m === null ? undefined : m[1];
}

const lineTerminator = /[\n\r\u2028\u2029]/;

/**
 * The name in an INI section header line (`[name]`, spaces around, a `#` or `;` comment after), or
 * undefined. Scanned by hand: the pattern `^\s*\[\s*([^\]]+?)\s*\]` backtracks cubically on a long
 * line of spaces.
 */
function sectionHeader(line: string): string | undefined {
  const start = line.trimStart();
  if (!start.startsWith('[')) return undefined;
  const close = start.indexOf(']', 1);
  if (close === -1) return undefined;
  const inner = start.slice(1, close);
  if (inner === '') return undefined;
  const rest = start.slice(close + 1).trimStart();
  if (rest !== '' && !((rest.startsWith('#') || rest.startsWith(';')) && !lineTerminator.test(rest))) return undefined;
  const name = inner.trim();
  // Only blanks between the brackets: the pattern's lazy group takes the last one.
  return name === '' ? inner.slice(-1) : name;
}

/**
 * The module name a path makes importable from the top of /work, when it is what an import finds
 * before site-packages: a module file (`attr.py`, `attr.cpython-311-x86_64-linux-gnu.so`), a
 * regular package's `__init__` (`attr/__init__.py`), or a symlink named like either. A folder
 * without `__init__` is a namespace portion, which loses to the real package, so it does not count.
 */
function importedAtTop(p: string, first: string, slash: number, after: FileEntry): string | undefined {
  const rest = slash === -1 ? '' : p.slice(slash + 1);
  if (slash === -1) {
    const file = /^([A-Za-z_]\w*)(?:\.[^/]*)?\.(py|so|pyd)$/.exec(first)?.[1];
    if (file !== undefined) return file;
    return after.kind === 'symlink' && /^[A-Za-z_]\w*$/.test(first) ? first : undefined;
  }
  if (/^__init__(?:\.[^/]*)?\.(py|so|pyd)$/.test(rest)) return first;
  return undefined;
}

/** The text of the INI sections (or TOML tables) whose name matches, joined; '' when none. */
export function configSection(text: string, sectionName: RegExp): string {
  const out: string[] = [];
  let inside = false;
  for (const line of text.split(/\r?\n/)) {
    const header = sectionHeader(line);
    if (header !== undefined) {
      inside = sectionName.test(header);
      if (inside) out.push(line.trim());
      continue;
    }
    if (inside) out.push(line.replace(/\s+$/, ''));
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

function textOf(entry: FileEntry | undefined): string {
  return entry !== undefined && entry.kind === 'file' ? entry.content.toString('utf8') : '';
}

/** What the inspector knows about the sandbox image, for callers that have it (see runner-modules.ts). */
export interface InspectContext {
  /**
   * Top-level modules the test runner loads from outside /work, probed in the image: a module or
   * regular package of one of these names at the top of /work replaces it for the runner.
   */
  runnerModules?: ReadonlySet<string>;
}

export interface ShadowContext {
  /** Folders of the baseline that hold test modules ('' for the root). */
  testDirs: ReadonlySet<string>;
  /** Top-level module names the baseline's test files import. */
  testImports: ReadonlySet<string>;
  /** The runner's own modules as probed in the image (empty when not probed). */
  runnerModules: ReadonlySet<string>;
}

/** Collects what shadow detection needs from the baseline (the task's repo) and the image. */
export function shadowContext(baseline: FileTree, protectedGlobs: readonly string[], context: InspectContext = {}): ShadowContext {
  const testDirs = new Set<string>();
  const testImports = new Set<string>();
  for (const [path, entry] of baseline) {
    if (entry.kind !== 'file' || !path.endsWith('.py')) continue;
    const isTest = isTestModuleName(path) || basename(path) === 'conftest.py' || isProtected(path, protectedGlobs);
    if (!isTest) continue;
    if (isTestModuleName(path)) testDirs.add(dirname(path));
    for (const m of entry.content.toString('utf8').matchAll(/^[^\S\n]*(?:from\s+([A-Za-z_][\w]*)|import\s+([A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w.]*)*))/gm)) {
      if (m[1] !== undefined) testImports.add(m[1]);
      if (m[2] !== undefined) for (const name of m[2].split(',')) testImports.add(name.trim().split('.')[0] ?? '');
    }
  }
  return { testDirs, testImports, runnerModules: context.runnerModules ?? new Set() };
}

/**
 * Why a new or changed entry (`before` undefined for a new one) can change how the tests run, or
 * undefined. Covers conftest.py anywhere; modules or packages named pytest or _pytest anywhere, and
 * pluggy, iniconfig, unittest or py at the top; sitecustomize.py / usercustomize.py; *.pth; a top-level module named
 * after a standard-library module the tests import; runner configuration (pytest.ini, .pytest.ini,
 * [pytest] in tox.ini, [tool:pytest] in setup.cfg, [tool.pytest*] in pyproject.toml); `__init__.py`
 * in a folder that holds test modules; a pytest11 entry point in *.dist-info / *.egg-info.
 */
export function shadowReason(path: string, after: FileEntry, before: FileEntry | undefined, ctx: ShadowContext): string | undefined {
  const p = normalizePath(path);
  const base = basename(p);
  const isNew = before === undefined;
  if (after.kind === 'dir') return undefined;

  if (base === 'conftest.py') return isNew ? 'a new conftest.py changes how pytest runs' : 'a changed conftest.py changes how pytest runs';
  if (base === 'sitecustomize.py' || base === 'usercustomize.py') return `${base} runs at interpreter start`;
  if (base.endsWith('.pth')) return 'a .pth file runs code or changes sys.path at interpreter start';
  const nodeShadow = nodeShadowReason(p, after, before);
  if (nodeShadow !== undefined) return nodeShadow;

  // Only the top segment can be a runner dependency; pytest and _pytest count anywhere (looked at
  // only when the path mentions pytest: splitting every long path was most of the work on deep trees).
  const slash = p.indexOf('/');
  const first = slash === -1 ? p : p.slice(0, slash);
  const moduleOf = (seg: string, last: boolean): string | undefined =>
    last ? /^([A-Za-z_]\w*)\.(py|so|pyd)$/.exec(seg)?.[1] ?? (after.kind === 'symlink' ? seg : undefined) : seg;
  const topName = moduleOf(first, slash === -1);
  if (topName !== undefined && (runnerModules.has(topName) || runnerDependencies.has(topName))) {
    return `a module or package named "${topName}" shadows the test runner`;
  }
  if (p.includes('pytest')) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const name = moduleOf(parts[i] ?? '', i === parts.length - 1);
      if (name !== undefined && runnerModules.has(name)) return `a module or package named "${name}" shadows the test runner`;
    }
  }

  const runnerModule = importedAtTop(p, first, slash, after);
  // Only what the agent added: a module the task itself ships is the task's choice.
  if (isNew && runnerModule !== undefined && ctx.runnerModules.has(runnerModule)) {
    return `a top-level "${runnerModule}" shadows a module the test runner imports (the runner loads it from /work first)`;
  }

  const top = topModuleName(slash === -1 ? [p] : [first, '']);
  if (top !== undefined && shadowableStdlib.has(top) && ctx.testImports.has(top)) {
    return `a top-level "${top}" shadows the standard-library module the tests import`;
  }

  // Only configuration files are read as text (decoding every changed file would cost its size each time).
  const text = (): string => textOf(after);
  const oldText = (): string => textOf(before);
  if (base === 'pytest.ini' || base === '.pytest.ini') return `${base} configures pytest`;
  if (base === 'tox.ini' && configSection(text(), /^pytest$/) !== configSection(oldText(), /^pytest$/)) return 'tox.ini: its [pytest] section configures pytest';
  if (base === 'setup.cfg' && configSection(text(), /^tool:pytest$/) !== configSection(oldText(), /^tool:pytest$/)) {
    return 'setup.cfg: its [tool:pytest] section configures pytest';
  }
  if (base === 'pyproject.toml' && configSection(text(), /^tool\.pytest(\.|$)/) !== configSection(oldText(), /^tool\.pytest(\.|$)/)) {
    return 'pyproject.toml: its [tool.pytest] table configures pytest';
  }
  if (base === '__init__.py' && ctx.testDirs.has(dirname(p))) return '__init__.py in a test folder changes how the tests are imported';
  if (base === 'entry_points.txt' && p.split('/').some((s) => s.endsWith('.dist-info') || s.endsWith('.egg-info')) && /\[\s*pytest11\s*\]/.test(text())) {
    return 'a pytest11 entry point loads a pytest plugin';
  }
  return undefined;
}
