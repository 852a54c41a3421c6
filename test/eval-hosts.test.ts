/**
 * Several Docker hosts: two daemons on this machine (the usual one and a second dockerd with its
 * own socket, data root and containerd) run one eval. The second starts without the sandbox image
 * and gets a copy of it from the first; the episodes spread over both; stopping the second in the
 * middle of a run moves its episodes to the first, and no episode ends as `error`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { startSecondDockerd, type SecondDockerd } from './helpers/second-dockerd.js';

const HOST1 = 'unix:///var/run/docker.sock';
const EPISODES = 60;
const scripts = ['flag', 'claim-done'].map((s) => `scripted:test/fixtures/scripts/eval/${s}.yaml`);

interface Line {
  type: string;
  host?: string;
  reason?: string;
  id?: string;
  verdict?: string;
  error?: string;
  total?: number;
}

interface EpisodeJson {
  id: string;
  verdict: string;
  model: string;
  impossible: boolean;
  dockerHost?: string;
  finishedAt: string;
}

let second: SecondDockerd | undefined;

function d2(): SecondDockerd {
  if (second === undefined) throw new Error('the second dockerd did not start');
  return second;
}

function evalArgs(out: string, hosts: string[], options: { episodes?: number; retries?: number } = {}): string[] {
  return [
    'bin/ibench.js',
    'eval',
    '--tasks',
    '*',
    ...scripts.flatMap((s) => ['--model', s]),
    '--condition',
    'neutral',
    '--epochs',
    '3',
    '--max-episodes',
    String(options.episodes ?? EPISODES),
    '--concurrency',
    '6',
    ...hosts.flatMap((h) => ['--docker-host', h]),
    '--per-docker-host',
    '3',
    ...(options.retries === undefined ? [] : ['--retries', String(options.retries)]),
    '--out',
    out,
    '--jsonl',
  ];
}

function parseLines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

async function records(out: string): Promise<EpisodeJson[]> {
  const dirs = await readdir(join(out, 'episodes'));
  return Promise.all(dirs.map(async (d) => JSON.parse(await readFile(join(out, 'episodes', d, 'episode.json'), 'utf8')) as EpisodeJson));
}

/** What every scripted episode must end as: the flag script flags, the other claims success. */
function expectedVerdict(r: EpisodeJson): string {
  return r.model.endsWith('flag.yaml') ? 'flagged' : 'claimed_success';
}

async function containersOf(docker: Docker, pid: number | undefined): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`ibench.pid=${pid ?? -1}`] } });
  return list.length;
}

const made: string[] = [];

async function newOut(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ibench-hosts-'));
  made.push(dir);
  return join(dir, 'run');
}

beforeAll(async () => {
  await ensureImage(await loadSandboxProfile('python'));
  second = await startSecondDockerd();
}, 900_000);

afterAll(async () => {
  await second?.cleanup();
  for (const dir of made) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('ibench eval on two Docker hosts', () => {
  it('copies the image to the second daemon and spreads the episodes over both', { timeout: 900_000 }, async () => {
    const host2 = d2();
    const local = new Docker({ socketPath: '/var/run/docker.sock' });
    const image = 'ibench-python:latest';
    await expect(host2.docker.getImage(image).inspect()).rejects.toThrow();

    const out = await newOut();
    const proc = execa('node', evalArgs(out, [HOST1, host2.host]), { reject: false });
    const result = await proc;
    expect(result.exitCode, `${result.stderr}\n${await host2.logTail()}`).toBe(0);

    // A copy, not a build: the same image id and build hash on both daemons.
    const [a, b] = await Promise.all([local.getImage(image).inspect(), host2.docker.getImage(image).inspect()]);
    expect(b.Id).toBe(a.Id);
    expect(b.Config.Labels?.['ibench.build-hash']).toBe(a.Config.Labels?.['ibench.build-hash']);

    const lines = parseLines(result.stdout);
    expect(lines.find((l) => l.type === 'start')?.total).toBe(EPISODES);
    expect(lines.filter((l) => l.type === 'episode')).toHaveLength(EPISODES);
    expect(lines.filter((l) => l.type === 'host-down')).toEqual([]);

    const recs = await records(out);
    expect(recs).toHaveLength(EPISODES);
    for (const r of recs) expect(r.verdict, r.id).toBe(expectedVerdict(r));
    const onHost1 = recs.filter((r) => r.dockerHost === HOST1).length;
    const onHost2 = recs.filter((r) => r.dockerHost === host2.host).length;
    expect(onHost1 + onHost2).toBe(EPISODES);
    // Three slots on each: neither host may be starved (an even split is 30 / 30).
    expect(onHost1).toBeGreaterThanOrEqual(EPISODES / 4);
    expect(onHost2).toBeGreaterThanOrEqual(EPISODES / 4);

    expect(await containersOf(local, proc.pid)).toBe(0);
    expect(await containersOf(host2.docker, proc.pid)).toBe(0);
  });

  it('moves the work of a host stopped mid-run to the other, without an error episode', { timeout: 900_000 }, async () => {
    const host2 = d2();
    const local = new Docker({ socketPath: '/var/run/docker.sock' });
    const out = await newOut();
    // No retries: every attempt is the last, which records a failure as `error`; a failure because
    // the host died must still never be recorded, only run again elsewhere.
    const proc = execa('node', evalArgs(out, [HOST1, host2.host], { retries: 0 }), { reject: false, buffer: true });
    const pid = proc.pid;

    // After some episodes, and while the second daemon has sandboxes of this run up: stop it.
    let seen = 0;
    await new Promise<void>((resolve) => {
      proc.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString().split('\n').filter((l) => l.includes('"type":"episode"')).length;
        if (seen >= 10) resolve();
      });
      void proc.then(() => resolve());
    });
    expect(seen, 'the run ended before the second host could be stopped').toBeGreaterThanOrEqual(10);
    const deadline = Date.now() + 60_000;
    while ((await containersOf(host2.docker, pid)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await containersOf(host2.docker, pid), 'no episode of the run on the second host to interrupt').toBeGreaterThan(0);
    const stoppedAt = Date.now();
    await host2.stop();

    const result = await proc;
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = parseLines(result.stdout);
    const down = lines.filter((l) => l.type === 'host-down');
    expect(down).toHaveLength(1);
    expect(down[0]?.host).toBe(host2.host);
    // Its episodes in flight were tried again on the first host.
    const moved = lines.filter((l) => l.type === 'retry' && (l.error ?? '').includes(`Docker host ${host2.host} is down`));
    expect(moved.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.type === 'episode')).toHaveLength(EPISODES);

    const recs = await records(out);
    expect(recs).toHaveLength(EPISODES);
    for (const r of recs) expect(r.verdict, r.id).toBe(expectedVerdict(r));
    expect(recs.filter((r) => r.verdict === 'error')).toEqual([]);
    const onHost2 = recs.filter((r) => r.dockerHost === host2.host);
    expect(onHost2.length).toBeGreaterThan(0);
    expect(onHost2.length).toBeLessThan(EPISODES / 2);
    // Nothing was recorded from the second host after it was stopped.
    for (const r of onHost2) expect(Date.parse(r.finishedAt), r.id).toBeLessThanOrEqual(stoppedAt + 2000);
    for (const id of moved.map((l) => l.id ?? '')) {
      const r = recs.find((x) => x.id === id);
      expect(r?.dockerHost, id).toBe(HOST1);
    }
    const dirs = await readdir(join(out, 'episodes'));
    for (const d of dirs) expect(existsSync(join(out, 'episodes', d, 'episode.json')), d).toBe(true);
    expect(await containersOf(local, pid)).toBe(0);
  });

  it('takes out a host that is down from the start and runs on the others', { timeout: 600_000 }, async () => {
    const out = await newOut();
    const dead = `unix://${join(tmpdir(), 'ibench-no-such-dockerd.sock')}`;
    const result = await execa('node', evalArgs(out, [HOST1, dead], { episodes: 6 }), { reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = parseLines(result.stdout);
    expect(lines.filter((l) => l.type === 'host-down').map((l) => l.host)).toEqual([dead]);
    const recs = await records(out);
    expect(recs).toHaveLength(6);
    for (const r of recs) expect(r.dockerHost).toBe(HOST1);
  });
});
