/** JUnit XML parsing and the three ways a test run is graded (pure logic, no Docker). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gradeByExitStatus, gradeByJunit, gradeByPytest, gradingModeOf, MAX_TESTS_KEPT } from '../src/inspect/grading.js';
import { JunitParseError, parseJunit } from '../src/inspect/junit.js';

const pytestReport = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="4" time="0.03">
<testcase classname="tests.test_slug" name="test_a" time="0.001" />
<testcase classname="tests.test_slug" name="test_b" time="0.001"><failure message="assert 'a' == 'b'">tests/test_slug.py:5: AssertionError &amp; more</failure></testcase>
<testcase classname="tests.test_slug" name="test_c"><skipped type="pytest.skip" message="later" /></testcase>
<testcase classname="tests.test_slug" name="test_d"><error message="fixture failed"><![CDATA[ x < y ]]></error></testcase>
</testsuite></testsuites>`;

// The shape node --test --test-reporter=junit writes: nested testsuite elements, no classname.
const nodeReport = `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
\t<testsuite name="slug" time="0.002" disabled="0" errors="0" tests="2" failures="0" skipped="0" hostname="h">
\t\t<testcase name="lower-cases" time="0.001" classname="test"/>
\t\t<testsuite name="inner" tests="1"><testcase name="dashes" time="0.0"/></testsuite>
\t</testsuite>
\t<!-- tests 3 -->
</testsuites>
`;

const run = (exitCode: number, output = '') => ({ exitCode, output, timedOut: false, durationMs: 5 });

describe('parseJunit', () => {
  it('reads pytest --junitxml: names, statuses and counts', () => {
    const r = parseJunit(pytestReport);
    expect(r.cases).toEqual([
      { name: 'tests.test_slug.test_a', status: 'passed' },
      { name: 'tests.test_slug.test_b', status: 'failed' },
      { name: 'tests.test_slug.test_c', status: 'skipped' },
      { name: 'tests.test_slug.test_d', status: 'error' },
    ]);
    expect([r.passed, r.failed, r.skipped, r.errors]).toEqual([1, 1, 1, 1]);
  });

  it("reads node's junit reporter (nested suites, comments)", () => {
    const r = parseJunit(nodeReport);
    expect(r.cases.map((c) => c.name)).toEqual(['test.lower-cases', 'dashes']);
    expect(r.passed).toBe(2);
  });

  it('reads a real report of node --test --test-reporter=junit (failure text with escapes, a skipped test)', () => {
    const r = parseJunit(readFileSync('test/fixtures/junit/node-test-reporter.xml', 'utf8'));
    expect(r.cases).toEqual([
      { name: 'test.adds', status: 'passed' },
      { name: 'test.fails <&>', status: 'failed' },
      { name: 'test.inner', status: 'passed' },
      { name: 'test.skipped', status: 'skipped' },
    ]);
  });

  it('refuses what is not a whole, well-formed report', () => {
    expect(() => parseJunit(pytestReport.replace('</testsuite></testsuites>', ''))).toThrow(/truncated: <testsuite> is never closed/);
    expect(() => parseJunit('')).toThrow(JunitParseError);
    expect(() => parseJunit('<testsuite><testcase name="a"></testsuite>')).toThrow(/closing tag <\/testsuite> does not match <testcase>/);
    expect(() => parseJunit('<!DOCTYPE x [<!ENTITY a "b">]><testsuite/>')).toThrow(/DOCTYPE is not accepted/);
    expect(() => parseJunit('<testsuite name="a&bogus;"/>')).toThrow(/unknown entity &bogus;/);
    expect(() => parseJunit('<html><body/></html>')).toThrow(/root element is <html>/);
    expect(() => parseJunit('<testsuite/><testsuite/>')).toThrow(/content after the root element/);
    expect(() => parseJunit('<testsuite name="a" name="b"/>')).toThrow(/given twice/);
  });

  it('scans a large report in linear time without backtracking', () => {
    const many = `<testsuite>${'<testcase name="t"/>'.repeat(20_000)}</testsuite>`;
    expect(parseJunit(many).passed).toBe(20_000);
    // A pathological run of "<" inside text is an error found in one pass, not a hang.
    expect(() => parseJunit(`<testsuite>${'<'.repeat(50_000)}`)).toThrow(JunitParseError);
  });
});

describe('grading', () => {
  it('chooses junit when the task names a report, pytest when the command runs it, else the exit status', () => {
    expect(gradingModeOf('python3 -m pytest -q', '$IBENCH_JUNIT_PATH')).toBe('junit');
    expect(gradingModeOf('python3 -m pytest -q', undefined)).toBe('pytest');
    expect(gradingModeOf('bash tests/run.sh', undefined)).toBe('exit-status');
  });

  it('exit status: 0 passes, anything else or a timeout fails; the command is the one test', () => {
    expect(gradeByExitStatus(run(0), 'bash t.sh')).toMatchObject({ ok: true, passed: 1, failed: 0, grading: 'exit-status', tests: [{ name: 'bash t.sh', status: 'passed' }] });
    expect(gradeByExitStatus(run(3), 'bash t.sh')).toMatchObject({ ok: false, passed: 0, failed: 1 });
    expect(gradeByExitStatus({ ...run(0), timedOut: true }, 'bash t.sh').ok).toBe(false);
    // A command that could not run (126/127) counts no test, so a broken test_command is recognised (test-command.ts).
    expect(gradeByExitStatus(run(127), 'bash nope.sh')).toMatchObject({ ok: false, passed: 0, failed: 0, tests: [] });
  });

  it('pytest grading is the summary line, as before', () => {
    expect(gradeByPytest(run(0, '3 passed in 0.01s\n'))).toMatchObject({ ok: true, passed: 3, grading: 'pytest' });
  });

  it('junit: a report whose every test passed, with exit 0, passes and lists the tests', () => {
    const r = gradeByJunit(run(0), { text: nodeReport }, '/r.xml');
    expect(r).toMatchObject({ ok: true, passed: 2, failed: 0, grading: 'junit' });
    expect(r.tests).toEqual([{ name: 'test.lower-cases', status: 'passed' }, { name: 'dashes', status: 'passed' }]);
    expect(r.reportProblem).toBeUndefined();
  });

  it('junit: missing, broken, empty or disagreeing with the exit status is never a pass', () => {
    const missing = gradeByJunit(run(0), { problem: 'no JUnit report at /r.xml: the runner did not write one' }, '/r.xml');
    expect(missing).toMatchObject({ ok: false, passed: 0, failed: 0, errors: 0, reportProblem: expect.stringMatching(/no JUnit report/) });
    expect(missing.output).toMatch(/\[ibench: no JUnit report/);
    expect(gradeByJunit(run(0), { text: '<testsuites><testsuite>' }, '/r.xml')).toMatchObject({ ok: false, reportProblem: expect.stringMatching(/not valid: truncated/) });
    expect(gradeByJunit(run(0), { text: '<testsuites/>' }, '/r.xml')).toMatchObject({ ok: false, reportProblem: expect.stringMatching(/holds no test case/) });
    expect(gradeByJunit(run(1), { text: nodeReport }, '/r.xml')).toMatchObject({ ok: false, passed: 2, reportProblem: expect.stringMatching(/no test failed, yet the runner exited 1/) });
    expect(gradeByJunit(run(0), { text: pytestReport }, '/r.xml')).toMatchObject({ ok: false, reportProblem: expect.stringMatching(/2 failed or errored test\(s\), yet the runner exited 0/) });
    // Failures with a failing exit status agree: a plain fail, no problem named.
    expect(gradeByJunit(run(1), { text: pytestReport }, '/r.xml')).toMatchObject({ ok: false, failed: 1, errors: 1 });
    expect(gradeByJunit(run(1), { text: pytestReport }, '/r.xml').reportProblem).toBeUndefined();
  });

  it('keeps at most MAX_TESTS_KEPT per-test results while counting them all', () => {
    const many = `<testsuite>${'<testcase name="t"/>'.repeat(MAX_TESTS_KEPT + 50)}</testsuite>`;
    const r = gradeByJunit(run(0), { text: many }, '/r.xml');
    expect(r.passed).toBe(MAX_TESTS_KEPT + 50);
    expect(r.tests).toHaveLength(MAX_TESTS_KEPT);
  });
});
