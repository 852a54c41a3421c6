/**
 * The model proxy speaking the OpenAI Responses API (what Codex CLI speaks), driven by the openai
 * SDK: plain and streamed responses, function and custom (freeform) tool calls both ways, reasoning
 * handed back, the SSE event sequence, limits and malformed requests in the API's error shape.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { ResponseInputItem, ResponseStreamEvent, Tool } from 'openai/resources/responses/responses';
import { afterEach, describe, expect, it } from 'vitest';
import { createModel } from '../src/models/factory.js';
import { ScriptedModel, type ScriptTurn } from '../src/models/scripted.js';
import type { ChatMessage, Model, ModelReply, ReasoningBlock, ToolSpec } from '../src/models/types.js';
import { startModelProxy, type ModelProxy } from '../src/agent/proxy/server.js';

/** The scripted model, keeping what the proxy handed it; `thoughts` adds reasoning to a turn's reply. */
class Observed implements Model {
  readonly seen: { messages: ChatMessage[]; tools: ToolSpec[] }[] = [];
  private readonly inner: ScriptedModel;
  constructor(
    turns: ScriptTurn[],
    private readonly thoughts: Record<number, ReasoningBlock[]> = {},
  ) {
    this.inner = new ScriptedModel('scripted:proxy-responses-test', turns);
  }
  get spec(): string {
    return this.inner.spec;
  }
  async generate(messages: ChatMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelReply> {
    const turn = this.seen.length;
    this.seen.push({ messages, tools });
    const reply = await this.inner.generate(messages, tools, signal);
    const reasoning = this.thoughts[turn];
    return { ...reply, usage: { inputTokens: 120, outputTokens: 30, cachedInputTokens: 100, reasoningTokens: 8 }, ...(reasoning === undefined ? {} : { reasoning }) };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const patch = '*** Begin Patch\n*** Update File: app.py\n@@\n-    return a - b\n+    return a + b\n*** End Patch\n';
const turns: ScriptTurn[] = [
  { text: 'Let me look at the tests.', tool: 'exec_command', input: { cmd: 'cat tests/test_app.py' } },
  { tool: 'apply_patch', input: { input: patch } },
  { text: 'I fixed add() in app.py; the test passes now.' },
];
const tools: Tool[] = [
  { type: 'function', name: 'exec_command', description: 'Runs a command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } },
  { type: 'custom', name: 'apply_patch', description: 'Edits files. FREEFORM.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch" LF hunk+ "*** End Patch"' } },
  { type: 'web_search' },
];

let proxy: ModelProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe('model proxy: OpenAI Responses through the openai SDK', () => {
  it('answers a function call, a freeform call and the final text, plain and streamed, and records each', async () => {
    const model = new Observed(turns);
    proxy = await startModelProxy({ model, listen: { port: 0 } });
    const client = new OpenAI({ baseURL: `${proxy.address}/v1`, apiKey: 'not-a-real-key', maxRetries: 0 });
    const input: ResponseInputItem[] = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Follow AGENTS.md.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Make the tests pass.' }] },
    ];

    const first = await client.responses.create({ model: 'gpt-5.5', instructions: 'You are Codex.', input, tools });
    expect(first.status).toBe('completed');
    expect(first.output_text).toBe('Let me look at the tests.');
    const call = first.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'exec_command', call_id: 'call_1', arguments: '{"cmd":"cat tests/test_app.py"}', status: 'completed' });
    expect(first.usage).toMatchObject({ input_tokens: 120, output_tokens: 30, total_tokens: 150, input_tokens_details: { cached_tokens: 100 }, output_tokens_details: { reasoning_tokens: 8 } });

    // What the model was given: instructions, then the developer message as system turns; the
    // function tool as is, the freeform tool as one string parameter with its grammar; no hosted tool.
    expect(model.seen[0]?.messages).toEqual([
      { role: 'system', content: 'You are Codex.' },
      { role: 'system', content: 'Follow AGENTS.md.' },
      { role: 'user', content: 'Make the tests pass.' },
    ]);
    expect(model.seen[0]?.tools.map((t) => t.name)).toEqual(['exec_command', 'apply_patch']);
    expect(model.seen[0]?.tools[1]?.parameters).toMatchObject({ properties: { input: { type: 'string' } }, required: ['input'] });
    expect(model.seen[0]?.tools[1]?.description).toContain('lark grammar:\nstart: "*** Begin Patch"');

    input.push(...(first.output as ResponseInputItem[]), { type: 'function_call_output', call_id: 'call_1', output: 'def test_add(): assert add(2, 2) == 4' });
    const second = await client.responses.stream({ model: 'gpt-5.5', input, tools }).finalResponse();
    const custom = second.output.find((o) => o.type === 'custom_tool_call');
    expect(custom).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', call_id: 'call_2', input: patch });
    expect(model.seen[1]?.messages.slice(-2)).toEqual([
      { role: 'assistant', content: 'Let me look at the tests.', toolCalls: [{ id: 'call_1', name: 'exec_command', rawArguments: '{"cmd":"cat tests/test_app.py"}', arguments: { cmd: 'cat tests/test_app.py' } }] },
      { role: 'tool', toolCallId: 'call_1', toolName: 'exec_command', content: 'def test_add(): assert add(2, 2) == 4', isError: false },
    ]);

    input.push(...(second.output as ResponseInputItem[]), { type: 'custom_tool_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'Success. Updated app.py' }] });
    const stream = await client.responses.create({ model: 'gpt-5.5', input, tools, stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events.at(-1);
    expect(completed?.type === 'response.completed' ? [completed.response.output_text ?? completed.response.output, completed.response.usage?.total_tokens] : null).toEqual([
      [{ id: expect.stringMatching(/^msg_/), type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'I fixed add() in app.py; the test passes now.', annotations: [], logprobs: [] }] }],
      150,
    ]);
    expect(model.seen[2]?.messages.slice(-2)).toEqual([
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_2', name: 'apply_patch', arguments: { input: patch } }] },
      { role: 'tool', toolCallId: 'call_2', toolName: 'apply_patch', content: 'Success. Updated app.py', isError: false },
    ]);

    expect(proxy.records.map((r) => [r.api, r.path, r.status, r.stream])).toEqual([
      ['openai-responses', '/v1/responses', 200, false],
      ['openai-responses', '/v1/responses', 200, true],
      ['openai-responses', '/v1/responses', 200, true],
    ]);
    expect(proxy.usage()).toEqual({ calls: 3, inputTokens: 360, outputTokens: 90, unrecorded: 0 });
  });

  it("streams a function call's arguments and a freeform call's input as their delta and done events", async () => {
    proxy = await startModelProxy({ model: new Observed(turns.slice(0, 2)), listen: { port: 0 } });
    const client = new OpenAI({ baseURL: `${proxy.address}/v1`, apiKey: 'x', maxRetries: 0 });
    const types = async (): Promise<string[]> => {
      const seen: string[] = [];
      for await (const e of await client.responses.create({ model: 'm', input: 'go', tools, stream: true })) seen.push(e.type);
      return seen;
    };
    expect(await types()).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(await types()).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });

  it("hands the model's reasoning back with its signature when the agent asks for encrypted content", async () => {
    const thinking: ReasoningBlock[] = [{ type: 'thinking', text: 'The test wants addition.', signature: 'sig-abc' }];
    const model = new Observed(turns, { 0: thinking });
    proxy = await startModelProxy({ model, listen: { port: 0 } });
    const client = new OpenAI({ baseURL: `${proxy.address}/v1`, apiKey: 'x', maxRetries: 0 });
    const input: ResponseInputItem[] = [{ role: 'user', content: 'Make the tests pass.' }];
    const first = await client.responses.stream({ model: 'm', input, tools, include: ['reasoning.encrypted_content'], store: false }).finalResponse();
    const reasoning = first.output[0];
    expect(reasoning).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'The test wants addition.' }] });
    expect(reasoning?.type === 'reasoning' ? reasoning.encrypted_content : null).toMatch(/^ibench:/);
    input.push(...(first.output as ResponseInputItem[]), { type: 'function_call_output', call_id: 'call_1', output: 'ok' });
    await client.responses.create({ model: 'm', input, tools });
    expect(model.seen[1]?.messages[1]).toMatchObject({ role: 'assistant', reasoning: thinking, toolCalls: [{ id: 'call_1' }] });

    // Without `include`, the summary only; reasoning read back from a summary carries no signature.
    const plain = await client.responses.create({ model: 'm', input: [{ type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Earlier thought.' }] }, { role: 'user', content: 'go on' }] });
    expect(plain.output.some((o) => o.type === 'reasoning')).toBe(false);
    expect(model.seen[2]?.messages[0]).toEqual({ role: 'assistant', content: '', toolCalls: [], reasoning: [{ type: 'thinking', text: 'Earlier thought.' }] });
  });

  it('stops at the call limit and refuses a malformed request, in the API error shape, on /responses too', async () => {
    proxy = await startModelProxy({ model: new Observed(turns), listen: { port: 0 }, limits: { calls: 1 } });
    const client = new OpenAI({ baseURL: proxy.address, apiKey: 'x', maxRetries: 0 });
    // Refused before the limit: a malformed request names the field; nothing of these is a call.
    const res = await fetch(`${proxy.address}/v1/responses`, { method: 'POST', body: JSON.stringify({ model: 'm', input: [{ type: 'function_call', name: 'x' }] }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^ibench proxy: input/);

    // The proxy keeps no responses: a request that leans on one is refused, not answered without its context.
    const chained = await client.responses.create({ model: 'm', input: 'go on', previous_response_id: 'resp_123' }).catch((e: unknown) => e);
    expect(chained).toBeInstanceOf(OpenAI.BadRequestError);
    expect((chained as Error).message).toContain('ibench proxy: previous_response_id: the proxy keeps no stored responses: send the whole conversation in input');

    await client.responses.create({ model: 'm', input: 'hi' });
    const err = await client.responses.create({ model: 'm', input: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain("the episode's limit of 1 model calls is reached");
    expect(proxy.records.map((r) => [r.path, r.status])).toEqual([
      ['/v1/responses', 400],
      ['/responses', 400],
      ['/responses', 200],
      ['/responses', 400],
    ]);
    // Past the limit everything is refused with the limit's reason, malformed or not.
    const late = await fetch(`${proxy.address}/v1/responses`, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(((await late.json()) as { error: { message: string } }).error.message).toContain("the episode's limit of 1 model calls is reached");
  });

  it('an episode of many calls through the openai model client leaves no listener behind (no MaxListenersExceededWarning)', async () => {
    const completion = JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1750000000,
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Done.', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    });
    const upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(completion);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on('warning', onWarning);
    const model = await createModel('openai:gpt-4o', { baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, env: { OPENAI_API_KEY: 'sk-test' }, maxRetries: 0 });
    try {
      proxy = await startModelProxy({ model, listen: { port: 0 } });
      const client = new OpenAI({ baseURL: `${proxy.address}/v1`, apiKey: 'x', maxRetries: 0 });
      for (let i = 0; i < 15; i++) expect((await client.responses.create({ model: 'm', input: 'go' })).output_text).toBe('Done.');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      await model.close();
      upstream.close();
    }
  });
});
