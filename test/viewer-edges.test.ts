/**
 * The viewer over a runs folder received from someone else: links out of it (to a host file with a
 * secret) are never served nor exported, on any route; FIFOs do not hang it; an episode with
 * 200,000 changed files still makes a small page that links to the rest.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, lstat, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSite } from '../src/viewer/export.js';
import { DIFF_MAX_FILES, renderDiff } from '../src/viewer/diff.js';
import { makePatch } from '../src/inspect/patch.js';
import { fileEntry } from '../src/sandbox/file-tree.js';
import { EVIDENCE_LIST_CAP } from '../src/viewer/pages.js';
import { startViewer, type ViewerServer } from '../src/viewer/server.js';
import { syntheticRecord, syntheticTranscript, writeSyntheticEpisode } from './fixtures/viewer/synthetic.js';

const SECRET = 'SECRET-3f9c2a-host-file';

interface Reply {
  status: number;
  body: string;
}

function get(server: ViewerServer, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host: `127.0.0.1:${server.port}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const item of await readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(join(item.parentPath, item.name));
  }
  return out;
}

describe('a crafted runs folder with links out of it', () => {
  let root = '';
  let runs = '';
  let server: ViewerServer;
  const ep = 'exit-both-codes__scripted-x__neutral__e0';
  const routes: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ibench-viewer-links-'));
    runs = join(root, 'runs');
    // The host's files: a secret text, a transcript, an episode record and a whole run, all outside.
    const host = join(root, 'host');
    await mkdir(host);
    await writeFile(join(host, 'secret.txt'), `${SECRET}\n`);
    const secretTranscript = syntheticTranscript(1).map((e) => (e.type === 'user' ? { ...e, content: SECRET } : e));
    await writeFile(join(host, 'transcript.jsonl'), secretTranscript.map((e) => `${JSON.stringify(e)}\n`).join(''));
    await writeFile(join(host, 'episode.json'), JSON.stringify(syntheticRecord(ep, { submit: { outcome: 'completed', message: SECRET } })));
    await writeFile(join(host, 'run.json'), JSON.stringify({ createdAt: SECRET }));
    await writeSyntheticEpisode(join(host, 'outside-run'), ep, { record: syntheticRecord(ep, { task: SECRET }), transcript: secretTranscript });

    const run = join(runs, 'run-a');
    // An episode whose every file is a link out.
    const linked = await writeSyntheticEpisode(run, ep);
    for (const [name, target] of [
      ['diff.patch', 'secret.txt'],
      ['tests-pristine.txt', 'secret.txt'],
      ['tests-agent.txt', 'secret.txt'],
      ['transcript.jsonl', 'transcript.jsonl'],
      ['episode.json', 'episode.json'],
    ] as const) {
      await rm(join(linked, name));
      await symlink(join(host, target), join(linked, name));
    }
    // An ordinary episode beside it (its diff a relative link out), a linked episode folder, a FIFO.
    const plain = await writeSyntheticEpisode(run, 'plain');
    await rm(join(plain, 'diff.patch'));
    await symlink('../../../../host/secret.txt', join(plain, 'diff.patch'));
    await symlink(join(host, 'outside-run', 'episodes', ep), join(run, 'episodes', 'linked-dir'));
    const fifo = await writeSyntheticEpisode(run, 'fifo');
    await rm(join(fifo, 'tests-agent.txt'));
    execFileSync('mkfifo', [join(fifo, 'tests-agent.txt')]);
    await symlink(join(host, 'run.json'), join(run, 'run.json'));
    // A whole run that is a link out, and a run whose episodes folder is one.
    await symlink(join(host, 'outside-run'), join(runs, 'run-linked'));
    await mkdir(join(runs, 'run-c'));
    await symlink(join(host, 'outside-run', 'episodes'), join(runs, 'run-c', 'episodes'));

    for (const r of ['run-a', 'run-linked', 'run-c']) {
      routes.push(`/runs/${r}/`, `/runs/${r}/report.md`, `/runs/${r}/episodes/`, `/api/runs/${r}/episodes.json`, `/api/runs/${r}/search.json?q=3f9c2a-host`);
      for (const e of [ep, 'plain', 'linked-dir', 'fifo']) {
        routes.push(`/runs/${r}/episodes/${e}/`, `/api/runs/${r}/episodes/${e}/transcript.json`, `/compare/?a=${r}/${e}&b=run-a/plain`);
        for (const f of ['episode.json', 'transcript.jsonl', 'diff.patch', 'tests-pristine.txt', 'tests-agent.txt']) routes.push(`/runs/${r}/episodes/${e}/files/${f}`);
        for (const n of [0, 1, 2]) for (const f of ['content', 'line', 'text']) routes.push(`/runs/${r}/episodes/${e}/events/${n}/${f}.txt`);
      }
    }
    routes.push('/', '/api/runs.json');
    server = await startViewer({ runsDir: runs, port: 0 });
  });

  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves no route with the host file behind a link, and does not hang on a FIFO', async () => {
    let served = 0;
    for (const route of routes) {
      const r = await get(server, route);
      expect(r.body, route).not.toContain(SECRET);
      if (r.status === 200) served += 1;
    }
    // The ordinary parts are still served: the run, its plain episode and the files that are real.
    expect(served).toBeGreaterThan(20);
    expect((await get(server, '/runs/run-a/episodes/plain/files/episode.json')).status).toBe(200);
    expect((await get(server, '/runs/run-a/episodes/plain/files/diff.patch')).status).toBe(404);
    expect((await get(server, `/runs/run-a/episodes/${ep}/files/transcript.jsonl`)).status).toBe(404);
    expect((await get(server, '/runs/run-a/episodes/fifo/files/tests-agent.txt')).status).toBe(404);
    const list = await get(server, '/api/runs/run-a/episodes.json');
    const rows = JSON.parse(list.body) as { id: string; verdict: string }[];
    expect(rows.find((row) => row.id === ep)?.verdict).toBe('unreadable');
    expect(rows.map((row) => row.id)).not.toContain('linked-dir');
    const runsList = JSON.parse((await get(server, '/api/runs.json')).body) as { name: string }[];
    expect(runsList.map((row) => row.name)).toEqual(['run-a']);
    // The transcript search reads no transcript behind a link: run-a's linked one holds the secret.
    const search = JSON.parse((await get(server, '/api/runs/run-a/search.json?q=3f9c2a-host')).body) as { episodes: unknown[]; searched: number };
    expect(search.episodes).toEqual([]);
    expect(search.searched).toBe(3);
  });

  it('--export copies nothing from behind a link', async () => {
    const out = join(root, 'export');
    const result = await exportSite(runs, out);
    expect(result.episodes).toBeGreaterThanOrEqual(3);
    for (const file of await filesUnder(out)) {
      const info = await lstat(file);
      expect(info.isSymbolicLink(), file).toBe(false);
      if (info.isFile()) expect(await readFile(file, 'utf8'), file).not.toContain(SECRET);
    }
    // The real files of the plain episode were copied; the linked ones were left out.
    const plainFiles = join(out, 'runs', 'run-a', 'episodes', 'plain', 'files');
    expect((await readdir(plainFiles)).sort()).toEqual(['episode.json.txt', 'tests-agent.txt', 'tests-pristine.txt', 'transcript.jsonl.txt']);
  });
});

describe('an episode of 200,000 changed files', () => {
  let root = '';
  let server: ViewerServer;
  const ep = 'exit-both-codes__scripted-big__neutral__e0';
  const N = 200_000;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ibench-viewer-big-'));
    const names = Array.from({ length: N }, (_, i) => `pkg/m${String(i).padStart(6, '0')}/file_${i}.py`);
    const base = syntheticRecord(ep);
    const record = syntheticRecord(ep, {
      evidence: {
        ...base.evidence!,
        changes: { added: names, modified: names.slice(0, 1000), deleted: [] },
        protectedChanges: names.map((path) => ({ path: `tests/${path}`, kind: 'added', reason: 'matches tests/**' })),
        rules: names.slice(0, 5000).map((path) => ({ rule: 'reads-test-file', path, line: 1, excerpt: "open('tests/x')", description: 'reads the tests' })),
      },
    });
    const diff = names.map((p) => `diff --git a/${p} b/${p}\nnew file mode 100644\n--- /dev/null\n+++ b/${p}\n@@ -0,0 +1,1 @@\n+X = 1\n`).join('');
    await writeSyntheticEpisode(join(root, 'runs', 'run-big'), ep, { record, diff });
    server = await startViewer({ runsDir: join(root, 'runs'), port: 0 });
  }, 120_000);

  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('makes a small page that links to the rest', async () => {
    const r = await get(server, `/runs/run-big/episodes/${ep}/`);
    expect(r.status).toBe(200);
    const bytes = Buffer.byteLength(r.body);
    console.log(`episode page of ${N.toLocaleString('en')} changed files: ${(bytes / 1e6).toFixed(2)} MB`);
    expect(bytes).toBeLessThan(1_000_000);
    expect(r.body).toContain(`… and ${(N - EVIDENCE_LIST_CAP).toLocaleString('en')} more protected changes`);
    expect(r.body).toContain(`… and ${(5000 - EVIDENCE_LIST_CAP).toLocaleString('en')} more rules that fired`);
    expect(r.body).toContain('the whole list in episode.json');
    expect(r.body).toContain('href="files/episode.json"');
    expect(r.body).toContain(`only its first ${DIFF_MAX_FILES} files are shown`);
    expect(r.body).toContain('href="files/diff.patch"');
    // The rest is really there, one link away.
    const whole = await get(server, `/runs/run-big/episodes/${ep}/files/episode.json`);
    expect(whole.body).toContain(`pkg/m${String(N - 1).padStart(6, '0')}/file_${N - 1}.py`);
  });
});

describe('a diff with names git quotes', () => {
  it('badges a protected file whose name is quoted in diff.patch', () => {
    const patch = makePatch(new Map(), new Map([['tests/tést\nx.py', fileEntry('assert True\n')], ['ok.py', fileEntry('x = 1\n')]]));
    expect(patch).toContain('diff --git "a/tests/t\\303\\251st\\nx.py" "b/tests/t\\303\\251st\\nx.py"');
    const rendered = renderDiff(patch, [{ path: 'tests/tést\nx.py', kind: 'added', reason: 'matches tests/**' }], 'files/diff.patch');
    expect(rendered.files).toBe(2);
    expect(rendered.protectedFiles).toEqual(['tests/tést\nx.py']);
  });
});
