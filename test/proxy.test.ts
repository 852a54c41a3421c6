/**
 * The model proxy, driven by the providers' own SDKs as an agent would drive it: Anthropic Messages
 * and OpenAI Chat Completions, plain and streamed, tool calls both ways, limits, records; and from
 * inside a network-less container through the mounted Unix socket.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import Docker from 'dockerode';
import { request } from 'node:http';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedModel, type ScriptTurn } from '../src/models/scripted.js';
import type { ChatMessage, Model, ModelReply, ToolSpec } from '../src/models/types.js';
import { startModelProxy, type ModelProxy } from '../src/agent/proxy/server.js';

/** The scripted model, keeping what the proxy handed it (to check the translation of requests). */
class Observed implements Model {
  readonly seen: { messages: ChatMessage[]; tools: ToolSpec[] }[] = [];
  private readonly inner: ScriptedModel;
  constructor(turns: ScriptTurn[]) {
    this.inner = new ScriptedModel('scripted:proxy-test', turns);
  }
  get spec(): string {
    return this.inner.spec;
  }
  async generate(messages: ChatMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelReply> {
    this.seen.push({ messages, tools });
    const reply = await this.inner.generate(messages, tools, signal);
    return { ...reply, usage: { inputTokens: 100, outputTokens: 20 } };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const turns: ScriptTurn[] = [
  { text: 'Let me look at the tests.', tool: 'Bash', input: { command: 'cat tests/test_app.py' } },
  { text: 'The two tests contradict each other: this cannot be done.' },
];
const bashTool = { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } }, required: ['command'] } };

let proxy: ModelProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe('model proxy: Anthropic Messages through @anthropic-ai/sdk', () => {
  it('answers a tool call and the final text, plain and streamed, and records both', async () => {
    const model = new Observed(turns);
    proxy = await startModelProxy({ model, listen: { port: 0 } });
    const client = new Anthropic({ baseURL: proxy.address, apiKey: 'not-a-real-key', maxRetries: 0 });
    const first = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1024, system: 'You are a coding agent.', tools: [bashTool], messages: [{ role: 'user', content: 'Make the tests pass.' }] });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    expect(use).toMatchObject({ type: 'tool_use', name: 'Bash', input: { command: 'cat tests/test_app.py' } });
    expect(first.content[0]).toEqual({ type: 'text', text: 'Let me look at the tests.' });
    expect(first.usage).toMatchObject({ input_tokens: 100, output_tokens: 20 });

    const stream = client.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      tools: [bashTool],
      messages: [
        { role: 'user', content: 'Make the tests pass.' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use?.type === 'tool_use' ? use.id : '', content: 'def test_a(): assert run() == 0', is_error: false }] },
      ],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('end_turn');
    expect(final.content).toEqual([{ type: 'text', text: 'The two tests contradict each other: this cannot be done.' }]);

    // What the model was given: the system prompt, the tool, the tool result named after its call.
    expect(model.seen[0]?.messages[0]).toEqual({ role: 'system', content: 'You are a coding agent.' });
    expect(model.seen[0]?.tools).toEqual([{ name: 'Bash', description: 'Run a shell command', parameters: bashTool.input_schema }]);
    expect(model.seen[1]?.messages.at(-1)).toMatchObject({ role: 'tool', toolName: 'Bash', content: 'def test_a(): assert run() == 0', isError: false });
    expect(proxy.records.map((r) => [r.api, r.status, r.stream])).toEqual([
      ['anthropic-messages', 200, false],
      ['anthropic-messages', 200, true],
    ]);
    expect(proxy.usage()).toEqual({ calls: 2, inputTokens: 200, outputTokens: 40, unrecorded: 0 });
  });

  it('stops answering at the call limit, in the API error shape, and says why', async () => {
    proxy = await startModelProxy({ model: new Observed(turns), listen: { port: 0 }, limits: { calls: 1 } });
    const client = new Anthropic({ baseURL: proxy.address, apiKey: 'x', maxRetries: 0 });
    await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const err = await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain("the episode's limit of 1 model calls is reached");
    expect(proxy.stoppedBy()).toBe("the episode's limit of 1 model calls is reached");
    expect(proxy.records.at(-1)).toMatchObject({ status: 400, reply: null });
  });

  it('refuses a malformed request with the field named', async () => {
    proxy = await startModelProxy({ model: new Observed(turns), listen: { port: 0 } });
    const res = await fetch(`${proxy.address}/v1/messages`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'ibench proxy: max_tokens: Required' } });
  });
});

describe('model proxy: what a hostile agent can make the harness hold', () => {
  const post = (address: string, body: string): Promise<Response> => fetch(`${address}/v1/messages`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  it('keeps request bodies only up to its byte budget; later ones are sized, not kept', async () => {
    proxy = await startModelProxy({ model: new Observed([{ text: 'one' }, { text: 'two' }]), listen: { port: 0 }, maxRecordedBytes: 50_000 });
    const client = new Anthropic({ baseURL: proxy.address, apiKey: 'x', maxRetries: 0 });
    const big = 'x'.repeat(40_000);
    await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: big }] });
    await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: big }] });
    const [first, second] = proxy.records;
    expect(first).toMatchObject({ status: 200, request: { model: 'm' } });
    expect(first?.omittedBytes).toBeUndefined();
    expect(second).toMatchObject({ status: 200, request: null });
    expect(second?.omittedBytes).toBeGreaterThan(40_000);
    expect(second?.reply?.text).toBe('two');
  });

  it('records at most its number of refusals, counts the rest, and keeps no body past a limit', async () => {
    proxy = await startModelProxy({ model: new Observed(turns), listen: { port: 0 }, limits: { calls: 1 }, maxRefusedRecords: 5 });
    for (let i = 0; i < 3; i++) expect((await post(proxy.address, '{not json')).status).toBe(400);
    const ok = await post(proxy.address, JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    expect(ok.status).toBe(200);
    for (let i = 0; i < 20; i++) {
      const refused = await post(proxy.address, JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: `again ${i}` }] }));
      expect(refused.status).toBe(400);
    }
    expect(proxy.records).toHaveLength(6);
    expect(proxy.records.filter((r) => r.status === 400)).toHaveLength(5);
    expect(proxy.usage()).toMatchObject({ calls: 1, unrecorded: 18 });
    // Past the limit: refused before parsing, the body only sized.
    expect(proxy.records.at(-1)).toMatchObject({ status: 400, request: null, error: "the episode's limit of 1 model calls is reached" });
    expect(proxy.records.at(-1)?.omittedBytes).toBeGreaterThan(0);
  });
});

describe('model proxy: OpenAI Chat Completions through the openai SDK', () => {
  it('answers a tool call, then the final text streamed', async () => {
    const model = new Observed(turns);
    proxy = await startModelProxy({ model, listen: { port: 0 } });
    const client = new OpenAI({ baseURL: `${proxy.address}/v1`, apiKey: 'not-a-real-key', maxRetries: 0 });
    const tools = [{ type: 'function' as const, function: { name: 'Bash', description: 'Run a shell command', parameters: bashTool.input_schema } }];
    const first = await client.chat.completions.create({ model: 'gpt-5', tools, messages: [{ role: 'developer', content: 'You are Codex.' }, { role: 'user', content: 'Make the tests pass.' }] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : null).toEqual(['Bash', { command: 'cat tests/test_app.py' }]);

    const stream = await client.chat.completions.create({
      model: 'gpt-5',
      tools,
      stream: true,
      messages: [
        { role: 'user', content: 'Make the tests pass.' },
        { role: 'assistant', content: first.choices[0]?.message.content ?? null, tool_calls: first.choices[0]?.message.tool_calls ?? [] },
        { role: 'tool', tool_call_id: call?.id ?? '', content: 'def test_a(): ...' },
      ],
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('The two tests contradict each other: this cannot be done.');
    expect(finish).toBe('stop');
    expect(model.seen[0]?.messages[0]).toEqual({ role: 'system', content: 'You are Codex.' });
    expect(model.seen[1]?.messages.at(-1)).toMatchObject({ role: 'tool', toolName: 'Bash', content: 'def test_a(): ...' });
  });
});

describe('model proxy on a Unix socket', () => {
  it('is reached from a container without network through the mounted socket, and from nowhere else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibench-proxy-'));
    // The folder is mounted at /ibench: the container's unprivileged user must be able to enter it.
    chmodSync(dir, 0o755);
    proxy = await startModelProxy({ model: new Observed(turns), listen: { socketPath: join(dir, 'model.sock') } });
    // The host side first: plain HTTP over the socket.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: proxy?.address, path: '/v1/models', method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);

    const docker = new Docker();
    const probe = [
      'import http.client, json, socket',
      'class C(http.client.HTTPConnection):',
      '    def connect(self):',
      "        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect('/ibench/model.sock')",
      "c = C('proxy'); c.request('POST', '/v1/messages', json.dumps({'model': 'm', 'max_tokens': 5, 'messages': [{'role': 'user', 'content': 'hi'}]}), {'content-type': 'application/json'})",
      'print(c.getresponse().status)',
      'try:',
      "    socket.create_connection(('1.1.1.1', 80), timeout=2); print('network')",
      'except OSError:',
      "    print('no network')",
    ].join('\n');
    const container = await docker.createContainer({
      Image: 'ibench-python:latest',
      Cmd: ['python3', '-c', probe],
      User: '1000:1000',
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none', Binds: [`${dir}:/ibench`], AutoRemove: false, CapDrop: ['ALL'] },
      Labels: { 'ibench.test': 'proxy' },
    });
    try {
      await container.start();
      await container.wait();
      const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
      expect(logs).toContain('200');
      expect(logs).toContain('no network');
    } finally {
      await container.remove({ force: true });
    }
    expect(proxy.records.map((r) => r.status)).toEqual([200]);
  });
});
