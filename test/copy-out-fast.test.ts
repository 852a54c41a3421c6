/**
 * The copy-out's fast path (the scan's exec becomes tar as the agent user when nothing needs
 * cutting) against the daemon's archive it replaces, in real containers: for a tree of every kind
 * of entry both give the same FileTree entry by entry; a tree that needs a cut or that tar cannot
 * read cleanly takes the ordinary path (cuts, then getArchive) and gives its result. Which path
 * was taken is read from the daemon's events (getArchive is an `archive-path` event).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveBytesBound, copyOutCaps, FAST_ARCHIVE_MAX_BYTES, parseScan, scanEndIn, scannedContentBytes, type CopyOutResult } from '../src/sandbox/copy-out.js';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { fileEntry, type FileTree } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile, type SandboxProfile } from '../src/sandbox/profile.js';
import { readTarTree, type TarReadResult } from '../src/sandbox/tar.js';
import type { Sandbox } from '../src/sandbox/types.js';

describe('the scan end mark and the archive bound', () => {
  it('finds the empty record only where a record starts, across chunks', () => {
    expect(scanEndIn(Buffer.from('\0'), true)).toBe(0);
    expect(scanEndIn(Buffer.from('f 644 1 8 1 5 1 a\0\0'), true)).toBe(18);
    expect(scanEndIn(Buffer.from('f 644 1 8 1 5 1 a\0'), true)).toBe(-1);
    // The record ended in the chunk before: a NUL first in this one is the mark.
    expect(scanEndIn(Buffer.from('\0'), true)).toBe(0);
    expect(scanEndIn(Buffer.from('\0'), false)).toBe(-1);
    expect(scanEndIn(Buffer.from('a\0d 755 0 8 2 6 1 b\0\0'), false)).toBe(20);
  });

  it("counts a scan's content bytes with a hard-linked inode once", () => {
    const records = parseScan(Buffer.from('f 644 10 8 1 5 1 a\0f 644 7 8 2 6 1 b\0f 644 7 8 2 6 1 c\0d 755 4096 8 2 9 1 d\0l 777 3 0 1 10 1 e\0'));
    expect(scannedContentBytes(records)).toBe(17);
  });

  it('bounds the archive by the content listed and, per entry, its name and headers', () => {
    const records = parseScan(Buffer.from('f 644 3 8 1 5 1 a\0d 755 4096 8 2 6 1 dir\0'));
    expect(archiveBytesBound([])).toBe(1024 + 10_240);
    expect(archiveBytesBound(records) - archiveBytesBound([])).toBe(3 + 1 + 3 + 2 * (3 * 512 + 4096 + 3 * 512));
  });
});

const docker = dockerClient();
const factory = new DockerSandboxFactory(docker);
const runLabel = { 'ibench.test': `copy-out-fast-${process.pid}-${Date.now()}` };
let profile: SandboxProfile;
let sb: Sandbox;

beforeAll(async () => {
  await assertDockerReachable(docker);
  const base = await loadSandboxProfile('python');
  await ensureImage(base, { mode: 'auto', pullTimeoutMs: 20_000 });
  profile = { ...base, limits: { ...base.limits, work: '64m' } };
  sb = await factory.create(profile, runLabel);
}, 900_000);

afterAll(async () => {
  await sb.close();
}, 120_000);

async function sh(script: string): Promise<void> {
  const r = await sb.exec(script, { timeoutMs: 60_000 });
  expect(r.stderr.text).toBe('');
  expect(r.exitCode).toBe(0);
}

/** The daemon's archive of a folder read with the copy-out's caps: what the ordinary path reads. */
async function daemonRead(dir: string): Promise<TarReadResult> {
  return readTarTree(await docker.getContainer(sb.containerId).getArchive({ path: dir }), { stripTop: true, caps: copyOutCaps(profile) });
}

/** A copy-out, and how many archives the daemon made for it. */
async function copyOutCounted(dir: string, caps: Parameters<Sandbox['copyOut']>[1] = {}): Promise<{ copy: CopyOutResult; daemonArchives: number }> {
  // From the next millisecond on: an archive read just before (the reference) is not counted.
  const since = (Date.now() + 1) / 1000;
  const copy = await sb.copyOut(dir, caps);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const events = await docker.getEvents({ since, until: Date.now() / 1000, filters: JSON.stringify({ container: [sb.containerId], event: ['archive-path'] }) });
  let text = '';
  for await (const chunk of events) text += String(chunk);
  return { copy, daemonArchives: text.split('\n').filter((line) => line.trim() !== '').length };
}

/** Both trees hold the same paths, and each path the same entry (kind, mode, content, target, link). */
function expectSameTree(actual: FileTree, expected: FileTree): void {
  const keys = (tree: FileTree): string[] => [...tree.keys()].sort();
  expect(keys(actual)).toEqual(keys(expected));
  for (const [path, entry] of expected) {
    const got = actual.get(path);
    // Contents compared as bytes (a deep equality walks a Buffer one element at a time).
    if (entry.kind === 'file' && got?.kind === 'file') {
      expect({ path, same: got.content.equals(entry.content) }).toEqual({ path, same: true });
      expect({ path, entry: { ...got, content: undefined } }).toEqual({ path, entry: { ...entry, content: undefined } });
    } else expect({ path, entry: got }).toEqual({ path, entry });
  }
}

describe('the fast path reads the same tree as the daemon', () => {
  it('exec bits, read-only files and folders, empty folders, links of every kind, odd and long names, deep paths, a FIFO', async () => {
    const dir = '/work/every-kind';
    const given: FileTree = new Map([
      ['tests/test_a.py', fileEntry('def test_a():\n    assert True\n')],
      ['tests/conftest.py', fileEntry('', 0o644)],
      ['tests', { kind: 'dir', mode: 0o755 }],
      ['bin/run', fileEntry('#!/bin/sh\necho run\n', 0o755)],
      ['data.bin', fileEntry(randomBytes(3 * 1024 * 1024))],
    ]);
    // As an episode puts its protected files: owned by root, every write bit cleared.
    await sb.putTree(dir, given, { readOnly: new Set(['tests', 'tests/test_a.py', 'tests/conftest.py']) });
    const long = 'n'.repeat(150);
    const deep = Array.from({ length: 60 }, (_, i) => `d${i}`).join('/');
    await sh(
      [
        `cd ${dir}`,
        'mkdir -p empty/inner nested/empty && chmod 700 empty/inner',
        'echo keep > ro.txt && chmod 444 ro.txt',
        'mkdir locked && echo in > locked/f && chmod 555 locked',
        'mkdir sgid && chmod 2755 sgid',
        'printf "" > empty-file',
        'printf x > bin/tool && chmod 4711 bin/tool',
        'ln bin/run hard-1 && ln bin/run nested/hard-2',
        // Which path of a hard-link group holds the content follows the order of the walk: "a-b"
        // sorts before "a/x" as a path but after "a" as a name.
        'mkdir a && echo h > a/x && ln a/x a-b && mkdir sticky && chmod 1777 sticky',
        'ln -s bin/run rel && ln -s ../../bin/run nested/empty/up && ln -s /etc/passwd abs && ln -s missing dangling',
        `ln -s "$(printf 'bad\\377target')" bad-target && ln -s "${long}/${long}" long-target`,
        'mkfifo pipe',
        `printf nl > "$(printf 'new\\nline')" && printf u > 'ünïcødé ✓' && printf t > "$(printf 'tab\\there')" && printf b > 'back\\slash'`,
        `mkdir ${long} && printf l > ${long}/${long} && ln ${long}/${long} ${long}/hard-long`,
        `mkdir -p ${deep} && printf deep > ${deep}/bottom`,
      ].join(' && '),
    );
    const reference = await daemonRead(dir);
    const { copy, daemonArchives } = await copyOutCounted(dir);
    expect(daemonArchives).toBe(0);
    expect(copy.complete).toBe(true);
    expectSameTree(copy.tree, reference.tree);
    expect(copy.problems).toEqual(reference.problems);
    // The kinds the tree was made to hold are all there, as they are in the container.
    expect(copy.tree.get('tests/test_a.py')).toEqual({ kind: 'file', content: Buffer.from('def test_a():\n    assert True\n'), mode: 0o444 });
    expect(copy.tree.get('tests')).toEqual({ kind: 'dir', mode: 0o555 });
    expect(copy.tree.get('bin/tool')).toEqual({ kind: 'file', content: Buffer.from('x'), mode: 0o4711 });
    expect(copy.tree.get('sgid')).toEqual({ kind: 'dir', mode: 0o2755 });
    expect(copy.tree.get('a-b')).toEqual({ kind: 'file', content: Buffer.from('h\n'), mode: 0o644, linkTo: 'a/x' });
    expect(copy.tree.get('sticky')).toEqual({ kind: 'dir', mode: 0o1777 });
    expect(copy.tree.get('nested/hard-2')).toEqual({ kind: 'file', content: Buffer.from('#!/bin/sh\necho run\n'), mode: 0o755, linkTo: 'bin/run' });
    expect(copy.tree.get(`${long}/${long}`)).toEqual({ kind: 'file', content: Buffer.from('l'), mode: 0o644, linkTo: `${long}/hard-long` });
    expect(copy.tree.get('long-target')).toEqual({ kind: 'symlink', target: `${long}/${long}` });
    expect(copy.tree.get(`${deep}/bottom`)).toEqual(fileEntry('deep'));
    expect(copy.tree.get('new\nline')).toEqual(fileEntry('nl'));
    expect(copy.tree.has('pipe')).toBe(false);
    expect(copy.problems).toEqual([{ path: 'bad-target', reason: 'left out: its name or link target is not valid UTF-8', sabotage: false }]);
  }, 120_000);

  it('an empty folder', async () => {
    await sh('mkdir /work/nothing');
    const { copy, daemonArchives } = await copyOutCounted('/work/nothing');
    expect(daemonArchives).toBe(0);
    expect(copy).toEqual({ tree: new Map(), problems: [], complete: true });
  }, 60_000);
});

describe('what the fast path cannot take goes the ordinary way, with its result', () => {
  it('a tree of more content than the fast path takes: read by the daemon', async () => {
    const dir = '/work/large';
    await sh(`mkdir ${dir} && head -c ${FAST_ARCHIVE_MAX_BYTES + 1} /dev/urandom > ${dir}/blob && echo small > ${dir}/small`);
    const { copy, daemonArchives } = await copyOutCounted(dir);
    expect(daemonArchives).toBe(1);
    expect(copy.problems).toEqual([]);
    expect(copy.complete).toBe(true);
    expectSameTree(copy.tree, (await daemonRead(dir)).tree);
    const blob = copy.tree.get('blob');
    expect(blob?.kind === 'file' ? blob.content.length : -1).toBe(FAST_ARCHIVE_MAX_BYTES + 1);
  }, 60_000);

  it('a file the agent made unreadable to itself, a folder it cannot list, a socket: each read by the daemon, nothing cut', async () => {
    const cases: Array<[string, string, (tree: FileTree) => void]> = [
      ['file', 'echo hidden > secret && chmod 000 secret', (tree) => expect(tree.get('secret')).toEqual({ kind: 'file', content: Buffer.from('hidden\n'), mode: 0 })],
      ['folder', 'mkdir closed && echo inside > closed/f && chmod 000 closed', (tree) => expect(tree.get('closed/f')).toEqual(fileEntry('inside\n'))],
      ['socket', `python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('sock')"`, (tree) => expect(tree.has('sock')).toBe(false)],
    ];
    for (const [name, script, check] of cases) {
      const dir = `/work/alone-${name}`;
      await sh(`mkdir ${dir} && cd ${dir} && echo plain > plain && ${script}`);
      const { copy, daemonArchives } = await copyOutCounted(dir);
      expect({ name, daemonArchives }).toEqual({ name, daemonArchives: 1 });
      expect(copy.problems).toEqual([]);
      expect(copy.complete).toBe(true);
      expect(copy.tree.get('plain')).toEqual(fileEntry('plain\n'));
      check(copy.tree);
      expectSameTree(copy.tree, (await daemonRead(dir)).tree);
    }
  }, 60_000);

  it('a sparse file over the cap, a name that is not UTF-8 and too many entries: cut in the container, then the daemon', async () => {
    const dir = '/work/cut';
    await sh(
      [
        `mkdir -p ${dir}/junk && cd ${dir}`,
        'truncate -s 1G sparse',
        `printf d > "$(printf 'bad\\377name')"`,
        'for i in $(seq 1 40); do : > junk/f$i; done',
        'echo kept > kept',
      ].join(' && '),
    );
    const { copy, daemonArchives } = await copyOutCounted(dir, { entries: 20 });
    expect(daemonArchives).toBe(1);
    expect(copy.complete).toBe(true);
    expect(copy.problems).toEqual([
      { path: 'bad\\xffname', reason: 'left out: its name is not valid UTF-8', size: 1, sabotage: false },
      { path: 'junk', reason: 'cut: a folder of 40 entries; the tree holds more than the cap of 20', sabotage: true },
      { path: 'sparse', reason: 'cut: 1024.0 MiB apparent size (sparse: 0 bytes allocated), over the 64.0 MiB cap per file', size: 1024 ** 3, sabotage: true },
    ]);
    expect([...copy.tree.keys()]).toEqual(['kept']);
    // What was cut is gone from the container: the daemon's archive holds what the copy holds.
    expectSameTree(copy.tree, (await daemonRead(dir)).tree);
  }, 60_000);
});
