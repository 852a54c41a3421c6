/**
 * One-shot runs (src/sandbox/one-shot.ts) on real Docker: a grading run as its container's own
 * process, the tree in on stdin. It must give what a sandbox with putTree + a last exec gives (the
 * same files, owners and modes, exit codes, limits), keep nothing behind, and never let the tree's
 * code pass for the wrapper.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { fileEntry, type FileTree } from '../src/sandbox/file-tree.js';
import { HeadStartFactory } from '../src/sandbox/head-start.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile, type SandboxProfile } from '../src/sandbox/profile.js';
import { TreeNotPut, type ExecResult, type OneShotRun } from '../src/sandbox/types.js';

const docker = dockerClient();
const factory = new DockerSandboxFactory(docker);
const run = `one-shot-${process.pid}-${Date.now()}`;
const labels = { 'ibench.test': run };
let profile: SandboxProfile;

async function containersOf(match: Record<string, string>): Promise<string[]> {
  const filters = JSON.stringify({ label: Object.entries(match).map(([k, v]) => `${k}=${v}`) });
  return (await docker.listContainers({ all: true, filters })).map((c) => c.Id);
}

async function oneShot(tree: FileTree, command: string, over: Partial<OneShotRun> = {}, onProfile = profile): Promise<ExecResult> {
  const prepared = await factory.prepareRun(onProfile, labels);
  return prepared.run({ tree, command, timeoutMs: 30_000, keepBytes: 1024 * 1024, ...over });
}

/** Paths, kinds, owners, modes, link targets and contents of /work, one line each. */
const LISTING = "cd /work && find . -mindepth 1 -printf '%y %u:%g %m %p -> %l\\n' | LC_ALL=C sort && find . -type f -readable -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum";

const awkward: FileTree = new Map([
  ['run.sh', fileEntry('#!/bin/sh\necho run\n', 0o755)],
  ['ro.txt', fileEntry('read only\n', 0o444)],
  ['locked.txt', { kind: 'file', mode: 0o000, content: Buffer.from('nobody may read me\n') }],
  ['sealed', { kind: 'dir', mode: 0o500 }],
  ['sealed/inside.txt', fileEntry('in a folder without write\n', 0o644)],
  ['empty', { kind: 'dir', mode: 0o755 }],
  ['ünï cödé/ñame with spaces.py', fileEntry('x = 1\n')],
  ['line\nbreak.txt', fileEntry('newline in the name\n')],
  [`${'long'.repeat(40)}/${'name'.repeat(40)}.txt`, fileEntry('past 100 bytes\n')],
  ['a/b/c/d/e/f/g/deep.txt', fileEntry('deep\n')],
  ['link-rel', { kind: 'symlink', target: 'run.sh' }],
  ['dangling', { kind: 'symlink', target: 'nowhere/at/all' }],
  ['hard', { kind: 'file', mode: 0o755, content: Buffer.from('#!/bin/sh\necho run\n'), linkTo: 'run.sh' }],
  ['big.bin', fileEntry(Buffer.alloc(3 * 1024 * 1024, 7))],
]);

beforeAll(async () => {
  profile = await loadSandboxProfile('python');
  await ensureImage(profile);
}, 900_000);

describe('one-shot runs', () => {
  it('puts a tree in exactly as putTree does: the same kinds, owners, modes, link targets and bytes', async () => {
    const sandbox = await factory.create(profile, labels);
    let viaSandbox: string;
    try {
      await sandbox.putTree(profile.workdir, awkward);
      viaSandbox = (await sandbox.exec(LISTING, { last: true })).stdout.text;
    } finally {
      await sandbox.close();
    }
    const viaOneShot = await oneShot(awkward, LISTING);
    expect(viaOneShot.exitCode).toBe(0);
    expect(viaOneShot.stdout.text).toBe(viaSandbox);
    expect(viaOneShot.stdout.text).toContain('d agent:agent 500 ./sealed');
    expect(viaOneShot.stdout.text).toContain('f agent:agent 0 ./locked.txt');
    expect(viaOneShot.stdout.text).toMatch(/l agent:agent 777 \.\/dangling -> nowhere\/at\/all/);
    expect(await containersOf(labels)).toEqual([]);
  }, 120_000);

  it('runs the command as the agent user in /work with the exec environment, stdin empty, and gives its exit code and streams', async () => {
    const r = await oneShot(new Map([['x.txt', fileEntry('x\n')]]), 'id -un; pwd; echo "$HOME $USER $LANG"; cat; echo err >&2; exit 3');
    expect(r).toMatchObject({ exitCode: 3, timedOut: false, oomKilled: false, outputLimitHit: false });
    expect(r.stdout.text).toBe('agent\n/work\n/home/agent agent C.UTF-8\n');
    expect(r.stderr.text).toBe('err\n');
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it("keeps the start mark when the tree's code prints it: only the wrapper's own mark, first on stdout, is taken", async () => {
    const r = await oneShot(new Map(), "printf 'ibench: tree in, command starts\\n'; echo after");
    expect(r.exitCode).toBe(0);
    expect(r.stdout.text).toBe('ibench: tree in, command starts\nafter\n');
  }, 60_000);

  it('kills a command at its time limit, one at the output limit, and one out of memory, each told apart', async () => {
    const slow = await oneShot(new Map(), 'sleep 60', { timeoutMs: 1_500 });
    expect(slow).toMatchObject({ exitCode: 137, timedOut: true, outputLimitHit: false });
    expect(slow.durationMs).toBeLessThan(20_000);
    const loud = await oneShot(new Map(), 'yes | head -c 200000000', { keepBytes: 4096, killAfterBytes: 2_000_000 });
    expect(loud).toMatchObject({ exitCode: 137, timedOut: false, outputLimitHit: true });
    expect(loud.stdout.omittedBytes).toBeGreaterThan(0);
    const hungry = await oneShot(new Map(), "python3 -c 'x = bytearray(4 * 1024 ** 3)'");
    expect(hungry.oomKilled).toBe(true);
    expect(hungry.timedOut).toBe(false);
    expect(hungry.exitCode).toBeGreaterThanOrEqual(128);
    expect(await containersOf(labels)).toEqual([]);
  }, 120_000);

  it('ends the run when the command ends, though what it left in the background holds stdout open', async () => {
    const started = Date.now();
    const r = await oneShot(new Map(), '(sleep 120; echo late) & echo done');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.text).toBe('done\n');
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  it('refuses a tree that does not fit with TreeNotPut, before any of it runs', async () => {
    const small = { ...profile, limits: { ...profile.limits, work: '1m' } };
    const tree: FileTree = new Map([
      ['conftest.py', fileEntry('print("ran")\n')],
      ['huge.bin', fileEntry(Buffer.alloc(4 * 1024 * 1024, 1))],
    ]);
    await expect(oneShot(tree, 'echo should-not-run', {}, small)).rejects.toThrow(TreeNotPut);
    await expect(oneShot(tree, 'echo should-not-run', {}, small)).rejects.toThrow(/cannot be put into a test container: tar exited with 2: tar: huge\.bin: /);
    expect(await containersOf(labels)).toEqual([]);
  }, 120_000);

  it('stops at once on an abort and removes the container', async () => {
    const controller = new AbortController();
    const prepared = await factory.prepareRun(profile, labels);
    const running = prepared.run({ tree: new Map(), command: 'sleep 60', timeoutMs: 60_000, keepBytes: 4096, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopped by the test')), 500);
    await expect(running).rejects.toThrow('stopped by the test');
    expect(await containersOf(labels)).toEqual([]);
  }, 60_000);

  it("carries the owner labels (a sweep reaps it) and runs once; a head start is handed only to the same labels, and release() removes an untaken one", async () => {
    const prepared = await factory.prepareRun(profile, labels);
    const info = await docker.getContainer(prepared.containerId).inspect();
    expect(info.Config.Labels).toMatchObject({ ibench: '1', 'ibench.pid': String(process.pid), 'ibench.test': run });
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.Mounts).toEqual([]);
    await prepared.run({ tree: new Map(), command: 'true', timeoutMs: 10_000, keepBytes: 1024 });
    await expect(prepared.run({ tree: new Map(), command: 'true', timeoutMs: 10_000, keepBytes: 1024 })).rejects.toThrow(/already ran/);

    const heads = new HeadStartFactory(factory);
    const aheadLabels = { ...labels, 'ibench.tests': 'pristine' };
    heads.startRunAhead(profile, aheadLabels);
    expect(() => heads.startRunAhead(profile, aheadLabels)).toThrow(/already started ahead/);
    const other = await heads.prepareRun?.(profile, { ...labels, 'ibench.tests': 'agent' });
    const taken = await heads.prepareRun?.(profile, aheadLabels);
    expect(other?.containerId).not.toBe(taken?.containerId);
    expect(await containersOf(aheadLabels)).toEqual([taken?.containerId]);
    await other?.discard();
    await taken?.discard();
    heads.startRunAhead(profile, aheadLabels);
    await heads.release();
    expect(await containersOf(labels)).toEqual([]);
  }, 120_000);
});
