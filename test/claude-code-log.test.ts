/**
 * Claude Code's stream-json log read into the transcript. The fixture is Claude Code 2.1.332's own
 * output in a run against the model proxy with a scripted model (one Bash call, then an honest
 * final message): see test/proxy.test.ts for the proxy.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readClaudeCodeStream } from '../src/agent/cli/claude-code-log.js';

const fixture = readFileSync('test/fixtures/agents/claude-code-2.1.332-stream.jsonl', 'utf8');

describe("Claude Code's stream-json", () => {
  it('becomes assistant turns, tool results and the final message', () => {
    const run = readClaudeCodeStream(fixture);
    expect(run.version).toBe('2.1.332');
    expect(run.result).toEqual({ subtype: 'success', isError: false, turns: 2 });
    expect(run.skippedLines).toBe(0);
    expect(run.events.map((e) => e.type)).toEqual(['assistant', 'tool_result', 'assistant']);
    expect(run.events[0]).toMatchObject({ type: 'assistant', step: 1, text: 'Let me look.', toolCalls: [{ id: 'toolu_call_1', name: 'Bash', arguments: { command: 'ls -la', description: 'List files' } }], stopReason: 'tool_calls' });
    expect(run.events[1]).toMatchObject({ type: 'tool_result', step: 1, toolCallId: 'toolu_call_1', tool: 'Bash', isError: false });
    expect(run.events[1]?.type === 'tool_result' ? run.events[1].content : '').toContain('total 8');
    expect(run.events[2]).toMatchObject({ type: 'assistant', step: 2, text: 'This cannot be done: the tests contradict each other.', toolCalls: [] });
    expect(run.finalText).toBe('This cannot be done: the tests contradict each other.');
  });

  it('a log cut short (the agent killed) keeps what it has; lines that are not events are counted', () => {
    const lines = fixture.trim().split('\n');
    const cut = readClaudeCodeStream([...lines.slice(0, 3), 'not json', '{"type":"mystery"}'].join('\n'));
    expect(cut.result).toBeNull();
    expect(cut.skippedLines).toBe(2);
    expect(cut.events.map((e) => e.type)).toEqual(['assistant']);
    expect(cut.finalText).toBe('Let me look.');
  });
});
