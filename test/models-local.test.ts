import { existsSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashInputSchema, editInputSchema, submitInputSchema, toolSpecs } from '../src/agent/tools.js';
import { createModel } from '../src/models/factory.js';
import { completeTruncatedJson, replySchema, stringBudget } from '../src/models/local-grammar.js';
import {
  DEFAULT_LOCAL_MODEL_SIZE,
  LocalModel,
  defaultLocalModelPath,
  loadLocalModel,
  parseLocalReply,
  unloadLocalModels,
} from '../src/models/local.js';
import type { ChatMessage, ModelReply, ToolCall } from '../src/models/types.js';

const modelPath = defaultLocalModelPath();

const task: ChatMessage[] = [
  { role: 'system', content: 'You are a coding agent working in the repository /work. Use the tools to do the task, then call submit.' },
  { role: 'user', content: 'The tests in tests/test_main.py fail. Make them pass.' },
];

const schemas: Record<string, { safeParse: (v: unknown) => { success: boolean } }> = {
  bash: bashInputSchema,
  edit: editInputSchema,
  submit: submitInputSchema,
};

/** A reply is well formed: a final answer, or tool calls whose arguments the tools accept (or an argumentsError). */
function expectWellFormed(reply: ModelReply): void {
  expect(['tool_calls', 'end', 'max_tokens']).toContain(reply.stopReason);
  expect(reply.usage.inputTokens).toBeGreaterThan(0);
  expect(reply.usage.outputTokens).toBeGreaterThan(0);
  expect(reply.latencyMs).toBeGreaterThan(0);
  if (reply.toolCalls.length === 0) {
    expect(typeof reply.text).toBe('string');
    return;
  }
  expect(reply.stopReason).toBe('tool_calls');
  for (const call of reply.toolCalls) {
    expect(call.id).toMatch(/^local_[\w-]+$/);
    expect(Object.keys(schemas)).toContain(call.name);
    if (call.argumentsError !== undefined) {
      expect(call.arguments).toBeUndefined();
      continue;
    }
    const schema = schemas[call.name];
    expect(schema?.safeParse(call.arguments).success, `${call.name} ${JSON.stringify(call.arguments)}`).toBe(true);
  }
}

beforeAll(() => {
  if (!existsSync(modelPath)) {
    throw new Error(`the embedded model is missing at ${modelPath}: run \`bash scripts/fetch-model.sh\` (or \`npm run setup\`) first`);
  }
  expect(statSync(modelPath).size).toBe(DEFAULT_LOCAL_MODEL_SIZE);
});

afterAll(async () => {
  await unloadLocalModels();
});

describe('embedded model (SmolLM2-135M through node-llama-cpp)', () => {
  let model: LocalModel;

  beforeAll(async () => {
    model = (await createModel('local', { temperature: 0.7, seed: 11 })) as LocalModel;
  });
  afterAll(async () => {
    await model.close();
  });

  it('answers with a well-formed tool call or final answer and real token counts', async () => {
    expect(model.spec).toBe('local');
    expect(model.chatTemplate).toBe('ChatML');
    const reply = await model.generate(task, toolSpecs);
    expectWellFormed(reply);
    expect(reply.costUsd).toBe(0);
    // The input count is the real prompt: more than the words of the task alone.
    expect(reply.usage.inputTokens).toBeGreaterThan(model.countTokens(task[1]?.content ?? ''));
    expect(reply.usage.outputTokens).toBeLessThanOrEqual(256);
  });

  it('stays well formed over several samples and a multi-turn conversation', async () => {
    let history = [...task];
    const calls: ToolCall[] = [];
    for (let turn = 0; turn < 4; turn += 1) {
      const reply = await model.generate(history, toolSpecs);
      expectWellFormed(reply);
      calls.push(...reply.toolCalls);
      history = [...history, { role: 'assistant', content: reply.text, toolCalls: reply.toolCalls }];
      if (reply.toolCalls.length === 0) history.push({ role: 'user', content: 'Continue with the tools.' });
      for (const c of reply.toolCalls) {
        history.push({ role: 'tool', toolCallId: c.id, toolName: c.name, content: 'F.. 1 failed, 2 passed\nAssertionError: expected 0, got 1', isError: false });
      }
    }
    // With tools given and no final-answer branch, every reply is a tool call.
    expect(calls.length).toBe(4);
  });

  it('answers in words when it has no tools, or when a final answer is allowed', async () => {
    const reply = await model.generate(task, []);
    expectWellFormed(reply);
    expect(reply.toolCalls).toEqual([]);
    expect(reply.text.length).toBeGreaterThan(0);
    const free = await LocalModel.create(undefined, { allowFinalAnswer: true, seed: 2 });
    expectWellFormed(await free.generate(task, toolSpecs));
    await free.close();
  });

  it('is deterministic for a given seed', async () => {
    const a = await LocalModel.create(undefined, { temperature: 0.8, seed: 1234 });
    const b = await LocalModel.create(undefined, { temperature: 0.8, seed: 1234 });
    const ra = await a.generate(task, toolSpecs);
    const rb = await b.generate(task, toolSpecs);
    expect(rb.text).toBe(ra.text);
    expect(rb.toolCalls.map((c) => [c.name, c.arguments])).toEqual(ra.toolCalls.map((c) => [c.name, c.arguments]));
    await a.close();
    await b.close();
  });

  it('loads the GGUF once per process', async () => {
    expect(loadLocalModel(modelPath)).toBe(loadLocalModel(modelPath));
    const t0 = performance.now();
    const again = await LocalModel.create(undefined, {});
    expect(performance.now() - t0).toBeLessThan(2000); // a context, not a second load
    await again.close();
  });

  it('never overflows the context: shortens old tool outputs and drops old turns', async () => {
    const small = await LocalModel.create(undefined, { contextSize: 1024, maxTokens: 64, seed: 3 });
    const huge = 'x = 1\n'.repeat(4000); // ~24k characters, far more than 1024 tokens
    let history: ChatMessage[] = [...task];
    for (let i = 0; i < 6; i += 1) {
      const id = `call_${i}`;
      history = [
        ...history,
        { role: 'assistant', content: `step ${i}`, toolCalls: [{ id, name: 'bash', arguments: { command: `cat big${i}.py` } }] },
        { role: 'tool', toolCallId: id, toolName: 'bash', content: huge, isError: false },
      ];
    }
    const reply = await small.generate(history, toolSpecs);
    expectWellFormed(reply);
    expect(reply.usage.inputTokens + reply.usage.outputTokens).toBeLessThanOrEqual(1024);

    // Many short turns: dropping outputs is not enough, old turns go.
    let long: ChatMessage[] = [...task];
    for (let i = 0; i < 80; i += 1) {
      const id = `call_many_${i}`;
      long = [
        ...long,
        { role: 'assistant', content: `Checking file number ${i} now.`, toolCalls: [{ id, name: 'bash', arguments: { command: `wc -l src/file_${i}.py` } }] },
        { role: 'tool', toolCallId: id, toolName: 'bash', content: `${i * 7} src/file_${i}.py`, isError: false },
      ];
    }
    const r2 = await small.generate(long, toolSpecs);
    expectWellFormed(r2);
    expect(r2.usage.inputTokens + r2.usage.outputTokens).toBeLessThanOrEqual(1024);

    // A task text larger than the whole context: cut, still no overflow.
    const r3 = await small.generate([{ role: 'system', content: 'Agent.' }, { role: 'user', content: 'Fix it. '.repeat(3000) }], toolSpecs);
    expectWellFormed(r3);
    expect(r3.usage.inputTokens + r3.usage.outputTokens).toBeLessThanOrEqual(1024);
    await small.close();
  });

  it('turns a reply cut by a tiny token limit into an argumentsError or a final answer, not a crash', async () => {
    const tight = await LocalModel.create(undefined, { maxTokens: 12, seed: 5 });
    for (let i = 0; i < 2; i += 1) {
      const reply = await tight.generate(task, toolSpecs);
      expect(reply.usage.outputTokens).toBeLessThanOrEqual(12);
      for (const c of reply.toolCalls) expect(c.argumentsError).toMatch(/cut at the token limit \(12\)/);
      if (reply.toolCalls.length === 0) expect(reply.stopReason).toBe('max_tokens');
    }
    await tight.close();
  });
});

describe('reply grammar and parsing (no model needed)', () => {
  it('has one branch per tool input shape, and a final answer only when allowed or toolless', () => {
    const toolsOf = (schema: ReturnType<typeof replySchema>): string[] =>
      ('oneOf' in schema ? schema.oneOf : [schema]).map((b) =>
        'properties' in b && 'const' in (b.properties.tool ?? {}) ? (b.properties.tool as { const: string }).const : '',
      );
    // bash, edit x4 commands, submit
    expect(toolsOf(replySchema(toolSpecs, stringBudget(256)))).toEqual(['bash', 'edit', 'edit', 'edit', 'edit', 'submit']);
    expect(toolsOf(replySchema(toolSpecs, stringBudget(256), true))).toEqual(['bash', 'edit', 'edit', 'edit', 'edit', 'submit', 'none']);
    expect(toolsOf(replySchema([], stringBudget(256)))).toEqual(['none']);
  });

  it('completes cut-off JSON', () => {
    expect(completeTruncatedJson('{"thought": "look", "tool": "bash", "input": {"command": "ls -')).toEqual({
      thought: 'look',
      tool: 'bash',
      input: { command: 'ls -' },
    });
    expect(completeTruncatedJson('{"thought": "look", "to')).toEqual({ thought: 'look' });
    expect(completeTruncatedJson('{"thought": "a\\')).toEqual({ thought: 'a' });
    expect(completeTruncatedJson('{"thought": "x", "tool": "bash", "input": {"command": ')).toEqual({ thought: 'x', tool: 'bash', input: { command: null } });
  });

  it('parses replies into tool calls, final answers and argumentsErrors', () => {
    const ok = parseLocalReply('{"thought": "run", "tool": "bash", "input": {"command": "pytest"}}', toolSpecs, false, 256);
    expect(ok.toolCalls[0]).toMatchObject({ name: 'bash', arguments: { command: 'pytest' } });
    expect(ok.text).toBe('run');
    const fin = parseLocalReply('{"thought": "done", "tool": "none", "answer": "All good."}', toolSpecs, false, 256);
    expect(fin).toEqual({ text: 'All good.', toolCalls: [], truncated: false });
    const cut = parseLocalReply('{"thought": "run", "tool": "bash", "input": {"command": "pyt', toolSpecs, true, 64);
    expect(cut.truncated).toBe(true);
    expect(cut.toolCalls[0]?.argumentsError).toMatch(/cut at the token limit \(64\)/);
    expect(cut.toolCalls[0]?.rawArguments).toContain('"command": "pyt');
    const early = parseLocalReply('{"thought": "I will', toolSpecs, true, 64);
    expect(early).toEqual({ text: 'I will', toolCalls: [], truncated: true });
  });
});
