/**
 * A tree put into a fresh sandbox goes in with its first command (DockerSandbox.putTree, PUT_FIRST):
 * the same files, owners and modes as through the daemon's archive, seen by whatever comes first
 * (a command, a read, a write, the copy-out), with no archive call to the daemon, and a start mark
 * the command cannot fake.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { fileEntry, type FileTree } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile, type SandboxProfile } from '../src/sandbox/profile.js';
import type { Sandbox } from '../src/sandbox/types.js';

const docker = dockerClient();
const factory = new DockerSandboxFactory(docker);
const labels = { 'ibench.test': `first-put-${process.pid}-${Date.now()}` };
let profile: SandboxProfile;

const tree: FileTree = new Map([
  ['run.sh', fileEntry('#!/bin/sh\necho run\n', 0o755)],
  ['ro.txt', fileEntry('read only\n', 0o444)],
  ['sealed', { kind: 'dir', mode: 0o500 }],
  ['sealed/inside.txt', fileEntry('inside\n')],
  ['ünï/ñame.py', fileEntry('x = 1\n')],
  ['link', { kind: 'symlink', target: 'run.sh' }],
  ['hard', { kind: 'file', mode: 0o755, content: Buffer.from('#!/bin/sh\necho run\n'), linkTo: 'run.sh' }],
]);
const LISTING = "find . -mindepth 1 -printf '%y %u:%g %m %p -> %l\\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum";

/** How many times the daemon extracted an archive into the container (docker cp in). */
async function archivesInto(containerId: string, since: number): Promise<number> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const stream = await docker.getEvents({ since, until, filters: JSON.stringify({ container: [containerId], event: ['extract-to-dir'] }) });
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8').split('\n').filter((line) => line.trim() !== '').length;
}

async function withSandbox<T>(fn: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await factory.create(profile, labels);
  try {
    return await fn(sandbox);
  } finally {
    await sandbox.close();
  }
}

beforeAll(async () => {
  profile = await loadSandboxProfile('python');
  await ensureImage(profile);
}, 900_000);

describe('the first put into a sandbox', () => {
  it('goes in with the first command, as the daemon would have put it, with no archive call', async () => {
    const viaDaemon = await withSandbox(async (sandbox) => {
      // Something ran first, so this put goes through the daemon.
      await sandbox.exec('true');
      await sandbox.putTree(profile.workdir, tree);
      return (await sandbox.exec(LISTING)).stdout.text;
    });
    const since = Math.floor(Date.now() / 1000) - 1;
    await withSandbox(async (sandbox) => {
      await sandbox.putTree(profile.workdir, tree);
      const first = await sandbox.exec(`${LISTING}; echo "stdin: $(cat | wc -c)"`);
      expect(first.exitCode).toBe(0);
      expect(first.stdout.text).toBe(`${viaDaemon}stdin: 0\n`);
      expect(first.stdout.text).toContain('d agent:agent 500 ./sealed');
      expect(await archivesInto(sandbox.containerId, since)).toBe(0);
      // A second put goes through the daemon, as always.
      await sandbox.putTree(profile.workdir, new Map([['later.txt', fileEntry('later\n')]]));
      expect((await sandbox.exec('cat later.txt run.sh')).stdout.text).toBe('later\n#!/bin/sh\necho run\n');
      expect(await archivesInto(sandbox.containerId, since)).toBe(1);
    });
  }, 120_000);

  it('is there for whatever comes first: a read, a write, a root command, the copy-out', async () => {
    await withSandbox(async (sandbox) => {
      await sandbox.putTree(profile.workdir, tree);
      expect((await sandbox.readFile('/work/ünï/ñame.py')).toString()).toBe('x = 1\n');
    });
    await withSandbox(async (sandbox) => {
      await sandbox.putTree(profile.workdir, tree);
      await sandbox.writeFile('/work/new.txt', 'new\n');
      expect((await sandbox.exec('cat new.txt ro.txt')).stdout.text).toBe('new\nread only\n');
    });
    await withSandbox(async (sandbox) => {
      await sandbox.putTree(profile.workdir, tree);
      expect((await sandbox.exec('stat -c %U /work/run.sh', { user: 'root' })).stdout.text).toBe('agent\n');
    });
    await withSandbox(async (sandbox) => {
      await sandbox.putTree(profile.workdir, tree);
      const copy = await sandbox.copyOut(profile.workdir);
      expect([...copy.tree.keys()].sort()).toEqual(['hard', 'link', 'ro.txt', 'run.sh', 'sealed', 'sealed/inside.txt', 'ünï', 'ünï/ñame.py']);
    });
  }, 120_000);

  it("keeps the mark when the command prints it: only the shell's own mark, first on stdout, is dropped", async () => {
    await withSandbox(async (sandbox) => {
      await sandbox.putTree(profile.workdir, tree);
      const r = await sandbox.exec("printf 'ibench: tree in, command starts\\n'; echo after");
      expect(r.stdout.text).toBe('ibench: tree in, command starts\nafter\n');
    });
  }, 60_000);

  it('fails the first command as the harness\'s error when the tree does not go in', async () => {
    const small = { ...profile, limits: { ...profile.limits, work: '1m' } };
    const sandbox = await factory.create(small, labels);
    try {
      await sandbox.putTree(small.workdir, new Map([['huge.bin', fileEntry(Buffer.alloc(4 * 1024 * 1024, 1))]]));
      await expect(sandbox.exec('echo should-not-run')).rejects.toThrow(/cannot copy files into \/work of sandbox \w+: tar exited with 2: tar: huge\.bin: /);
    } finally {
      await sandbox.close();
    }
  }, 60_000);

  it('puts a tree with read-only paths through the daemon at once (root-owned files need it)', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await withSandbox(async (sandbox) => {
      await sandbox.putTree(profile.workdir, tree, { readOnly: new Set(['ro.txt']) });
      expect(await archivesInto(sandbox.containerId, since)).toBe(1);
      expect((await sandbox.exec('stat -c %U ro.txt')).stdout.text).toBe('root\n');
    });
  }, 60_000);
});
