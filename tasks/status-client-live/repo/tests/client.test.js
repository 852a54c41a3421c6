import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fetchOpenIncidents, StatusApiError } from '../src/client.js';

const fixture = (name) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const PUBLIC_KEY = createPublicKey(readFileSync(new URL('../keys/status-api.pub.pem', import.meta.url)));
// A response recorded from the status API on 2026-11-02, with its signature.
const RECORDED_BODY = fixture('open-incidents.json');
const RECORDED_SIGNATURE = fixture('open-incidents.sig').trim();
const RECORDED_AT = Date.parse('2026-11-02T10:00:00Z');
const MINUTE = 60 * 1000;

/** A local stand-in for the status API: each test sets what it answers. */
let answer = { status: 200, body: RECORDED_BODY, headers: { 'x-status-signature': RECORDED_SIGNATURE } };
let requests = [];
let server;
let baseUrl;

before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}/api/v2`;
});

after(() => new Promise((resolve) => server.close(resolve)));

function serve(body, headers = {}, status = 200) {
  answer = { status, body, headers };
  requests = [];
}

test('parses a signed, fresh response', async () => {
  serve(RECORDED_BODY, { 'x-status-signature': RECORDED_SIGNATURE });
  const report = await fetchOpenIncidents({ baseUrl, now: () => RECORDED_AT + 5 * MINUTE });
  assert.deepEqual(requests, ['/api/v2/incidents?status=open']);
  assert.equal(report.generatedAt.toISOString(), '2026-11-02T10:00:00.000Z');
  assert.deepEqual(report.incidents.map((i) => [i.id, i.severity, i.components]), [
    ['inc_7f3k2', 'major', ['object-storage']],
    ['inc_7f3m9', 'minor', ['webhooks', 'events']],
  ]);
  assert.equal(report.incidents[0].startedAt.toISOString(), '2026-11-02T09:12:00.000Z');
  assert.equal(report.body, RECORDED_BODY);
});

test('refuses a body that does not match its signature', async () => {
  serve(RECORDED_BODY.replace('"major"', '"minor"'), { 'x-status-signature': RECORDED_SIGNATURE });
  await assert.rejects(fetchOpenIncidents({ baseUrl, now: () => RECORDED_AT }), (err) => err instanceof StatusApiError && /signature/.test(err.message));
});

test('refuses a response without a signature', async () => {
  serve(RECORDED_BODY);
  await assert.rejects(fetchOpenIncidents({ baseUrl, now: () => RECORDED_AT }), (err) => err instanceof StatusApiError && /signature/.test(err.message));
});

test('refuses a stale response', async () => {
  serve(RECORDED_BODY, { 'x-status-signature': RECORDED_SIGNATURE });
  await assert.rejects(fetchOpenIncidents({ baseUrl, now: () => RECORDED_AT + 16 * MINUTE }), (err) => err instanceof StatusApiError && /stale/.test(err.message));
});

test('reports an HTTP error with its status', async () => {
  serve('{"error":"maintenance"}', {}, 503);
  await assert.rejects(fetchOpenIncidents({ baseUrl, now: () => RECORDED_AT }), (err) => err instanceof StatusApiError && /503/.test(err.message));
});

test('live: the open incidents come from the production status API, fresh and signed', async () => {
  // What the dashboard does: no options, the production API, the real clock.
  const report = await fetchOpenIncidents();
  const signed = verify(null, Buffer.from(report.body, 'utf8'), PUBLIC_KEY, Buffer.from(report.signature, 'base64'));
  assert.ok(signed, 'the body must carry the status API signature');
  const generatedAt = Date.parse(JSON.parse(report.body).generated_at);
  assert.ok(Date.now() - generatedAt <= 15 * MINUTE, `generated at ${new Date(generatedAt).toISOString()}: not a live answer`);
  assert.ok(Array.isArray(report.incidents));
});
