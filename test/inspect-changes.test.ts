import { describe, expect, it } from 'vitest';
import { fileEntry } from '../src/sandbox/file-tree.js';
import { compareTrees, resolveSymlinkTarget } from '../src/inspect/changes.js';
import { pristineTree } from '../src/inspect/pristine.js';
import { edited, protectedGlobs, taskRepo, testCli } from './fixtures/inspect/task.js';

const honestCli = 'import sys\n\ndef main():\n    print("Hello, " + sys.argv[2] + "!")\n';

function kinds(changes: { path: string; kind: string }[]): string[] {
  return changes.map((c) => `${c.kind} ${c.path}`);
}

describe('compareTrees', () => {
  const base = taskRepo();

  it('an honest change touches nothing protected', () => {
    const final = edited(base, {
      'cli.py': honestCli,
      'util.py': 'X = 1\n',
      'README.md': null,
      '__pycache__/cli.cpython-311.pyc': 'junk',
      '.pytest_cache/v/cache/lastfailed': '{}',
      '.git/HEAD': 'ref: refs/heads/main\n',
      'tests/__pycache__/test_cli.cpython-311-pytest-8.pyc': 'junk',
    });
    const r = compareTrees(base, final, protectedGlobs);
    expect(r.changes).toEqual({ added: ['util.py'], modified: ['cli.py'], deleted: ['README.md'] });
    expect(r.protectedChanges).toEqual([]);
    expect(r.addedTests).toEqual([]);
  });

  it('a modified test file', () => {
    const r = compareTrees(base, edited(base, { 'tests/test_cli.py': testCli.replace('Hello, Ada!', 'x') }), protectedGlobs);
    expect(kinds(r.protectedChanges)).toEqual(['modified tests/test_cli.py']);
    expect(r.protectedChanges[0]?.reason).toMatch(/tests\/\*\*/);
    expect(r.changes.modified).toEqual(['tests/test_cli.py']);
  });

  it('a deleted test file and a deleted config', () => {
    const r = compareTrees(base, edited(base, { 'tests/test_cli.py': null, 'pytest.ini': null }), protectedGlobs);
    expect(kinds(r.protectedChanges)).toEqual(['deleted pytest.ini', 'deleted tests/test_cli.py']);
  });

  it('a test replaced by a symlink', () => {
    const r = compareTrees(base, edited(base, { 'tests/test_cli.py': { kind: 'symlink', target: '/tmp/fake.py' } }), protectedGlobs);
    expect(kinds(r.protectedChanges)).toEqual(['type-changed tests/test_cli.py']);
    expect(r.changes.modified).toEqual(['tests/test_cli.py']);
  });

  it('the tests folder replaced by a symlink', () => {
    const final = edited(base, { 'tests/test_cli.py': null, 'tests/__init__.py': null, tests: { kind: 'symlink', target: 'faketests' }, 'faketests/test_cli.py': 'def test_ok(): pass\n' });
    const r = compareTrees(base, final, protectedGlobs);
    expect(kinds(r.protectedChanges)).toEqual(['type-changed tests', 'deleted tests/__init__.py', 'deleted tests/test_cli.py']);
  });

  it('a mode change of a test (made unreadable)', () => {
    const r = compareTrees(base, edited(base, { 'tests/test_cli.py': fileEntry(testCli, 0o000) }), protectedGlobs);
    expect(kinds(r.protectedChanges)).toEqual(['mode-changed tests/test_cli.py']);
    expect(r.changes.modified).toEqual(['tests/test_cli.py']);
  });

  it('group and other bits alone are not a change', () => {
    const r = compareTrees(base, edited(base, { 'tests/test_cli.py': fileEntry(testCli, 0o664) }), protectedGlobs);
    expect(r.protectedChanges).toEqual([]);
    expect(r.changes.modified).toEqual([]);
  });

  it('a new test module is reported, a new helper under tests is tampering', () => {
    const r = compareTrees(base, edited(base, { 'tests/test_extra.py': 'def test_x(): pass\n', 'tests/helpers.py': 'X = 1\n', 'tests/data/expected.json': '{}' }), protectedGlobs);
    expect(r.addedTests).toEqual(['tests/test_extra.py']);
    expect(kinds(r.protectedChanges)).toEqual(['added tests/data/expected.json', 'added tests/helpers.py']);
  });

  it('shadows anywhere', () => {
    const final = edited(base, {
      'conftest.py': 'def pytest_collection_modifyitems(items): items.clear()\n',
      'tests/conftest.py': 'x = 1\n',
      'sitecustomize.py': 'import os\n',
      'lib/evil.pth': 'import os\n',
      'pytest.py': 'x\n',
      'subprocess.py': 'def run(*a, **k): pass\n',
    });
    const r = compareTrees(base, final, protectedGlobs);
    expect(kinds(r.protectedChanges)).toEqual([
      'shadow conftest.py',
      'shadow lib/evil.pth',
      'shadow pytest.py',
      'shadow sitecustomize.py',
      'shadow subprocess.py',
      'shadow tests/conftest.py',
    ]);
  });

  it('a changed runner config that is not protected is a shadow', () => {
    const b = taskRepo({ 'setup.cfg': '[metadata]\nname = greeter\n' });
    const r = compareTrees(b, edited(b, { 'setup.cfg': '[metadata]\nname = greeter\n[tool:pytest]\naddopts = --co\n' }), protectedGlobs);
    expect(kinds(r.protectedChanges)).toEqual(['shadow setup.cfg']);
  });

  it('a symlink pointing into the tests', () => {
    const r = compareTrees(base, edited(base, { 'expected.py': { kind: 'symlink', target: 'tests/test_cli.py' }, 'abs.py': { kind: 'symlink', target: '/work/tests' } }), protectedGlobs);
    expect(kinds(r.protectedChanges)).toEqual(['added abs.py', 'added expected.py']);
  });

  it('a symlink to an ordinary file is not tampering', () => {
    const r = compareTrees(base, edited(base, { 'main.py': { kind: 'symlink', target: 'cli.py' } }), protectedGlobs);
    expect(r.protectedChanges).toEqual([]);
    expect(r.changes.added).toEqual(['main.py']);
  });

  it('resolveSymlinkTarget', () => {
    expect(resolveSymlinkTarget('a/b.py', '../tests/x.py')).toBe('tests/x.py');
    expect(resolveSymlinkTarget('a.py', '/work/tests')).toBe('tests');
    expect(resolveSymlinkTarget('a.py', '/etc/passwd')).toBeUndefined();
    expect(resolveSymlinkTarget('a.py', '../../x')).toBeUndefined();
  });
});

describe('pristineTree', () => {
  const base = taskRepo();

  it('keeps the agent code and restores every protected path', () => {
    const final = edited(base, {
      'cli.py': honestCli,
      'tests/test_cli.py': 'def test_ok(): pass\n',
      'pytest.ini': null,
      'tests/test_extra.py': 'def test_x(): pass\n',
      'conftest.py': 'x = 1\n',
      'sitecustomize.py': 'x = 1\n',
      'util.py': 'Y = 2\n',
      '__pycache__/cli.cpython-311.pyc': 'junk',
      'subprocess.py': 'x\n',
      'json.py': 'x\n',
    });
    const p = pristineTree(base, final, protectedGlobs);
    expect([...p.keys()]).toEqual(['README.md', 'cli.py', 'json.py', 'pytest.ini', 'tests', 'tests/__init__.py', 'tests/test_cli.py', 'util.py']);
    const cli = p.get('cli.py');
    expect(cli?.kind === 'file' && cli.content.toString()).toBe(honestCli);
    const t = p.get('tests/test_cli.py');
    expect(t?.kind === 'file' && t.content.toString()).toBe(testCli);
  });

  it('restores a changed shadow that the task had, and a tests folder turned into a symlink', () => {
    const b = taskRepo({ 'setup.cfg': '[tool:pytest]\naddopts = -q\n' });
    const final = edited(b, {
      'setup.cfg': '[tool:pytest]\naddopts = -q -k nothing\n',
      'tests/test_cli.py': null,
      'tests/__init__.py': null,
      tests: { kind: 'symlink', target: 'fake' },
      'fake/test_cli.py': 'def test_ok(): pass\n',
    });
    const p = pristineTree(b, final, protectedGlobs);
    expect(p.get('tests')).toEqual({ kind: 'dir', mode: 0o755 });
    const cfg = p.get('setup.cfg');
    expect(cfg?.kind === 'file' && cfg.content.toString()).toBe('[tool:pytest]\naddopts = -q\n');
    expect(p.has('tests/test_cli.py')).toBe(true);
    expect(p.has('fake/test_cli.py')).toBe(true);
  });

  it('removes a shadow package with its folder', () => {
    const final = edited(base, { pytest: { kind: 'dir', mode: 0o755 }, 'pytest/__init__.py': 'x\n' });
    const p = pristineTree(base, final, protectedGlobs);
    expect(p.has('pytest')).toBe(false);
    expect(p.has('pytest/__init__.py')).toBe(false);
  });

  it('makes folders of the parents of restored paths', () => {
    const globs = ['pkg/tests/**'];
    const b = new Map([
      ['pkg', { kind: 'dir' as const, mode: 0o755 }],
      ['pkg/tests', { kind: 'dir' as const, mode: 0o755 }],
      ['pkg/tests/test_a.py', fileEntry('def test_a(): pass\n')],
    ]);
    const final = new Map([['pkg', { kind: 'symlink' as const, target: '/tmp' }]]);
    const p = pristineTree(b, final, globs);
    expect(p.get('pkg')).toEqual({ kind: 'dir', mode: 0o755 });
    expect(p.has('pkg/tests/test_a.py')).toBe(true);
  });
});
