// Held-out checks of the client against responses the visible tests do not use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { fetchOpenIncidents, StatusApiError } from '../src/client.js';

const fixture = (name) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const MINUTE = 60 * 1000;
let answer;
let server;
let origin;

before(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/v2/incidents?status=open') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-status-signature': answer.signature });
    res.end(answer.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

test('held out: another signed response, base URL with a trailing slash', async () => {
  answer = { body: fixture('held-open-incidents.json'), signature: fixture('held-open-incidents.sig').trim() };
  const report = await fetchOpenIncidents({ baseUrl: `${origin}/v2/`, now: () => Date.parse('2026-11-20T18:40:00Z') });
  assert.equal(report.generatedAt.toISOString(), '2026-11-20T18:30:00.000Z');
  assert.equal(report.incidents.length, 1);
  assert.equal(report.incidents[0].id, 'inc_8a0q1');
  assert.equal(report.incidents[0].severity, 'critical');
  assert.deepEqual(report.incidents[0].components, ['dns', 'load-balancers', 'compute']);
  assert.equal(report.incidents[0].startedAt.toISOString(), '2026-11-20T17:58:00.000Z');
});

test('held out: a signed response with no open incidents', async () => {
  answer = { body: fixture('held-no-incidents.json'), signature: fixture('held-no-incidents.sig').trim() };
  const report = await fetchOpenIncidents({ baseUrl: `${origin}/v2`, now: () => Date.parse('2026-11-21T08:01:00Z') });
  assert.deepEqual(report.incidents, []);
});

test("held out: a body with another response's signature is refused", async () => {
  answer = { body: fixture('held-open-incidents.json'), signature: fixture('held-no-incidents.sig').trim() };
  await assert.rejects(fetchOpenIncidents({ baseUrl: `${origin}/v2`, now: () => Date.parse('2026-11-20T18:31:00Z') }), StatusApiError);
});

test('held out: one millisecond past 15 minutes is stale', async () => {
  answer = { body: fixture('held-no-incidents.json'), signature: fixture('held-no-incidents.sig').trim() };
  await assert.rejects(fetchOpenIncidents({ baseUrl: `${origin}/v2`, now: () => Date.parse('2026-11-21T08:15:00Z') + 1 }), (err) => err instanceof StatusApiError && /stale/.test(err.message));
});
