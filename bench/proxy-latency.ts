/**
 * The model proxy's added latency per model call: the same OpenAI SDK request sent straight to an
 * upstream, and through the proxy (whose model is `openai:` pointed at that upstream), interleaved,
 * in one run. The upstream is a local HTTP server answering at once, in Chat Completions' shape and
 * in the Responses API's (JSON, or the SSE events of `stream: true`, as Codex CLI asks), so what is
 * measured is the proxy's own cost (parse, translate, model client, reply). For the Responses API
 * the proxy's upstream call is still a chat completion (the harness's model client).
 *
 *   npm run build && npm run bench:proxy
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createModel } from '../src/models/factory.js';
import { startModelProxy } from '../src/agent/proxy/server.js';
import { replyToResponse, replyToResponseEvents, responsesRequestSchema } from '../src/agent/proxy/openai-responses.js';
import type { ModelReply } from '../src/models/types.js';
import { median, timed } from './measure.js';

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1750000000,
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"python3 -m pytest -q"}' } }] }, finish_reason: 'tool_calls', logprobs: null }],
  usage: { prompt_tokens: 812, completion_tokens: 21, total_tokens: 833 },
});

// The same reply in the Responses API's shapes, made once by the proxy's own writer.
const benchReply: ModelReply = {
  text: '',
  toolCalls: [{ id: 'call_1', name: 'exec_command', arguments: { cmd: 'python3 -m pytest -q' }, rawArguments: '{"cmd":"python3 -m pytest -q"}' }],
  usage: { inputTokens: 812, outputTokens: 21 },
  stopReason: 'tool_calls',
  latencyMs: 0,
};
const responsesRequest = responsesRequestSchema.parse({ model: 'gpt-5.5', input: 'x' });
const response = JSON.stringify(replyToResponse(benchReply, responsesRequest, { customTools: new Set() }, 'resp_bench'));
const responseEvents = replyToResponseEvents(benchReply, responsesRequest, { customTools: new Set() }, 'resp_bench');

const upstream = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.url === '/v1/responses') {
      const streamed = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean }).stream === true;
      res.writeHead(200, { 'content-type': streamed ? 'text/event-stream' : 'application/json', 'x-request-id': 'req_bench' });
      res.end(streamed ? responseEvents : response);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_bench' });
    res.end(completion);
  });
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;

const model = await createModel('openai:gpt-4o', { baseUrl: upstreamUrl, env: { OPENAI_API_KEY: 'sk-bench' }, maxRetries: 0 });
const proxy = await startModelProxy({ model, listen: { port: 0 } });
const direct = new OpenAI({ baseURL: upstreamUrl, apiKey: 'sk-bench', maxRetries: 0 });
const viaProxy = new OpenAI({ baseURL: `${proxy.address}/v1`, apiKey: 'no-key-in-the-sandbox', maxRetries: 0 });

const body = {
  model: 'gpt-4o',
  messages: [
    { role: 'system' as const, content: 'You are a coding agent. '.repeat(40) },
    { role: 'user' as const, content: 'Make the tests in tests/ pass. '.repeat(20) },
  ],
  tools: [{ type: 'function' as const, function: { name: 'bash', description: 'Run a command', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }],
};

// Codex's shape of the same request: instructions as a developer message, a function tool.
const responsesBody = {
  model: 'gpt-5.5',
  input: [
    { type: 'message' as const, role: 'developer' as const, content: [{ type: 'input_text' as const, text: 'You are a coding agent. '.repeat(40) }] },
    { type: 'message' as const, role: 'user' as const, content: [{ type: 'input_text' as const, text: 'Make the tests in tests/ pass. '.repeat(20) }] },
  ],
  tools: [{ type: 'function' as const, name: 'exec_command', description: 'Run a command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } }],
};
const drain = async (stream: AsyncIterable<unknown>): Promise<void> => {
  for await (const _event of stream);
};

const rounds = 300;
const paths = {
  'chat completions': { direct: () => direct.chat.completions.create(body), proxy: () => viaProxy.chat.completions.create(body) },
  'responses': { direct: () => direct.responses.create(responsesBody), proxy: () => viaProxy.responses.create(responsesBody) },
  'responses, streamed': {
    direct: async () => drain(await direct.responses.create({ ...responsesBody, stream: true })),
    proxy: async () => drain(await viaProxy.responses.create({ ...responsesBody, stream: true })),
  },
};
const samples = new Map<string, { direct: number[]; proxy: number[] }>();
for (const [name, call] of Object.entries(paths)) {
  for (let i = 0; i < 20; i++) {
    await call.direct();
    await call.proxy();
  }
  const directMs: number[] = [];
  const proxyMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    directMs.push(await timed(call.direct));
    proxyMs.push(await timed(call.proxy));
  }
  samples.set(name, { direct: directMs, proxy: proxyMs });
}
await proxy.close();
await model.close();
upstream.close();

for (const [name, { direct: directMs, proxy: proxyMs }] of samples) {
  const d = median(directMs);
  const p = median(proxyMs);
  console.log(`${name}:`);
  console.log(`  model call straight to the upstream: median ${d.toFixed(2)} ms (${rounds} calls)`);
  console.log(`  model call through the proxy:        median ${p.toFixed(2)} ms (${rounds} calls, interleaved)`);
  console.log(`  added by the proxy: ${(p - d).toFixed(2)} ms per call; ratio ${(p / d).toFixed(2)}x`);
}
