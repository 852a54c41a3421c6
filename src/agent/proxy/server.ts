/**
 * The model proxy: the one route out of a CLI agent's sandbox. It listens on a Unix socket (mounted
 * into the agent's container) or a loopback port, speaks the provider API the agent expects
 * (Anthropic Messages, OpenAI Chat Completions and Responses), and answers each request with the harness's own
 * model for the episode — so the user's key stays in the harness, every call is recorded, and the
 * episode's call, token and time limits hold whatever the agent does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Model, ModelReply } from '../../models/types.js';
import { errorMessage } from '../../util/errors.js';
import { Semaphore } from '../../util/semaphore.js';
import { messagesError, messagesRequestSchema, messagesToChat, newMessageId, replyToMessage, replyToMessageEvents } from './anthropic-messages.js';
import { chatError, chatRequestSchema, chatToHarness, newCompletionId, replyToCompletion, replyToCompletionChunks } from './openai-chat.js';
import { newResponseId, replyToResponse, replyToResponseEvents, responsesRequestSchema, responsesToHarness } from './openai-responses.js';

export type ProxyApi = 'anthropic-messages' | 'openai-chat' | 'openai-responses';

export interface ProxyLimits {
  /** Model calls the agent may make. */
  calls?: number;
  /** Input + output tokens over all calls. */
  tokens?: number;
  /** Epoch milliseconds after which no call is answered. */
  deadline?: number;
}

/** One request the agent made, as the transcript keeps it. */
export interface ProxyRecord {
  at: string;
  api: ProxyApi;
  path: string;
  status: number;
  stream: boolean;
  /**
   * The agent's request body as it sent it (parsed JSON); null when it was not JSON, or when it was
   * not kept (a call refused at a limit, or past the episode's budget of recorded bytes: `omittedBytes`).
   */
  request: unknown;
  /** Set when the request was not kept: its size in bytes. */
  omittedBytes?: number;
  reply: ModelReply | null;
  error: string | null;
  latencyMs: number;
}

export interface ModelProxyOptions {
  model: Model;
  /** A Unix socket path (mounted into the container), or a loopback port (0: any free one). */
  listen: { socketPath: string } | { port: number };
  limits?: ProxyLimits;
  onRecord?: (record: ProxyRecord) => void;
  /** Largest request body accepted (default 32 MiB). */
  maxBodyBytes?: number;
  /** Bytes of request bodies kept in the records over the proxy's life (default 64 MiB); later ones are sized, not kept. */
  maxRecordedBytes?: number;
  /** Records of requests refused with a 4xx (bad, or past a limit) kept at most (default 200); later ones are only counted. */
  maxRefusedRecords?: number;
  /** Connections served at once (default 8): what bodies the proxy holds in memory is bounded by this. */
  maxConnections?: number;
}

export interface ModelProxy {
  /** http://127.0.0.1:PORT for a port; for a socket, the path (clients connect through it). */
  readonly address: string;
  readonly records: readonly ProxyRecord[];
  /** Calls answered and tokens used so far, and refused requests counted but not recorded. */
  usage(): { calls: number; inputTokens: number; outputTokens: number; unrecorded: number };
  /** Why the proxy stopped answering (a limit), or null. */
  stoppedBy(): string | null;
  close(): Promise<void>;
}

class LimitReached extends Error {}

class BadRequest extends Error {}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;
const DEFAULT_MAX_RECORDED = 64 * 1024 * 1024;
const DEFAULT_MAX_REFUSED_RECORDS = 200;
const DEFAULT_MAX_CONNECTIONS = 8;

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new BadRequest(`the request body is larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendEvents(res: ServerResponse, events: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(events) });
  res.end(events);
}

function zodProblem(err: z.ZodError): string {
  const issue = err.issues[0];
  return issue === undefined ? 'invalid request' : `${issue.path.join('.') || 'body'}: ${issue.message}`;
}

export async function startModelProxy(options: ModelProxyOptions): Promise<ModelProxy> {
  const { model } = options;
  const limits = options.limits ?? {};
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const records: ProxyRecord[] = [];
  const oneAtATime = new Semaphore(1);
  const used = { calls: 0, inputTokens: 0, outputTokens: 0, unrecorded: 0 };
  // What an agent can make the harness hold or write is bounded: request bytes kept, refusals recorded.
  let recordBudget = options.maxRecordedBytes ?? DEFAULT_MAX_RECORDED;
  let refusedRecords = options.maxRefusedRecords ?? DEFAULT_MAX_REFUSED_RECORDS;
  let stopped: string | null = null;
  const inFlight = new AbortController();

  const checkLimits = (): void => {
    if (stopped !== null) throw new LimitReached(stopped);
    if (limits.calls !== undefined && used.calls >= limits.calls) stopped = `the episode's limit of ${limits.calls} model calls is reached`;
    else if (limits.tokens !== undefined && used.inputTokens + used.outputTokens >= limits.tokens) stopped = `the episode's limit of ${limits.tokens} tokens is reached`;
    else if (limits.deadline !== undefined && Date.now() >= limits.deadline) stopped = "the episode's time limit is reached";
    if (stopped !== null) throw new LimitReached(stopped);
  };

  const record = (r: ProxyRecord): void => {
    // An upstream failure is a counted call (bounded by the call limit): it is always recorded.
    if (r.status < 500 && r.status !== 200) {
      if (refusedRecords <= 0) {
        used.unrecorded += 1;
        return;
      }
      refusedRecords -= 1;
    }
    records.push(r);
    options.onRecord?.(r);
  };

  /** The request as recorded: whole while the budget lasts, else only its size. */
  const kept = (request: unknown, rawBytes: number): Pick<ProxyRecord, 'request' | 'omittedBytes'> => {
    if (request !== null && rawBytes <= recordBudget) {
      recordBudget -= rawBytes;
      return { request };
    }
    return { request: null, omittedBytes: rawBytes };
  };

  const answer = async (api: ProxyApi, path: string, raw: string, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    let request: unknown = null;
    let stream = false;
    const rawBytes = Buffer.byteLength(raw);
    const fail = (status: number, type: string, message: string): void => {
      send(res, status, api === 'anthropic-messages' ? messagesError(type, `ibench proxy: ${message}`) : chatError(type, `ibench proxy: ${message}`));
      // A refused request is kept only while nothing stopped the proxy: past a limit only its size.
      const body = stopped === null ? kept(request, rawBytes) : { request: null, omittedBytes: rawBytes };
      record({ at: new Date(started).toISOString(), api, path, status, stream, ...body, reply: null, error: message, latencyMs: Date.now() - started });
    };
    // Past a limit nothing is parsed: a refusal costs the harness no more than reading the body.
    if (stopped !== null) {
      fail(400, 'invalid_request_error', stopped);
      return;
    }
    try {
      request = JSON.parse(raw) as unknown;
    } catch {
      fail(400, 'invalid_request_error', 'the body is not JSON');
      return;
    }
    const parsed = api === 'anthropic-messages' ? messagesRequestSchema.safeParse(request) : api === 'openai-responses' ? responsesRequestSchema.safeParse(request) : chatRequestSchema.safeParse(request);
    if (!parsed.success) {
      fail(400, 'invalid_request_error', zodProblem(parsed.error));
      return;
    }
    stream = parsed.data.stream === true;
    const release = await oneAtATime.acquire();
    try {
      checkLimits();
      const responses = api === 'openai-responses' ? responsesRequestSchema.parse(request) : null;
      const responsesChat = responses === null ? null : responsesToHarness(responses);
      const chat = responsesChat ?? (api === 'anthropic-messages' ? messagesToChat(messagesRequestSchema.parse(request)) : chatToHarness(chatRequestSchema.parse(request)));
      used.calls += 1;
      // A signal of its own per call: the openai SDK leaves a listener on the signal it is given
      // after each request, so one shared signal would gather one per call.
      const call = new AbortController();
      const stop = (): void => call.abort(inFlight.signal.reason);
      inFlight.signal.addEventListener('abort', stop, { once: true });
      const reply = await model.generate(chat.messages, chat.tools, call.signal).finally(() => inFlight.signal.removeEventListener('abort', stop));
      used.inputTokens += reply.usage.inputTokens;
      used.outputTokens += reply.usage.outputTokens;
      const name = parsed.data.model;
      if (responses !== null && responsesChat !== null) {
        const id = newResponseId();
        if (stream) sendEvents(res, replyToResponseEvents(reply, responses, responsesChat, id));
        else send(res, 200, replyToResponse(reply, responses, responsesChat, id));
      } else if (api === 'anthropic-messages') {
        const id = newMessageId();
        if (stream) sendEvents(res, replyToMessageEvents(reply, name, id));
        else send(res, 200, replyToMessage(reply, name, id));
      } else {
        const id = newCompletionId();
        if (stream) sendEvents(res, replyToCompletionChunks(reply, name, id));
        else send(res, 200, replyToCompletion(reply, name, id));
      }
      record({ at: new Date(started).toISOString(), api, path, status: 200, stream, ...kept(request, rawBytes), reply, error: null, latencyMs: Date.now() - started });
    } catch (err) {
      // A limit is the agent's to see (a 400 it will not retry); a model failure is the upstream's (502).
      if (err instanceof LimitReached) fail(400, 'invalid_request_error', err.message);
      else fail(502, api === 'anthropic-messages' ? 'api_error' : 'server_error', `the model failed: ${errorMessage(err)}`);
    } finally {
      release();
    }
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      try {
        if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
          send(res, 200, { object: 'list', data: [{ id: model.spec, object: 'model', created: 0, owned_by: 'ibench' }] });
          return;
        }
        if (req.method !== 'POST') {
          send(res, 405, chatError('invalid_request_error', `ibench proxy: ${req.method ?? '?'} ${path} is not served`));
          return;
        }
        const body = await readBody(req, maxBody);
        if (path === '/v1/messages') await answer('anthropic-messages', path, body, res);
        else if (path === '/v1/messages/count_tokens') {
          // An estimate (4 characters a token): agents call it to decide when to compact their context.
          send(res, 200, { input_tokens: Math.ceil(body.length / 4) });
        } else if (path === '/v1/chat/completions' || path === '/chat/completions') await answer('openai-chat', path, body, res);
        else if (path === '/v1/responses' || path === '/responses') await answer('openai-responses', path, body, res);
        else send(res, 404, chatError('not_found_error', `ibench proxy: ${path} is not served (only /v1/messages, /v1/chat/completions and /v1/responses)`));
      } catch (err) {
        if (!res.headersSent) send(res, err instanceof BadRequest ? 413 : 500, chatError('invalid_request_error', `ibench proxy: ${errorMessage(err)}`));
        else res.destroy();
      }
    })();
  });

  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  const socketPath = 'socketPath' in options.listen ? options.listen.socketPath : undefined;
  if (socketPath !== undefined) await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (socketPath !== undefined) server.listen(socketPath, resolve);
    else server.listen('port' in options.listen ? options.listen.port : 0, '127.0.0.1', resolve);
  });
  // The agent runs as an unprivileged user in its container: it must be able to connect.
  if (socketPath !== undefined) await chmod(socketPath, 0o666);
  const address = socketPath ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    address,
    records,
    usage: () => ({ ...used }),
    stoppedBy: () => stopped,
    close: async () => {
      inFlight.abort(new Error('the model proxy was closed'));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (socketPath !== undefined) await rm(socketPath, { force: true });
    },
  };
}
