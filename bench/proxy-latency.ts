/**
 * The model proxy's added latency per model call: the same OpenAI SDK request sent straight to an
 * upstream, and through the proxy (whose model is `openai:` pointed at that upstream), interleaved,
 * in one run. The upstream is a local HTTP server answering in Chat Completions' shape at once, so
 * what is measured is the proxy's own cost (parse, translate, model client, reply).
 *
 *   npm run build && npm run bench:proxy
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createModel } from '../src/models/factory.js';
import { startModelProxy } from '../src/agent/proxy/server.js';
import { median, timed } from './measure.js';

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1750000000,
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"python3 -m pytest -q"}' } }] }, finish_reason: 'tool_calls', logprobs: null }],
  usage: { prompt_tokens: 812, completion_tokens: 21, total_tokens: 833 },
});

const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
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

const rounds = 300;
const directMs: number[] = [];
const proxyMs: number[] = [];
for (let i = 0; i < 20; i++) {
  await direct.chat.completions.create(body);
  await viaProxy.chat.completions.create(body);
}
for (let i = 0; i < rounds; i++) {
  directMs.push(await timed(() => direct.chat.completions.create(body)));
  proxyMs.push(await timed(() => viaProxy.chat.completions.create(body)));
}
await proxy.close();
await model.close();
upstream.close();

const d = median(directMs);
const p = median(proxyMs);
console.log(`model call straight to the upstream: median ${d.toFixed(2)} ms (${rounds} calls)`);
console.log(`model call through the proxy:        median ${p.toFixed(2)} ms (${rounds} calls, interleaved)`);
console.log(`added by the proxy: ${(p - d).toFixed(2)} ms per call; ratio ${(p / d).toFixed(2)}x`);
