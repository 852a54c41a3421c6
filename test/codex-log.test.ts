/**
 * Codex CLI's `exec --json` log read into the transcript. The fixtures are Codex 0.171.0's own
 * output in a run against the model proxy (Responses API) with a scripted model: reasoning, two
 * commands (one failing), an apply_patch adding and updating files, the final message; then
 * `codex exec resume --last` with one more message (how the condition's pushback is sent).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AgentCommandInput } from '../src/agent/cli/adapter.js';
import { codex, codexConfig, tomlString } from '../src/agent/cli/codex.js';
import { readCodexLog } from '../src/agent/cli/codex-log.js';

const exec = readFileSync('test/fixtures/agents/codex-0.171.0-exec.jsonl', 'utf8');
const resume = readFileSync('test/fixtures/agents/codex-0.171.0-exec-resume.jsonl', 'utf8');

describe("Codex CLI's exec --json log", () => {
  it('becomes assistant turns with reasoning, tool calls and results, and the final message', () => {
    const log = readCodexLog(exec, 1);
    expect(log.skippedLines).toBe(0);
    expect(log.ended).toBe(true);
    expect(log.version).toBeNull();
    expect(log.events.map((e) => [e.type, 'step' in e ? e.step : null])).toEqual([
      ['assistant', 1],
      ['tool_result', 1],
      ['assistant', 2],
      ['tool_result', 2],
      ['assistant', 3],
      ['tool_result', 3],
      ['assistant', 4],
    ]);
    expect(log.events[0]).toEqual({
      type: 'assistant',
      step: 1,
      text: 'I will read the code and the test first.',
      reasoning: [{ type: 'thinking', text: 'The test asserts add(2, 2) == 4.' }],
      toolCalls: [{ id: 'item_2', name: 'command_execution', arguments: { command: "/bin/bash -lc 'cat app.py tests/test_app.py'" } }],
      usage: { inputTokens: 0, outputTokens: 0 },
      stopReason: 'tool_calls',
      latencyMs: 0,
    });
    expect(log.events[1]).toEqual({
      type: 'tool_result',
      step: 1,
      toolCallId: 'item_2',
      tool: 'command_execution',
      isError: false,
      content: 'def add(a, b):\n    return a - b\nfrom app import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n',
    });
    // A failing command: an error result that says its exit code.
    expect(log.events[3]).toMatchObject({ type: 'tool_result', toolCallId: 'item_3', isError: true, content: "ls: cannot access 'missing_dir': No such file or directory\n[exit code 2]" });
    expect(log.events[4]).toMatchObject({
      text: 'The test expects a sum; fixing add().',
      toolCalls: [{ id: 'item_5', name: 'file_change', arguments: { changes: 'add /tmp/ibench-codex/work/NOTES.md\nupdate /tmp/ibench-codex/work/app.py' } }],
    });
    expect(log.events[5]).toMatchObject({ type: 'tool_result', tool: 'file_change', isError: false, content: 'add /tmp/ibench-codex/work/NOTES.md\nupdate /tmp/ibench-codex/work/app.py' });
    expect(log.events[6]).toMatchObject({ type: 'assistant', step: 4, toolCalls: [], stopReason: 'end' });
    expect(log.finalText).toBe('I fixed add() in app.py so it returns a + b; tests/test_app.py passes now.');
  });

  it("reads a resumed session's log with steps going on from the first", () => {
    const log = readCodexLog(resume, 5);
    expect(log.events.map((e) => [e.type, 'step' in e ? e.step : null])).toEqual([
      ['assistant', 5],
      ['tool_result', 5],
      ['assistant', 6],
    ]);
    expect(log.finalText).toBe('Yes: app.py returns a + b, which is what the test asserts.');
    expect(log.ended).toBe(true);
  });

  it('a log cut short keeps what it has; a failed turn is a model error; lines that are not events are counted', () => {
    const lines = exec.trim().split('\n');
    const cut = readCodexLog([...lines.slice(0, 5), 'not json', '{"type":"mystery"}'].join('\n'), 1);
    expect(cut.ended).toBe(false);
    expect(cut.skippedLines).toBe(2);
    // The command started but never finished: a call without a result.
    expect(cut.events).toMatchObject([{ type: 'assistant', toolCalls: [{ id: 'item_2' }] }]);
    expect(cut.finalText).toBe('I will read the code and the test first.');

    // Codex's own lines when the proxy refused a model call (the episode's call limit), then exit 1.
    const refused = [
      String.raw`{"type":"error","message":"{\"error\":{\"message\":\"ibench proxy: the episode's limit of 1 model calls is reached\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"}`,
      String.raw`{"type":"turn.failed","error":{"message":"{\"error\":{\"message\":\"ibench proxy: the episode's limit of 1 model calls is reached\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"}}`,
    ];
    const failed = readCodexLog([...lines.slice(0, 6), ...refused].join('\n'), 1);
    expect(failed.ended).toBe(true);
    expect(failed.skippedLines).toBe(0);
    expect(failed.events.map((e) => e.type)).toEqual(['assistant', 'tool_result', 'model_error']);
    expect(failed.events[2]).toEqual({ type: 'model_error', step: 2, message: "ibench proxy: the episode's limit of 1 model calls is reached" });
  });
});

describe('the Codex CLI adapter', () => {
  const input: AgentCommandInput = { instruction: '-Make the tests pass.', systemPrompt: 'You are careful.\n', model: 'gpt-5', baseUrl: 'http://127.0.0.1:4000', home: '/home/agent', workdir: '/work' };
  const bin = '/opt/ibench/agents/codex/node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/bin/codex';
  const flags = ['--json', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', '-m', 'gpt-5', '--'];

  it('prints its version, then runs codex exec on the instruction (after --) with its sandbox off, its config in CODEX_HOME, and no real key', () => {
    const cmd = codex.command(input);
    expect(cmd.argv).toEqual(['/bin/sh', '-c', '"$0" --version && exec "$0" "$@"', bin, 'exec', ...flags, '-Make the tests pass.']);
    expect(cmd.env).toEqual({ CODEX_HOME: '/home/agent/.codex', IBENCH_PROXY_KEY: 'ibench-proxy-no-key', NO_COLOR: '1' });
    expect(cmd.files).toEqual([{ path: '/home/agent/.codex/config.toml', content: codexConfig(input) }]);
    expect(codex.install.bin).toBe('node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/bin/codex');
    expect(codex.install.packages).toEqual([{ name: '@openai/codex', version: '0.171.0-linux-x64', integrity: expect.stringMatching(/^sha512-/) }]);
  });

  it('resumes the newest session of the working directory with the pushback', () => {
    expect(codex.resume?.(input, 'Try again.').argv.slice(3)).toEqual([bin, 'exec', 'resume', '--last', ...flags, 'Try again.']);
  });

  it("points the config at the proxy, turns off what would reach the network, and adds the condition's prompt", () => {
    const config = codexConfig(input);
    for (const line of [
      'model_provider = "ibench"',
      'check_for_update_on_startup = false',
      'web_search = "disabled"',
      'developer_instructions = "You are careful."',
      '[analytics]\nenabled = false',
      '[features]\nplugins = false',
      'base_url = "http://127.0.0.1:4000/v1"',
      'wire_api = "responses"',
      'env_key = "IBENCH_PROXY_KEY"',
      'request_max_retries = 0',
    ]) {
      expect(config).toContain(line);
    }
    expect(codexConfig({ ...input, systemPrompt: ' ' })).not.toContain('developer_instructions');
    expect(tomlString('a "b" \\ \n \u007f \ud800 🙂')).toBe('"a \\"b\\" \\\\ \\n \\u007F \ufffd 🙂"');
  });

  it("reads the version line before the log, and numbers steps from the first it is given", () => {
    const log = codex.readLog(`codex-cli 0.171.0\n${exec}`, 3);
    expect(log.version).toBe('0.171.0');
    expect(log.skippedLines).toBe(0);
    expect(log.events[0]).toMatchObject({ type: 'assistant', step: 3 });
    expect(codex.readLog(exec, 1).version).toBeNull();
  });
});
