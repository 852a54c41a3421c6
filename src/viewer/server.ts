/**
 * `ibench view`: a small read-only web server (node:http) over a runs directory. Pages are made on
 * each request from the files as they are, so a run in progress shows up as it goes; the pages
 * poll the /api/ JSON routes for new episodes and transcript events.
 *
 * Routes (folder pages end in `/`; `index.html` works too):
 *   /                                            runs
 *   /runs/<run>/                                 a run's summary (report tables and chart)
 *   /runs/<run>/report.md                        the same as Markdown (text/plain)
 *   /runs/<run>/episodes/                        its episodes, filterable (?model=&verdict=...)
 *   /runs/<run>/episodes/<ep>/                   an episode
 *   /runs/<run>/episodes/<ep>/files/<file>       its files as text/plain (episode.json, transcript.jsonl, ...)
 *   /runs/<run>/episodes/<ep>/events/<n>/<f>.txt the whole text of a folded output
 *   /compare/?a=<run>/<ep>&b=<run>/<ep>          two episodes side by side
 *   /api/runs.json, /api/runs/<run>/episodes.json, /api/runs/<run>/episodes/<ep>/transcript.json?from=N
 *   /api/runs/<run>/search.json?q=TEXT[&in=reasoning][&model=&verdict=...]  search the run's transcripts (search.ts)
 *   /assets/viewer.js, viewer.css, diff2html.min.css
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EPISODE_FILES } from '../runs/record.js';
import { errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { asset, isAssetName } from './assets.js';
import { CSP, filterKeys, notFoundPage } from './pages.js';
import { isSafeSegment, openInside, parseEpisodeRef, urlSegments } from './paths.js';
import { buildComparePage, buildEpisodePage, buildEpisodesPage, buildReportMarkdown, buildRunPage, buildRunsPage, contextFor } from './site.js';
import { allRunRows, buildQaItemPage, buildQaReportMarkdown, buildQaRunPage } from './qa.js';
import { queryProblem, searchRun, type SearchScope } from './search.js';
import { RunsStore } from './store.js';
import { PAGE_EVENTS, readEventField, readTranscriptPage } from './transcript.js';
import type { EpisodeRow } from './types.js';

export interface ViewerOptions {
  runsDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface ViewerServer {
  url: string;
  port: number;
  host: string;
  server: Server;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'SAMEORIGIN',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Raw files are shown as text and may run nothing. */
const RAW_CSP = "default-src 'none'; sandbox";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string, csp = CSP): void {
  const buffer = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Security-Policy': csp, 'Content-Type': type, 'Content-Length': String(buffer.length) });
  res.end(req.method === 'HEAD' ? undefined : buffer);
}

const HTML = 'text/html; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

function sendJson(req: IncomingMessage, res: ServerResponse, value: unknown): void {
  send(req, res, 200, JSON_TYPE, JSON.stringify(value), RAW_CSP);
}

/** Streams a file of the runs folder; a link out of it, a FIFO or a device is "no such file". */
async function sendFile(req: IncomingMessage, res: ServerResponse, root: string, path: string): Promise<void> {
  const handle = await openInside(root, path);
  if (handle === null) throw new HttpError(404, 'no such file (yet)');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (err) {
    await handle.close();
    throw err;
  }
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Security-Policy': RAW_CSP, 'Content-Type': TEXT, 'Content-Length': String(size) });
  if (req.method === 'HEAD' || size === 0) {
    await handle.close();
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = handle.createReadStream({ start: 0, end: size - 1, autoClose: true });
    stream.on('error', reject);
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}

/** Folder pages need their trailing slash (their links are relative): /runs/x -> /runs/x/. */
function redirect(res: ServerResponse, location: string): void {
  res.writeHead(301, { ...SECURITY_HEADERS, Location: location, 'Content-Length': '0' });
  res.end();
}

function intParam(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const text = params.get(name);
  if (text === null) return fallback;
  if (!/^\d{1,9}$/.test(text)) throw new HttpError(400, `${name}: not a whole number`);
  return Math.min(Number(text), max);
}

export class ViewerHandler {
  constructor(
    readonly store: RunsStore,
    private readonly shownDir: string,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET, HEAD', 'Content-Length': '0' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://viewer.invalid');
    const segments = urlSegments(url.pathname);
    if (segments === null) throw new HttpError(400, 'the path is not valid percent-encoding');
    if (!segments.every(isSafeSegment)) throw new HttpError(400, 'the path has a part that is not a plain name');
    const slash = url.pathname.endsWith('/');
    // A folder page: `.../` or `.../index.html`; without either it is redirected to the slash form.
    const page = (depth: number): boolean => {
      if (segments.length === depth + 1 && segments[depth] === 'index.html') return true;
      if (segments.length !== depth) return false;
      if (!slash) {
        redirect(res, `${url.pathname}/${url.search}`);
        throw new Redirected();
      }
      return true;
    };
    const ctx = (depth: number): ReturnType<typeof contextFor> => contextFor(depth, true, '');
    const [first, run, third, episode, fifth, sixth, seventh] = segments;

    if (segments.length === 0 || (segments.length === 1 && first === 'index.html')) {
      send(req, res, 200, HTML, await buildRunsPage(this.store, ctx(0), this.shownDir));
      return;
    }
    if (first === 'assets' && segments.length === 2 && run !== undefined) {
      if (!isAssetName(run)) throw new HttpError(404, 'no such asset');
      const a = await asset(run);
      send(req, res, 200, a.type, a.body);
      return;
    }
    if (first === 'api') return this.api(req, res, segments.slice(1), url.searchParams);
    if (first === 'compare' && page(1)) {
      const rows: EpisodeRow[] = [];
      for (const key of ['a', 'b']) {
        const ref = parseEpisodeRef(url.searchParams.get(key));
        const entry = ref === null ? null : await this.store.episode(ref.run, ref.episode);
        if (entry !== null) rows.push(entry.row);
      }
      send(req, res, 200, HTML, buildComparePage(ctx(1), rows));
      return;
    }
    if (first === 'runs' && run !== undefined) {
      if (page(2)) {
        const html = (await buildRunPage(this.store, ctx(2), run)) ?? (await buildQaRunPage(this.store, ctx(2), run));
        if (html === null) throw new HttpError(404, `no run "${run}" here`);
        send(req, res, 200, HTML, html);
        return;
      }
      if (third === 'report.md' && segments.length === 3) {
        const md = (await buildReportMarkdown(this.store, run)) ?? (await buildQaReportMarkdown(this.store, run));
        if (md === null) throw new HttpError(404, `no run "${run}" here`);
        send(req, res, 200, TEXT, md, RAW_CSP);
        return;
      }
      if (third === 'items' && episode !== undefined && page(4)) {
        const html = await buildQaItemPage(this.store, ctx(4), run, episode);
        if (html === null) throw new HttpError(404, `no item "${episode}" in run "${run}"`);
        send(req, res, 200, HTML, html);
        return;
      }
      if (third === 'episodes') {
        if (page(3)) {
          const html = await buildEpisodesPage(this.store, ctx(3), run);
          if (html === null) throw new HttpError(404, `no run "${run}" here`);
          send(req, res, 200, HTML, html);
          return;
        }
        if (episode !== undefined) {
          if (page(4)) {
            const api = `api/runs/${encodeURIComponent(run)}/episodes/${encodeURIComponent(episode)}/transcript.json`;
            const built = await buildEpisodePage(this.store, ctx(4), run, episode, { kind: 'api', href: api });
            if (built === null) throw new HttpError(404, `no episode "${episode}" in run "${run}"`);
            send(req, res, 200, HTML, built.html);
            return;
          }
          if (fifth === 'files' && sixth !== undefined && segments.length === 6) {
            const file = await this.store.episodeFile(run, episode, sixth);
            if (file === null) throw new HttpError(404, 'no such file');
            await sendFile(req, res, this.store.root, file);
            return;
          }
          if (fifth === 'events' && sixth !== undefined && seventh !== undefined && segments.length === 7) {
            const path = await this.store.transcriptPath(run, episode);
            const match = /^([a-z]+(?:-\d+)?)\.txt$/.exec(seventh);
            if (path === null || match === null || !/^\d{1,9}$/.test(sixth)) throw new HttpError(404, 'no such event');
            const text = await readEventField(path, Number(sixth), match[1] ?? '');
            if (text === null) throw new HttpError(404, 'no such event field');
            send(req, res, 200, TEXT, text, RAW_CSP);
            return;
          }
        }
      }
    }
    throw new HttpError(404, 'no such page');
  }

  private async api(req: IncomingMessage, res: ServerResponse, segments: string[], params: URLSearchParams): Promise<void> {
    const [a, run, c, episode, e] = segments;
    if (segments.length === 1 && a === 'runs.json') {
      sendJson(req, res, await allRunRows(this.store));
      return;
    }
    if (a === 'runs' && run !== undefined && segments.length === 3 && c === 'episodes.json') {
      if ((await this.store.runDir(run)) === null) throw new HttpError(404, `no run "${run}" here`);
      sendJson(req, res, (await this.store.episodes(run)).map((x) => x.row));
      return;
    }
    if (a === 'runs' && run !== undefined && segments.length === 3 && c === 'search.json') {
      const query = params.get('q') ?? '';
      const problem = queryProblem(query);
      if (problem !== null) throw new HttpError(400, problem);
      const scope = params.get('in') ?? 'all';
      if (scope !== 'all' && scope !== 'reasoning') throw new HttpError(400, 'in: all or reasoning');
      const within: SearchScope = {};
      for (const k of filterKeys) {
        const v = params.get(k);
        if (v !== null) within[k] = v;
      }
      const result = await searchRun(this.store, run, query, { reasoningOnly: scope === 'reasoning', scope: within });
      if (result === null) throw new HttpError(404, `no run "${run}" here`);
      sendJson(req, res, result);
      return;
    }
    if (a === 'runs' && run !== undefined && c === 'episodes' && episode !== undefined && segments.length === 5 && e === 'transcript.json') {
      const dir = await this.store.episodeDir(run, episode);
      if (dir === null) throw new HttpError(404, `no episode "${episode}" in run "${run}"`);
      const finished = (await this.store.episode(run, episode))?.record != null;
      const page = await readTranscriptPage(join(dir, EPISODE_FILES.transcript), intParam(params, 'from', 0, 1e9), {
        limit: intParam(params, 'limit', PAGE_EVENTS, PAGE_EVENTS),
        finished,
      });
      sendJson(req, res, page);
      return;
    }
    throw new HttpError(404, 'no such API route');
  }
}

class Redirected extends Error {}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Host headers accepted when the server listens on loopback: a page on another site cannot reach it through DNS rebinding. */
function allowedHosts(host: string, port: number): Set<string> | null {
  if (!loopbackHosts.has(host) && !host.startsWith('127.')) return null;
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`]);
}

export async function startViewer(options: ViewerOptions): Promise<ViewerServer> {
  const store = new RunsStore(options.runsDir, '');
  const handler = new ViewerHandler(store, options.runsDir);
  const host = options.host ?? '127.0.0.1';
  let allowed: Set<string> | null = null;
  const server = createServer((req, res) => {
    const started = Date.now();
    if (allowed !== null && !allowed.has((req.headers.host ?? '').toLowerCase())) {
      send(req, res, 421, TEXT, 'this viewer answers only to its own address\n', RAW_CSP);
      return;
    }
    handler
      .handle(req, res)
      .catch((err: unknown) => {
        if (err instanceof Redirected) return;
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) logger.error(`viewer: ${req.url ?? ''}: ${err instanceof Error && err.stack !== undefined ? err.stack : errorMessage(err)}`);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const message = status === 500 ? 'the viewer failed on this page (see its log)' : errorMessage(err);
        const wantsHtml = (req.headers.accept ?? '').includes('text/html');
        if (wantsHtml) send(req, res, status, HTML, notFoundPage({ root: '/', live: false, index: '' }, message));
        else send(req, res, status, TEXT, `${message}\n`, RAW_CSP);
      })
      .finally(() => logger.debug(`viewer: ${req.method ?? ''} ${req.url ?? ''} -> ${res.statusCode} in ${Date.now() - started} ms`));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  allowed = allowedHosts(host, address.port);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${shownHost}:${address.port}/`;
  return {
    url,
    port: address.port,
    host,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
