import { describe, expect, it } from 'vitest';
import { fileEntry, type FileTree } from '../src/sandbox/file-tree.js';
import { configSection, isIgnoredCache, isProtected, matchesGlob, protectingGlob, shadowContext, shadowReason, withoutCaches } from '../src/inspect/paths.js';
import { protectedGlobs, taskRepo } from './fixtures/inspect/task.js';

describe('matchesGlob', () => {
  const cases: [string, string, boolean][] = [
    ['tests/**', 'tests/test_cli.py', true],
    ['tests/**', 'tests/sub/deep/test_x.py', true],
    ['tests/**', 'tests', true],
    ['tests/**', 'testsuite/x.py', false],
    ['tests/**', 'src/tests/test_x.py', false],
    ['conftest.py', 'conftest.py', true],
    ['conftest.py', 'tests/conftest.py', false],
    ['*.ini', 'pytest.ini', true],
    ['*.ini', 'tests/pytest.ini', false],
    ['**/*.ini', 'tests/pytest.ini', true],
    ['**/*.ini', 'pytest.ini', true],
    ['tests/*.py', 'tests/test_a.py', true],
    ['tests/*.py', 'tests/sub/test_a.py', false],
    ['tests/**/test_*.py', 'tests/test_a.py', true],
    ['tests/**/test_*.py', 'tests/a/b/test_a.py', true],
    ['tests/**/test_*.py', 'tests/a/b/helper.py', false],
    ['test_?.py', 'test_a.py', true],
    ['test_?.py', 'test_ab.py', false],
    ['{setup.cfg,tox.ini}', 'tox.ini', true],
    ['[pt]*.ini', 'pytest.ini', true],
    ['[pt]*.ini', 'setup.ini', false],
    ['./tests/**', 'tests/x.py', true],
    ['data.v1.json', 'dataXv1.json', false],
  ];
  it.each(cases)('%s against %s', (glob, path, want) => {
    expect(matchesGlob(path, glob)).toBe(want);
  });

  it('protects what is under a matching folder', () => {
    expect(isProtected('fixtures/a/b.txt', ['fixtures'])).toBe(true);
    expect(protectingGlob('tests/x/y.py', protectedGlobs)).toBe('tests/**');
    expect(isProtected('cli.py', protectedGlobs)).toBe(false);
  });
});

describe('isIgnoredCache', () => {
  it.each([
    '__pycache__/cli.cpython-311.pyc',
    'tests/__pycache__',
    'cli.pyc',
    '.pytest_cache/v/cache/lastfailed',
    '.coverage',
    '.coverage.host.1234',
    '.mypy_cache/3.11/x.json',
    '.ruff_cache/content',
    '.hypothesis/examples/x',
    '.git/HEAD',
    '.git',
  ])('%s is a cache', (path) => expect(isIgnoredCache(path)).toBe(true));
  it.each(['cli.py', 'tests/test_cli.py', '.gitignore', 'coverage.py', 'pycache.py', 'docs/.github/x'])('%s is not', (path) =>
    expect(isIgnoredCache(path)).toBe(false),
  );
  it('withoutCaches drops them', () => {
    const tree: FileTree = new Map([
      ['a.py', fileEntry('x')],
      ['__pycache__/a.pyc', fileEntry('x')],
      ['.git/HEAD', fileEntry('x')],
    ]);
    expect([...withoutCaches(tree).keys()]).toEqual(['a.py']);
  });
});

describe('shadowReason', () => {
  const ctx = shadowContext(taskRepo({ 'tests/test_json.py': 'import json\nfrom subprocess import run\n' }), protectedGlobs);
  const f = fileEntry('x = 1\n');
  it.each([
    'conftest.py',
    'src/conftest.py',
    'pytest.py',
    'pytest/__init__.py',
    '_pytest/main.py',
    'pluggy/__init__.py',
    'lib/_pytest/x.py',
    'sitecustomize.py',
    'lib/usercustomize.py',
    'evil.pth',
    'unittest.py',
    'pytest.ini',
    'sub/.pytest.ini',
    'json.py',
    'subprocess/__init__.py',
    'tests/__init__.py',
  ])('a new %s is a shadow', (path) => {
    expect(shadowReason(path, f, undefined, ctx)).toBeDefined();
  });
  it.each(['cli.py', 'src/json.py', 'lib/py/util.py', 'docs/unittest.py', 'util/helpers.py', 'random.py', 'pkg/__init__.py', 'setup.py', 'README.md'])('a new %s is not', (path) => {
    expect(shadowReason(path, f, undefined, ctx)).toBeUndefined();
  });
  it('reads runner sections of shared config files', () => {
    expect(shadowReason('setup.cfg', fileEntry('[metadata]\nname = x\n[tool:pytest]\naddopts = -p no:x\n'), undefined, ctx)).toMatch(/tool:pytest/);
    expect(shadowReason('setup.cfg', fileEntry('[metadata]\nname = y\n'), fileEntry('[metadata]\nname = x\n'), ctx)).toBeUndefined();
    expect(shadowReason('tox.ini', fileEntry('[tox]\nenvlist = py311\n'), undefined, ctx)).toBeUndefined();
    expect(shadowReason('tox.ini', fileEntry('[tox]\n[pytest]\naddopts = -k nothing\n'), undefined, ctx)).toMatch(/\[pytest\]/);
    const before = fileEntry('[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n');
    expect(shadowReason('pyproject.toml', fileEntry('[project]\nname = "x"\nversion = "2"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n'), before, ctx)).toBeUndefined();
    expect(shadowReason('pyproject.toml', fileEntry('[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q --deselect tests"\n'), before, ctx)).toMatch(/tool\.pytest/);
  });
  it('spots a pytest plugin entry point', () => {
    expect(shadowReason('evil-1.0.dist-info/entry_points.txt', fileEntry('[pytest11]\nevil = evil_plugin\n'), undefined, ctx)).toMatch(/pytest11/);
    expect(shadowReason('mypkg.egg-info/entry_points.txt', fileEntry('[console_scripts]\ncli = cli:main\n'), undefined, ctx)).toBeUndefined();
  });
  it('configSection keeps only the named section', () => {
    expect(configSection('[a]\nx=1\n[tool:pytest]\ny=2\n\n[b]\nz=3\n', /^tool:pytest$/)).toBe('[tool:pytest]\ny=2');
  });
});
