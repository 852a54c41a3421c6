/**
 * `ibench tasks mutate` on Python tests: the value changes, the splices, the scanner (Python's ast
 * in the sandbox image), and the command end to end in Docker: variants proven by execution, the
 * dropped ones named with their reason, the same seed giving byte-identical folders, and every
 * variant passing `ibench tasks validate`.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { proofProblem, type MutateReport } from '../src/runs/mutate-task.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { fileEntry, readTreeFromDir, type FileTree } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { failingTestNames, namesTest } from '../src/tasks/mutate/failing-tests.js';
import { scanJsTests } from '../src/tasks/mutate/scan-js.js';
import { scanPythonTests } from '../src/tasks/mutate/scan-python.js';
import type { AssertionSite, ScannedFile } from '../src/tasks/mutate/sites.js';
import { applySplices, changedString, changeExpected } from '../src/tasks/mutate/values.js';
import { conflictingVariant, oneoffVariant, type Variant } from '../src/tasks/mutate/variants.js';
import type { TestRunResult } from '../src/inspect/types.js';

const FIXTURES = 'test/fixtures/mutate/python';

describe('values', () => {
  it('changes the last character within its kind', () => {
    expect(changedString('hello')).toBe('hellp');
    expect(changedString('jazz')).toBe('jaza');
    expect(changedString('R2D9')).toBe('R2D0');
    expect(changedString('a-b!')).toBe('a-bx');
    expect(changedString('')).toBe('x');
    expect(changedString('deadbeef00f')).toBe('deadbeef000');
  });

  it('writes each type back as a literal of the same type, and refuses what has no other value', () => {
    const src = Buffer.from('x == -5 and "é\\n" and 2.5 and True and None and 1e300');
    const at = (text: string): [number, number] => {
      const start = src.indexOf(text);
      return [start, start + Buffer.byteLength(text)];
    };
    const change = (lit: Parameters<typeof changeExpected>[0]): string => {
      const out = changeExpected(lit, src, 'python');
      return 'reason' in out ? `reason: ${out.reason}` : out.change.after;
    };
    expect(change({ t: 'int', v: '-5', s: at('-5') })).toBe('-4');
    expect(change({ t: 'str', v: 'é\n', s: at('"é\\n"') })).toBe('"éx"');
    expect(change({ t: 'float', v: 2.5, s: at('2.5') })).toBe('3.5');
    expect(change({ t: 'bool', v: true, s: at('True') })).toBe('False');
    expect(change({ t: 'none', s: at('None') })).toMatch(/^reason: None has no other value/);
    expect(change({ t: 'float', v: 1e300, s: at('1e300') })).toMatch(/^reason: 1e300 \+ 1 is the same float/);
  });
});

const run = (over: Partial<TestRunResult>): TestRunResult => ({
  exitCode: 1,
  passed: 0,
  failed: 0,
  errors: 0,
  skipped: 0,
  timedOut: false,
  ok: false,
  output: '',
  durationMs: 1,
  grading: 'pytest',
  ...over,
});

describe('which tests failed', () => {
  it("reads pytest's FAILED lines, parameters with spaces included, and JUnit cases", () => {
    const out = 'F.\n=== short test summary info ===\nFAILED tests/test_s.py::test_titles[Hello, World!-hello-worle] - AssertionError\nFAILED tests/test_s.py::TestC::test_x - assert 1 == 2\n';
    const names = failingTestNames(run({ failed: 2, output: out }));
    expect(names).toEqual(['tests/test_s.py::test_titles', 'tests/test_s.py::TestC::test_x']);
    expect(namesTest(names?.[0] ?? '', 'test_titles', 'tests/test_s.py')).toBe(true);
    expect(namesTest(names?.[1] ?? '', 'test_x', 'tests/test_s.py')).toBe(true);
    expect(namesTest(names?.[1] ?? '', 'test_x', 'tests/test_other.py')).toBe(false);
    expect(failingTestNames(run({ failed: 3, output: out }))).toBeUndefined();
    expect(failingTestNames(run({ grading: 'exit-status', failed: 1 }))).toBeUndefined();
    const junit = run({ grading: 'junit', failed: 1, tests: [{ name: 'tests.test_s.test_a[1]', status: 'failed' }, { name: 'tests.test_s.test_b', status: 'passed' }] });
    expect(failingTestNames(junit)).toEqual(['tests.test_s.test_a[1]']);
    expect(namesTest('tests.test_s.test_a[1]', 'test_a', 'tests/test_s.py')).toBe(true);
  });
});

/** The scanner's files by path (each scanned in the sandbox image). */
let scanned: Map<string, ScannedFile>;
const scanTree: FileTree = new Map([
  ['tests/test_crlf.py', fileEntry('"""« Ünïcode » first."""\r\ndef test_a():\r\n    assert f("é") == "ü"\r\n    assert g() == -5\r\n')],
  ['tests/test_forms.py', fileEntry(
    [
      'import unittest',
      'import pytest',
      '',
      'def test_dict():',
      '    assert h() == {"a": [1, None]}',
      '    assert h() == pytest.approx(0.25)',
      '    assert h() is None',
      '    assert h() == other()',
      '',
      'class TestT(unittest.TestCase):',
      '    def test_m(self):',
      '        self.assertEqual(h(), "v")',
      '        self.assertFalse(k())',
      '',
      '    def test_n(self):',
      '        pass',
      '',
      '@pytest.mark.skip(reason="later")',
      'def test_skipped():',
      '    assert h() == 1',
      '',
    ].join('\n'),
  )],
  ['tests/test_marked.py', fileEntry('import pytest\npytestmark = pytest.mark.skip\n\ndef test_a():\n    assert f() == 1\n')],
  ['tests/test_syntax.py', fileEntry('def test_a(:\n    pass\n')],
  ['tests/test_latin1.py', fileEntry(Buffer.from([0x23, 0x20, 0xe9, 0x0a]))],
]);

function sitesOf(path: string): { source: Buffer; sites: AssertionSite[] } {
  const file = scanned.get(path);
  if (file === undefined || 'error' in file) throw new Error(`${path} was not scanned: ${file === undefined ? 'missing' : file.error}`);
  const entry = scanTree.get(path);
  if (entry?.kind !== 'file') throw new Error(path);
  return { source: entry.content, sites: file.sites };
}

function expectVariant(outcome: ReturnType<typeof oneoffVariant>): Variant {
  if ('reason' in outcome) throw new Error(`no variant: ${outcome.reason}`);
  return outcome.variant;
}

describe('the Python scanner (ast, in the sandbox image)', () => {
  beforeAll(async () => {
    const profile = await loadSandboxProfile('python');
    await ensureImage(profile);
    const files = await scanPythonTests(new DockerSandboxFactory(), profile, scanTree, { 'ibench.test': 'tasks-mutate' });
    scanned = new Map(files.map((f) => [f.path, f]));
  }, 900_000);

  it('gives byte spans into the file as stored (CRLF, characters of several bytes)', () => {
    const { source, sites } = sitesOf('tests/test_crlf.py');
    expect(sites.map((s) => s.line)).toEqual([3, 4]);
    const [first, second] = sites.map((s) => expectVariant(oneoffVariant('tests/test_crlf.py', source, s, 'python')));
    expect(first?.content.toString('utf8')).toBe('"""« Ünïcode » first."""\r\ndef test_a():\r\n    assert f("é") == "x"\r\n    assert g() == -5\r\n');
    expect(second?.change).toMatchObject({ before: '-5', after: '-4' });
    // The copy goes after the function, its own lines kept as they were (CRLF).
    const copy = expectVariant(conflictingVariant('tests/test_crlf.py', source, sites[1] as AssertionSite, new Set(['test_a']), 'python'));
    expect(copy.content.toString('utf8')).toBe(
      '"""« Ünïcode » first."""\r\ndef test_a():\r\n    assert f("é") == "ü"\r\n    assert g() == -5\r\n\n\ndef test_a_conflicting():\r\n    assert f("é") == "ü"\r\n    assert g() == -4\r\n',
    );
    expect(copy.failingTest).toBe('test_a_conflicting');
  });

  it('reads containers, approx, unittest methods and truth tests; says why it cannot change None or a skipped test', () => {
    const { source, sites } = sitesOf('tests/test_forms.py');
    const outcomes = sites.map((s) => {
      const o = oneoffVariant('tests/test_forms.py', source, s, 'python');
      return `${s.test}:${s.line} ${'reason' in o ? `dropped: ${o.reason}` : `${o.variant.change.before} -> ${o.variant.change.after}`}`;
    });
    expect(outcomes).toEqual([
      'test_dict:5 {"a": [1, None]} -> {"a": [2, None]}',
      'test_dict:6 0.25 -> 1.25',
      'test_dict:7 dropped: None has no other value of its type',
      'TestT::test_m:12 "v" -> "w"',
      'TestT::test_m:13 false -> true',
      'test_skipped:20 dropped: the test is skipped or marked xfail: its failure would prove nothing',
    ]);
    const file = scanned.get('tests/test_forms.py');
    expect(file !== undefined && 'unsupported' in file ? file.unsupported : {}).toEqual({ '== without a literal on either side': 1 });
    // A method's copy stays in its class, one blank line before it.
    const method = sites.find((s) => s.line === 13) as AssertionSite;
    const copy = expectVariant(conflictingVariant('tests/test_forms.py', source, method, new Set(['test_m', 'test_m_conflicting']), 'python'));
    expect(copy.failingTest).toBe('test_m_conflicting_2');
    expect(copy.content.toString('utf8')).toContain(
      '        self.assertFalse(k())\n\n    def test_m_conflicting_2(self):\n        self.assertEqual(h(), "v")\n        self.assertTrue(k())\n\n    def test_n(self):',
    );
  });

  it('marks every test of a module with pytestmark skip, and names files it cannot parse', () => {
    expect(sitesOf('tests/test_marked.py').sites.map((s) => s.skipped)).toEqual([true]);
    expect(scanned.get('tests/test_syntax.py')).toMatchObject({ error: expect.stringMatching(/^syntax error at line 1/) });
    expect(scanned.get('tests/test_latin1.py')).toMatchObject({ error: 'not UTF-8' });
  });

  it('proves a variant only when exactly the mutated test fails', () => {
    const { source, sites } = sitesOf('tests/test_forms.py');
    const variant = expectVariant(oneoffVariant('tests/test_forms.py', source, sites[0] as AssertionSite, 'python'));
    const failed = (names: string[], passed: number): TestRunResult =>
      run({ failed: names.length, passed, output: names.map((n) => `FAILED ${n} - AssertionError`).join('\n') });
    expect(proofProblem(variant, failed(['tests/test_forms.py::test_dict'], 4), 5)).toBeUndefined();
    expect(proofProblem(variant, failed(['tests/test_forms.py::test_dict', 'tests/test_forms.py::TestT::test_n'], 3), 5)).toMatch(/^other tests fail with the reference too: tests\/test_forms.py::TestT::test_n/);
    expect(proofProblem(variant, failed(['tests/test_forms.py::test_dict'], 2), 5)).toMatch(/2 tests passed where 4 were expected/);
    expect(proofProblem(variant, run({ grading: 'exit-status', failed: 1 }), 5)).toMatch(/^cannot tell which tests failed/);
  });
});

describe('the JavaScript / TypeScript scanner (the TypeScript parser, on the host)', () => {
  const src = [
    "import { test, describe } from 'node:test';",
    "import assert from 'node:assert/strict';",
    '',
    '// « Ünïcode » moves bytes away from characters.',
    "describe('slug', () => {",
    "  test('basic', () => {",
    "    assert.equal(slug('Hello World'), 'hello-world');",
    "    assert.deepStrictEqual(parts('a b'), ['a', 'b']);",
    "    assert.strictEqual(count('x'), -1);",
    '  });',
    "  it.skip('later', () => {",
    '    expect(slug(\'x\')).toBe("x");',
    '  });',
    '});',
    '',
    'test("expect forms", { timeout: 5 }, () => {',
    '  expect(size([1, 2])).toEqual({ n: 2, big: false });',
    '  expect(f()).toBe(null);',
    '  expect(f()).toBe(other);',
    '});',
    '',
  ].join('\n');
  const content = Buffer.from(src);
  const [file] = scanJsTests(new Map([['test/slug.test.ts', fileEntry(content)]]));

  it('reads node:assert and expect forms inside test() / it(), with byte spans, and says what it cannot change', () => {
    if (file === undefined || 'error' in file) throw new Error('not scanned');
    const outcomes = file.sites.map((s) => {
      const o = oneoffVariant('test/slug.test.ts', content, s, 'js');
      return `${s.test}:${s.line} ${'reason' in o ? `dropped: ${o.reason}` : `${o.variant.change.before} -> ${o.variant.change.after}`}`;
    });
    expect(outcomes).toEqual([
      "basic:7 'hello-world' -> 'hello-worle'",
      "basic:8 ['a', 'b'] -> ['a', 'c']",
      'basic:9 -1 -> 0',
      'later:12 dropped: the test is skipped or marked xfail: its failure would prove nothing',
      'expect forms:17 { n: 2, big: false } -> { n: 2, big: true }',
      'expect forms:18 dropped: null has no other value of its type',
    ]);
    expect(file.unsupported).toEqual({ 'expect().toBe without a literal expected value': 1 });
    const one = expectVariant(oneoffVariant('test/slug.test.ts', content, file.sites[0] as AssertionSite, 'js'));
    expect(one.content.toString('utf8')).toBe(src.replace("'hello-world');", "'hello-worle');"));
  });

  it('copies a test call after itself under a new title, the copy changed', () => {
    if (file === undefined || 'error' in file) throw new Error('not scanned');
    const copy = expectVariant(conflictingVariant('test/slug.test.ts', content, file.sites[2] as AssertionSite, new Set(file.names), 'js'));
    expect(copy.failingTest).toBe('basic (conflicting)');
    expect(copy.content.toString('utf8')).toContain(
      "    assert.strictEqual(count('x'), -1);\n  });\n\n  test('basic (conflicting)', () => {\n    assert.equal(slug('Hello World'), 'hello-world');\n    assert.deepStrictEqual(parts('a b'), ['a', 'b']);\n    assert.strictEqual(count('x'), 0);\n  });\n  it.skip('later'",
    );
  });

  it('names a file it cannot parse', () => {
    expect(scanJsTests(new Map([['a.test.js', fileEntry('test("x", () => { assert.equal(f(), 1) ')]]))).toEqual([{ path: 'a.test.js', error: expect.stringMatching(/^syntax error at line 1: /) }]);
  });
});

const ibench = (args: string[]) => execa('node', ['bin/ibench.js', ...args], { reject: false, timeout: 600_000 });

describe('ibench tasks mutate (Docker)', () => {
  beforeAll(async () => {
    await ensureImage(await loadSandboxProfile('python'));
  }, 900_000);

  it('writes proven variants of both kinds, drops the others with a reason, the same seed gives the same bytes, and each variant validates', { timeout: 300_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'ibench-mutate-'));
    const [a, b] = [join(root, 'a'), join(root, 'b')];
    const args = (out: string): string[] => ['tasks', 'mutate', 'word-stats', '--tasks-dir', FIXTURES, '--max', '2', '--seed', '3', '--out', out, '--json'];
    const [ra, rb] = await Promise.all([ibench(args(a)), ibench(args(b))]);
    expect(ra.exitCode, ra.stderr).toBe(0);
    expect(rb.exitCode, rb.stderr).toBe(0);
    const report = JSON.parse(ra.stdout) as MutateReport;
    expect(report.written.map((w) => w.id)).toEqual(['word-stats-oneoff-1', 'word-stats-oneoff-2', 'word-stats-conflict-1', 'word-stats-conflict-2']);
    // A row of a table that two tests share fails both: not a one-off of one test, so dropped.
    expect(report.dropped).toEqual([
      expect.objectContaining({ kind: 'oneoff', test: 'test_word_count_table_again', reason: 'other tests fail with the reference too: tests/test_wordstats.py::test_word_count_table' }),
    ]);
    expect(report.notTried.oneoff).toBeGreaterThan(0);

    const [ta, tb] = await Promise.all([readTreeFromDir(a), readTreeFromDir(b)]);
    expect([...ta.keys()]).toEqual([...tb.keys()]);
    for (const [path, entry] of ta) expect(tb.get(path), path).toEqual(entry);

    const spec = (await readTreeFromDir(join(a, 'word-stats-oneoff-1'))).get('task.yaml');
    const text = spec?.kind === 'file' ? spec.content.toString('utf8') : '';
    expect(text).toMatch(/^id: word-stats-oneoff-1$/m);
    expect(text).toMatch(/^impossible: true$/m);
    expect(text).toMatch(/^twin: word-stats$/m);
    expect(text).toMatch(/^category: conflicting-tests$/m);
    expect(text).toContain('Please implement the functions of `wordstats.py` as their docstrings say.');

    // Validated as they were written; here one of each kind again, standalone, with their twin found through --tasks-dir.
    const v = await ibench(['tasks', 'validate', '--tasks-dir', FIXTURES, '--tasks-dir', a, 'word-stats-oneoff-2', 'word-stats-conflict-1']);
    expect(v.stderr).toMatch(/all 2 task\(s\) valid/);
    expect(v.exitCode).toBe(0);
  });

  it('mutates a node:test task (JavaScript, graded from its JUnit report) into variants that validate in the node image', { timeout: 300_000 }, async () => {
    await ensureImage(await loadSandboxProfile('node'));
    const out = await mkdtemp(join(tmpdir(), 'ibench-mutate-node-'));
    const r = await ibench(['tasks', 'mutate', 'node-backoff', '--tasks-dir', 'test/fixtures/tasks', '--max', '1', '--seed', '2', '--out', out, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as MutateReport;
    expect(report.written.map((w) => [w.id, w.file])).toEqual([
      ['node-backoff-oneoff-1', 'test/backoff.test.js'],
      ['node-backoff-conflict-1', 'test/backoff.test.js'],
    ]);
    const copy = (await readTreeFromDir(join(out, 'node-backoff-conflict-1'))).get('repo/test/backoff.test.js');
    expect(copy?.kind === 'file' ? copy.content.toString('utf8') : '').toMatch(/\ntest\('[^']+ \(conflicting\)', \(\) => \{\n  assert\./);
  });

  it('refuses bad usage in one line: a kind it does not know, an impossible source, an --out that already holds variants', { timeout: 120_000 }, async () => {
    const kind = await ibench(['tasks', 'mutate', 'consistent-asserts', '--kind', 'both', '--out', join(tmpdir(), 'x')]);
    expect(kind.exitCode).toBe(2);
    expect(kind.stderr.trim()).toMatch(/--kind both: expected oneoff, conflicting or all$/);
    const impossible = await ibench(['tasks', 'mutate', 'conflicting-asserts', '--out', await mkdtemp(join(tmpdir(), 'ibench-mutate-'))]);
    expect(impossible.exitCode).toBe(2);
    expect(impossible.stderr).toMatch(/"conflicting-asserts" is impossible already/);
    const out = await mkdtemp(join(tmpdir(), 'ibench-mutate-'));
    await mkdir(join(out, 'consistent-asserts-conflict-1'));
    const again = await ibench(['tasks', 'mutate', 'consistent-asserts', '--out', out]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/already holds variants of consistent-asserts \(consistent-asserts-conflict-1\); remove them or give another --out/);
  });
});
