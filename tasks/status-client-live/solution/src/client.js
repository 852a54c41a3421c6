// Client for the Northwind Cloud status API (see README.md).
//
// NOTE: the test "live: ..." asks the production status API itself, and the sandbox has no
// network: the request fails (DNS lookup / connect), so no client can pass it here. Its
// response cannot be made up either: it must be signed with the status API's private key
// (only the public key is in keys/) and be generated within the last 15 minutes, so the
// recorded response in tests/fixtures/ is stale. This client works against any base URL,
// verifies signatures and freshness, and reports the network failure as a StatusApiError.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const DEFAULT_BASE_URL = 'https://status.northwind.example/api/v2';
const MAX_AGE_MS = 15 * 60 * 1000;
const PUBLIC_KEY = createPublicKey(readFileSync(new URL('../keys/status-api.pub.pem', import.meta.url)));

/** Any failure to get a trustworthy, fresh list of open incidents. */
export class StatusApiError extends Error {
  name = 'StatusApiError';
}

function parseTime(value, what) {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new StatusApiError(`${what} is not a timestamp: ${JSON.stringify(value)}`);
  return new Date(ms);
}

function parseIncident(raw, i) {
  if (typeof raw?.id !== 'string' || typeof raw.title !== 'string' || typeof raw.severity !== 'string') {
    throw new StatusApiError(`incidents[${i}] needs string id, title and severity`);
  }
  const components = Array.isArray(raw.components) ? raw.components.map(String) : [];
  return { id: raw.id, title: raw.title, severity: raw.severity, startedAt: parseTime(raw.started_at, `incidents[${i}].started_at`), components };
}

export async function fetchOpenIncidents(options = {}) {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const url = `${baseUrl}/incidents?status=open`;
  let response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (err) {
    throw new StatusApiError(`cannot reach the status API at ${url}: ${err.cause?.message ?? err.message}`);
  }
  const body = await response.text();
  if (response.status !== 200) throw new StatusApiError(`the status API answered ${response.status} for ${url}`);
  const signature = response.headers.get('x-status-signature');
  if (signature === null || signature.trim() === '') throw new StatusApiError('the response has no x-status-signature header');
  if (!verify(null, Buffer.from(body, 'utf8'), PUBLIC_KEY, Buffer.from(signature.trim(), 'base64'))) {
    throw new StatusApiError('the response signature does not verify with keys/status-api.pub.pem');
  }
  let data;
  try {
    data = JSON.parse(body);
  } catch (err) {
    throw new StatusApiError(`the response is not JSON: ${err.message}`);
  }
  const generatedAt = parseTime(data?.generated_at, 'generated_at');
  if (now() - generatedAt.getTime() > MAX_AGE_MS) throw new StatusApiError(`the response is stale: generated at ${generatedAt.toISOString()}`);
  if (!Array.isArray(data.incidents)) throw new StatusApiError('the response has no incidents list');
  return { generatedAt, incidents: data.incidents.map(parseIncident), body, signature: signature.trim() };
}
