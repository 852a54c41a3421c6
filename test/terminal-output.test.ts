/**
 * What a model or the agent's tree wrote never reaches a terminal raw: escape sequences and control
 * characters are shown as visible text by `ibench show`, `report`, the run summary and the logger.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../src/cli/commands/run.js';
import { terminalSafeJson, visible, visibleLine } from '../src/util/terminal.js';
import { syntheticRecord, syntheticTranscript, writeSyntheticEpisode } from './fixtures/viewer/synthetic.js';

const CLEAR = '\x1b[2J\x1b[H';
const TITLE = '\x1b]0;pwned\x07';
const CLIPBOARD = '\x1b]52;c;ZWNobyBoaQ==\x07';
const hostile = `${CLEAR}${TITLE}${CLIPBOARD}\r\u009b31m\u202eevil`;

/** Control characters other than newline and tab. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const cli = (args: string[], env: Record<string, string> = {}) =>
  execa('node', ['bin/ibench.js', ...args], { reject: false, env: { NO_COLOR: '1', ...env }, timeout: 60_000 });

describe('visible', () => {
  it('shows escape sequences and controls as text, keeps newlines and tabs', () => {
    expect(visible(`${CLEAR}a\tb\nc`)).toBe('\\x1b[2J\\x1b[Ha\tb\nc');
    expect(visible(TITLE)).toBe('\\x1b]0;pwned\\x07');
    expect(visible('a\rb\u0000c\u007fd\u009be')).toBe('a\\rb\\x00c\\x7fd\\x9be');
    expect(visible('abc\u202edef\u2066')).toBe('abc\\u{202e}def\\u{2066}');
    expect(visible('héllo — ✓ 日本')).toBe('héllo — ✓ 日本');
    expect(visibleLine('a\nb\tc\x1b')).toBe('a\\nb\\tc\\x1b');
  });

  it('terminalSafeJson parses back to the same value and has no raw control character', () => {
    const value = { text: hostile, list: [`a\u2028b`, '\u0085'] };
    const json = terminalSafeJson(value, 2);
    expect(JSON.parse(json)).toEqual(value);
    expect(CONTROL.test(json.replace(/\n/g, ''))).toBe(false);
    expect(json).toContain('\\u009b31m\\u202eevil');
  });

  it('leaves no control character in any text', () => {
    let all = '';
    for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
    expect(CONTROL.test(visible(all).replace(/[\n\t]/g, ''))).toBe(false);
  });

  it('the run summary shows file names, ids and errors from the record visibly', () => {
    const record = syntheticRecord('ep', {
      error: `copy failed: ${hostile}`,
      evidence: {
        ...syntheticRecord('ep').evidence!,
        protectedChanges: [{ path: `tests/${TITLE}x.py`, kind: 'modified', reason: 'r' }],
        rules: [{ rule: 'reads-test-file', path: `a\n${CLEAR}.py`, line: 1, excerpt: '', description: '' }],
      },
    });
    const text = summarize(record, `/tmp/runs/${CLIPBOARD}`);
    expect(CONTROL.test(text.replace(/\x1b\[[0-9;]*m/g, ''))).toBe(false);
    expect(text).toContain('tests/\\x1b]0;pwned\\x07x.py');
    expect(text).toContain('a\\n\\x1b[2J\\x1b[H.py');
  });
});

describe('ibench show and report on a hostile episode', () => {
  let root = '';
  let episodeDir = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ibench-term-'));
    const transcript = syntheticTranscript(1);
    transcript.splice(2, 0, { type: 'assistant', step: 1, text: `thinking ${hostile}`, toolCalls: [{ id: 'c', name: 'submit', arguments: { outcome: 'completed', message: `done ${CLIPBOARD}` } }], usage: { inputTokens: 1, outputTokens: 1 }, stopReason: 'tool_calls', latencyMs: 1, seq: 99, t: 1 });
    transcript.splice(3, 0, { type: 'tool_result', step: 1, toolCallId: 'c', tool: 'bash', isError: false, content: `out ${TITLE}${CLEAR}`, seq: 100, t: 2 });
    const record = syntheticRecord('hostile', {
      task: `exit-both-codes${TITLE}`,
      model: `scripted:${CLEAR}.yaml`,
      submit: { outcome: 'completed', message: `All pass ${CLIPBOARD}` },
      evidence: { ...syntheticRecord('hostile').evidence!, protectedChanges: [{ path: `tests/${hostile}.py`, kind: 'modified', reason: 'matches tests/**' }] },
    });
    episodeDir = await writeSyntheticEpisode(join(root, 'run-x'), 'hostile', {
      record,
      transcript,
      diff: `diff --git a/${TITLE}.py b/${TITLE}.py\n--- a/${TITLE}.py\n+++ b/${TITLE}.py\n@@ -1 +1 @@\n-a\n+${CLEAR}${CLIPBOARD}\n`,
    });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('show prints the transcript, summary and diff with every escape made visible', async () => {
    const r = await cli(['show', episodeDir]);
    expect(r.exitCode).toBe(0);
    expect(CONTROL.test(r.stdout)).toBe(false);
    expect(r.stdout).toContain('thinking \\x1b[2J\\x1b[H\\x1b]0;pwned\\x07\\x1b]52;c;ZWNobyBoaQ==\\x07\\r\\x9b31m\\u{202e}evil');
    expect(r.stdout).toContain('out \\x1b]0;pwned\\x07');
    expect(r.stdout).toContain('done \\u001b]52;'); // inside the JSON arguments: JSON's own escape of ESC
    expect(r.stdout).toContain('+\\x1b[2J\\x1b[H\\x1b]52;');
    expect(r.stdout).toContain('exit-both-codes\\x1b]0;pwned\\x07');
  });

  it('with colours on, the only escapes are the colours ibench adds', async () => {
    const r = await cli(['show', episodeDir], { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('\x1b[');
    expect(CONTROL.test(r.stdout.replace(/\x1b\[[0-9;]*m/g, ''))).toBe(false);
  });

  it('report and the logger show the run visibly', async () => {
    const report = await cli(['report', join(root, 'run-x')]);
    expect(report.exitCode).toBe(0);
    expect(CONTROL.test(report.stdout)).toBe(false);
    expect(CONTROL.test(report.stderr)).toBe(false);
    const missing = await cli(['show', join(root, `no${TITLE}`)]);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('no\\x1b]0;pwned\\x07');
    expect(CONTROL.test(missing.stderr)).toBe(false);
  });
});
