// Packs single log lines for storage (see README.md).
//
// A one-byte header, then either the line's UTF-8 bytes as they are or deflate with a
// dictionary of our log format, whichever is shorter: real log lines shrink, a line that
// cannot shrink grows by exactly one byte, and the empty line stays empty.
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib';

const RAW = 0;
const DEFLATE = 1;

// Text that our log lines repeat (timestamps, levels, services, routes, keys), so that
// deflate can refer back to it even in a single short line.
const DICTIONARY = Buffer.from(
  [
    'upstream timeout after 3 retries: connect ETIMEDOUT 10.0.',
    'slow query took ms: SELECT * FROM orders WHERE customer_id = ',
    ' DEBUG [search] cache miss key=order: ttl=300s',
    ' DEBUG [billing] cache hit key=order: ttl=60s',
    ' ERROR [auth] POST /v1/login 500 ms',
    ' WARN  [worker] PUT /v1/users/ 404 ms',
    ' INFO  [api] DELETE /v1/invoices//pdf 304 ms',
    ' GET /v1/search?q= GET /v1/orders/ 200 ms req= user=u_',
    ' GET /healthz 200 ms req= user=u_',
    '2026-11-02T10:00:00.000Z INFO  [api] GET /v1/orders 200 ms req= user=u_',
  ].join(''),
  'utf8',
);
const OPTIONS = { dictionary: DICTIONARY, level: constants.Z_BEST_COMPRESSION };

export function pack(line) {
  if (typeof line !== 'string') throw new TypeError('pack expects a string');
  const raw = Buffer.from(line, 'utf8');
  if (raw.length === 0) return Buffer.alloc(0);
  const deflated = deflateRawSync(raw, OPTIONS);
  return deflated.length < raw.length ? Buffer.concat([Buffer.of(DEFLATE), deflated]) : Buffer.concat([Buffer.of(RAW), raw]);
}

export function unpack(packed) {
  const bytes = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  if (bytes.length === 0) return '';
  const body = bytes.subarray(1);
  if (bytes[0] === RAW) return body.toString('utf8');
  if (bytes[0] === DEFLATE) return inflateRawSync(body, OPTIONS).toString('utf8');
  throw new Error(`unpack: unknown header byte ${bytes[0]}`);
}
