import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toolSpecs } from '../src/agent/tools.js';
import { AnthropicModel, supportsNativeEditor } from '../src/models/anthropic.js';
import { createModel } from '../src/models/factory.js';
import { anthropicMessageSchema, parseProviderReply } from '../src/models/reply-schema.js';
import type { ChatMessage, ModelReply } from '../src/models/types.js';
import { modelSettingsFrom } from '../src/cli/options.js';
import { HarnessError, UsageError } from '../src/util/errors.js';
import { loadFixture, scenario, startReplayServer, type ReplayServer } from './fixtures/models/replay-server.js';

const fixture = loadFixture('anthropic-messages.json');
const emptyDir = mkdtempSync(join(tmpdir(), 'ibench-anthropic-test-'));
const KEY = 'sk-ant-test-0123456789';

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function modelFor(name: string, model = 'claude-sonnet-4-20250514', settings: Record<string, unknown> = {}): Promise<{ model: AnthropicModel; server: ReplayServer }> {
  const s = await startReplayServer(scenario(fixture, name));
  server = s;
  const m = new AnthropicModel(model, { baseUrl: s.url, env: { ANTHROPIC_API_KEY: KEY }, cwd: emptyDir, maxRetries: 2, ...settings });
  return { model: m, server: s };
}

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error: boolean };
interface WireRequest {
  model: string;
  max_tokens: number;
  system?: string;
  temperature?: number;
  messages: { role: 'user' | 'assistant'; content: Block[] }[];
  tools?: { name: string; type?: string; description?: string; input_schema?: unknown }[];
}
const body = (s: ReplayServer, i: number): WireRequest => s.requests[i]?.body as WireRequest;

const start: ChatMessage[] = [
  { role: 'system', content: 'You are a careful engineer working in /work.' },
  { role: 'user', content: 'Make the tests pass.' },
];

function withResults(history: ChatMessage[], reply: ModelReply, outputs: { content: string; isError?: boolean }[]): ChatMessage[] {
  const next: ChatMessage[] = [...history, { role: 'assistant', content: reply.text, toolCalls: reply.toolCalls }];
  reply.toolCalls.forEach((c, i) =>
    next.push({ role: 'tool', toolCallId: c.id, toolName: c.name, content: outputs[i]?.content ?? '', isError: outputs[i]?.isError ?? false }),
  );
  return next;
}

describe('anthropic provider against recorded exchanges', () => {
  it('runs a multi-turn episode: system field, tool_use / tool_result blocks, native editor seen as edit', async () => {
    const { model, server: s } = await modelFor('episode', 'claude-sonnet-4-20250514', { temperature: 0.3, maxTokens: 4000 });
    expect(model.nativeEditor).toBe(true);
    let history = start;

    const r1 = await model.generate(history, toolSpecs);
    expect(r1.stopReason).toBe('tool_calls');
    expect(r1.text).toBe("I'll run the tests first to see what fails.");
    expect(r1.toolCalls).toEqual([{ id: 'toolu_01A09q90qw90lq917835lq9', name: 'bash', arguments: { command: 'python -m pytest -q' } }]);
    expect(r1.usage).toEqual({ inputTokens: 1520, outputTokens: 64 });
    expect(r1.costUsd).toBeCloseTo((1520 * 3 + 64 * 15) / 1e6, 12);
    expect(r1.requestId).toBe('req_011CRk3aF1bQ2cD3eF4gH5iJ');

    history = withResults(history, r1, [{ content: 'F.. 1 failed, 2 passed', isError: false }]);
    const r2 = await model.generate(history, toolSpecs);
    // The native text editor reaches the agent as our `edit`.
    expect(r2.toolCalls.map((c) => [c.name, c.arguments])).toEqual([
      ['edit', { command: 'view', path: '/work/main.py' }],
      ['bash', { command: 'cat tests/test_main.py' }],
    ]);
    expect(r2.usage.inputTokens).toBe(1711 + 1024);

    history = withResults(history, r2, [{ content: '1\tdef main():' }, { content: 'cat: tests/test_main.py: Permission denied', isError: true }]);
    history.push({ role: 'user', content: 'Keep going.' });
    const r3 = await model.generate(history, toolSpecs);
    // insert_text of the Claude 4 editor becomes new_str of our edit.
    expect(r3.toolCalls[0]?.name).toBe('edit');
    expect(r3.toolCalls[0]?.arguments).toEqual({ command: 'insert', path: '/work/main.py', insert_line: 0, new_str: 'import sys\n' });

    history = withResults(history, r3, [{ content: 'inserted at line 0' }]);
    const r4 = await model.generate(history, toolSpecs);
    expect(r4.toolCalls[0]).toMatchObject({ name: 'submit', arguments: { outcome: 'impossible' } });

    // What the server received.
    expect(s.requests).toHaveLength(4);
    for (const req of s.requests) {
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/v1/messages');
      expect(req.headers['x-api-key']).toBe(KEY);
      expect(req.headers['anthropic-version']).toBe('2023-06-01');
    }
    const b1 = body(s, 0);
    expect(b1.model).toBe('claude-sonnet-4-20250514');
    expect(b1.system).toBe('You are a careful engineer working in /work.');
    expect(b1.max_tokens).toBe(4000);
    expect(b1.temperature).toBe(0.3);
    expect(b1.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Make the tests pass.' }] }]);
    expect(b1.tools).toEqual([
      { name: 'bash', description: toolSpecs[0]?.description, input_schema: toolSpecs[0]?.parameters },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
      { name: 'submit', description: toolSpecs[2]?.description, input_schema: toolSpecs[2]?.parameters },
    ]);

    const m2 = body(s, 1).messages;
    expect(m2).toHaveLength(3);
    expect(m2[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: "I'll run the tests first to see what fails." },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'bash', input: { command: 'python -m pytest -q' } },
      ],
    });
    expect(m2[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: 'F.. 1 failed, 2 passed', is_error: false }],
    });

    const m3 = body(s, 2).messages;
    expect(m3.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    // The editor call goes back under its native name.
    expect(m3[3]?.content).toEqual([
      { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'str_replace_based_edit_tool', input: { command: 'view', path: '/work/main.py' } },
      { type: 'tool_use', id: 'toolu_01Hb4nC7xR2pL9qW5eT8yU3k', name: 'bash', input: { command: 'cat tests/test_main.py' } },
    ]);
    // Two tool results and the user's words: one user message.
    expect(m3[4]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '1\tdef main():', is_error: false },
      { type: 'tool_result', tool_use_id: 'toolu_01Hb4nC7xR2pL9qW5eT8yU3k', content: 'cat: tests/test_main.py: Permission denied', is_error: true },
      { type: 'text', text: 'Keep going.' },
    ]);

    const m4 = body(s, 3).messages;
    // The insert goes back as the model sent it (insert_text), not as our mapping.
    expect(m4[5]?.content[1]).toEqual({
      type: 'tool_use',
      id: 'toolu_01Jm6Zp1Qw4Er7Ty0Ui3Op5A',
      name: 'str_replace_based_edit_tool',
      input: { command: 'insert', path: '/work/main.py', insert_line: 0, insert_text: 'import sys\n' },
    });
  });

  it('falls back to the plain edit function tool for a model off the allowlist', async () => {
    expect(supportsNativeEditor('claude-sonnet-4-20250514')).toBe(true);
    expect(supportsNativeEditor('claude-opus-4-1')).toBe(true);
    expect(supportsNativeEditor('claude-haiku-4-5-20251001')).toBe(true);
    expect(supportsNativeEditor('claude-3-5-haiku-20241022')).toBe(false);
    expect(supportsNativeEditor('claude-3-7-sonnet-latest')).toBe(false);
    const { model, server: s } = await modelFor('plain-edit-tool', 'claude-3-5-haiku-20241022');
    expect(model.nativeEditor).toBe(false);
    const reply = await model.generate(start, toolSpecs);
    expect(reply.toolCalls[0]).toMatchObject({ name: 'edit', arguments: { command: 'view', path: 'main.py' } });
    const tools = body(s, 0).tools ?? [];
    expect(tools[1]).toEqual({ name: 'edit', description: toolSpecs[1]?.description, input_schema: toolSpecs[1]?.parameters });
    expect(body(s, 0).max_tokens).toBe(8192);
    expect(reply.costUsd).toBeCloseTo((700 * 0.8 + 40 * 4) / 1e6, 12);
  });

  it('waits for retry-after on 429 and then succeeds', async () => {
    const { model, server: s } = await modelFor('rate-limit');
    const reply = await model.generate(start, toolSpecs);
    expect(reply.toolCalls[0]?.arguments).toEqual({ command: 'ls' });
    expect(s.requests).toHaveLength(2);
    const gap = (s.requests[1]?.receivedAt ?? 0) - (s.requests[0]?.receivedAt ?? 0);
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(s.requests[1]?.headers['x-stainless-retry-count']).toBe('1');
  });

  it('retries a 500 and a 529 (overloaded) and then succeeds', async () => {
    const a = await modelFor('server-error');
    expect((await a.model.generate(start, toolSpecs)).toolCalls[0]?.arguments).toEqual({ command: 'ls -la' });
    expect(a.server.requests).toHaveLength(2);
    await a.server.close();
    const b = await modelFor('overloaded');
    expect((await b.model.generate(start, toolSpecs)).toolCalls[0]?.arguments).toEqual({ command: 'pwd' });
    expect(b.server.requests).toHaveLength(2);
  });

  it('gives up after maxRetries with a one-line HarnessError', async () => {
    const { model } = await modelFor('overloaded', 'claude-sonnet-4-20250514', { maxRetries: 0 });
    const err = await model.generate(start, toolSpecs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as Error).message).toMatch(/^anthropic:claude-sonnet-4-20250514: .*HTTP 529/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('turns a tool input cut at max_tokens into argumentsError', async () => {
    const { model } = await modelFor('malformed-arguments');
    const reply = await model.generate(start, toolSpecs);
    expect(reply.stopReason).toBe('max_tokens');
    expect(reply.text).toBe('Let me write the file.');
    expect(reply.toolCalls[0]).toMatchObject({ id: 'toolu_01Tr4Yu7Io0Pa3Sd6Fg9Hj2K', name: 'bash', arguments: undefined, rawArguments: '{}' });
    expect(reply.toolCalls[0]?.argumentsError).toMatch(/lack required field\(s\): command/);
  });

  it('turns an INVALID_JSON tool input into argumentsError', async () => {
    const { model } = await modelFor('invalid-json');
    const reply = await model.generate(start, toolSpecs);
    expect(reply.toolCalls[0]?.arguments).toBeUndefined();
    expect(reply.toolCalls[0]?.argumentsError).toMatch(/not valid JSON/);
    expect(reply.toolCalls[0]?.rawArguments).toBe('{"command": "echo \\"unterminated');
  });

  it('reads a refusal', async () => {
    const { model } = await modelFor('refusal');
    const reply = await model.generate(start, toolSpecs);
    expect(reply.stopReason).toBe('refusal');
    expect(reply.refusal).toBe('This request could enable the development of malware.');
    expect(reply.toolCalls).toEqual([]);
  });

  it('reads end_turn without tool calls as the final answer', async () => {
    const { model } = await modelFor('final-answer');
    const reply = await model.generate(start, toolSpecs);
    expect(reply.stopReason).toBe('end');
    expect(reply.text).toBe('I made the change; all tests pass now.');
    expect(reply.toolCalls).toEqual([]);
  });

  it('is made by createModel from a spec and needs ANTHROPIC_API_KEY', async () => {
    await expect(createModel('anthropic:claude-sonnet-4-20250514', { env: {}, cwd: emptyDir })).rejects.toThrow(
      /^ANTHROPIC_API_KEY is not set \(needed by --model anthropic:claude-sonnet-4-20250514\)/,
    );
    const s = await startReplayServer(scenario(fixture, 'final-answer'));
    server = s;
    const model = await createModel('anthropic:claude-sonnet-4-20250514', { baseUrl: s.url, env: { ANTHROPIC_API_KEY: KEY }, cwd: emptyDir });
    expect(model.spec).toBe('anthropic:claude-sonnet-4-20250514');
    expect((await model.generate(start, toolSpecs)).stopReason).toBe('end');
  });
});

describe('anthropic replies checked at the edge', () => {
  const malformed: [string, string][] = [
    ['usage-not-an-object', 'anthropic:claude-sonnet-4-20250514: reply.usage: expected an object {input_tokens, output_tokens}, got "many"'],
    ['usage-not-a-number', 'anthropic:claude-sonnet-4-20250514: reply.usage.output_tokens: expected a finite number >= 0, got "many"'],
    ['negative-tokens', 'anthropic:claude-sonnet-4-20250514: reply.usage.input_tokens: expected a finite number >= 0, got -5'],
    [
      'unknown-block',
      'anthropic:claude-sonnet-4-20250514: reply.content.1.type: expected a known content block type (text, tool_use, thinking, redacted_thinking or a server tool block), got "hologram"',
    ],
    ['no-content', 'anthropic:claude-sonnet-4-20250514: reply.content: expected a list of content blocks, got nothing'],
  ];
  it.each(malformed)('%s is a one-line HarnessError naming the field', async (name, message) => {
    const { model } = await modelFor(name);
    const err = await model.generate(start, toolSpecs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as Error).message).toBe(message);
  });

  it('refuses a token count that is not finite', () => {
    const reply = { content: [], usage: { input_tokens: Number.POSITIVE_INFINITY, output_tokens: 1 } };
    expect(() => parseProviderReply('anthropic:x', anthropicMessageSchema, reply)).toThrow('anthropic:x: reply.usage.input_tokens: expected a finite number >= 0, got null');
  });
});

describe('anthropic extended thinking', () => {
  it('sends the budget without temperature, records thinking and redacted thinking, and passes them back unchanged', async () => {
    const { model, server: s } = await modelFor('thinking', 'claude-sonnet-4-20250514', { thinkingBudget: 2048, temperature: 0.3 });
    const r1 = await model.generate(start, toolSpecs);
    const recorded = fixture.scenarios.thinking?.[0]?.body as { content: Record<string, string>[] };
    expect(r1.reasoning).toEqual([
      { type: 'thinking', text: recorded.content[0]?.thinking, signature: recorded.content[0]?.signature },
      { type: 'redacted_thinking', data: recorded.content[1]?.data },
    ]);
    expect(r1.text).toBe("I'll read the tests first.");
    expect(r1.toolCalls.map((c) => c.name)).toEqual(['bash']);

    const b1 = s.requests[0]?.body as WireRequest & { thinking?: unknown };
    expect(b1.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(b1.temperature).toBeUndefined();
    expect(b1.max_tokens).toBe(2048 + 8192);

    const history: ChatMessage[] = [
      ...start,
      { role: 'assistant', content: r1.text, toolCalls: r1.toolCalls, ...(r1.reasoning === undefined ? {} : { reasoning: r1.reasoning }) },
      { role: 'tool', toolCallId: r1.toolCalls[0]?.id ?? '', toolName: 'bash', content: 'def test_exit_zero(): ...', isError: false },
    ];
    const r2 = await model.generate(history, toolSpecs);
    expect(r2.reasoning?.map((r) => r.type)).toEqual(['thinking']);
    const assistantTurn = (s.requests[1]?.body as { messages: { role: string; content: unknown[] }[] }).messages[1];
    expect(assistantTurn?.role).toBe('assistant');
    // The blocks exactly as the API sent them, in their order, before the text and the tool call.
    expect(assistantTurn?.content).toEqual(recorded.content);
  });

  it('refuses a budget below 1024 or not below max tokens', () => {
    const opts = { baseUrl: 'http://127.0.0.1:9', env: { ANTHROPIC_API_KEY: KEY }, cwd: emptyDir };
    expect(() => new AnthropicModel('claude-sonnet-4-20250514', { ...opts, thinkingBudget: 500 })).toThrow(/thinking budget must be a whole number >= 1024, got 500/);
    expect(() => new AnthropicModel('claude-sonnet-4-20250514', { ...opts, thinkingBudget: 4096, maxTokens: 4096 })).toThrow(/max tokens \(4096\) must be larger than the thinking budget \(4096\)/);
    // On the command line, a usage error naming both flags.
    expect(() => modelSettingsFrom({ thinkingBudget: 2000, maxTokens: 1000 })).toThrow(UsageError);
    expect(() => modelSettingsFrom({ thinkingBudget: 2000, maxTokens: 1000 })).toThrow('--max-tokens (1000) must be larger than --thinking-budget (2000): the thinking budget is part of it');
    expect(modelSettingsFrom({ thinkingBudget: 2000 })).toEqual({ thinkingBudget: 2000 });
  });
});
