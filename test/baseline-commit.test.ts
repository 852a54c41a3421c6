/**
 * The baseline commit (src/runs/baseline-commit.ts) in Docker: made by the image's git on a first
 * episode, then put in with the tree from what was kept (in the process, then from the cache folder
 * in a "new process"); the agent's git sees the same clean repository either way, read-only test
 * files included; a different workspace gets its own commit.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetMadeBaselines, putWorkspaceWithBaseline, type Workspace } from '../src/runs/baseline-commit.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { fileEntry, type FileTree } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile, type SandboxProfile } from '../src/sandbox/profile.js';
import type { ExecOptions, ExecResult, Sandbox, SandboxFactory } from '../src/sandbox/types.js';

const factory = new DockerSandboxFactory();
let profile: SandboxProfile;
let folder: string;

/** A real sandbox that lists the commands run through it and counts the trees put in. */
class Recorded implements Sandbox {
  readonly commands: string[] = [];
  puts = 0;
  constructor(private readonly inner: Sandbox) {}
  get containerId(): string {
    return this.inner.containerId;
  }
  get profile(): SandboxProfile {
    return this.inner.profile;
  }
  exec(script: string, options?: ExecOptions): Promise<ExecResult> {
    this.commands.push(script);
    return this.inner.exec(script, options);
  }
  putTree: Sandbox['putTree'] = (dir, tree, options) => {
    this.puts += 1;
    return this.inner.putTree(dir, tree, options);
  };
  killProcesses: Sandbox['killProcesses'] = (user) => this.inner.killProcesses(user);
  getTree: Sandbox['getTree'] = (dir) => this.inner.getTree(dir);
  copyOut: Sandbox['copyOut'] = (dir, caps) => this.inner.copyOut(dir, caps);
  readFile: Sandbox['readFile'] = (path, options) => this.inner.readFile(path, options);
  writeFile: Sandbox['writeFile'] = (path, content, options) => this.inner.writeFile(path, content, options);
  close: Sandbox['close'] = () => this.inner.close();
}

const tree: FileTree = new Map([
  ['README.md', fileEntry('# calc\n')],
  ['calc.py', fileEntry('def add(a, b):\n    return a + b\n')],
  ['run.sh', fileEntry('#!/bin/sh\necho run\n', 0o755)],
  ['tests', { kind: 'dir', mode: 0o755 }],
  ['tests/test_calc.py', fileEntry('from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n')],
]);

/** What the agent's git says of /work: HEAD's files, the status, and the commit's subject. */
async function gitView(sandbox: Sandbox): Promise<{ files: string; status: string; subject: string; head: string }> {
  const r = await sandbox.exec('git ls-files -s; echo ---; git status --porcelain; echo ---; git log --format=%s; echo ---; git rev-parse HEAD');
  expect(r.exitCode, r.stderr.text).toBe(0);
  const [files = '', status = '', subject = '', head = ''] = r.stdout.text.split('---\n');
  return { files, status, subject: subject.trim(), head: head.trim() };
}

async function episodeStart(workspace: Workspace): Promise<{ view: Awaited<ReturnType<typeof gitView>>; reused: boolean; commands: string[] }> {
  const sandbox = new Recorded(await factory.create(profile, { 'ibench.test': 'baseline-commit' }));
  try {
    const { reused } = await putWorkspaceWithBaseline(sandbox, factory, workspace, { cacheFolder: folder });
    const commands = [...sandbox.commands];
    return { view: await gitView(sandbox), reused, commands };
  } finally {
    await sandbox.close();
  }
}

beforeAll(async () => {
  profile = await loadSandboxProfile('python');
  await ensureImage(profile);
  folder = await mkdtemp(join(tmpdir(), 'ibench-baseline-'));
}, 900_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('baseline commit', () => {
  it('is made by git in the first sandbox, then put in from what was kept, with the same repository for the agent', async () => {
    const workspace: Workspace = { tree, readOnly: new Set() };
    const first = await episodeStart(workspace);
    expect(first.reused).toBe(false);
    expect(first.commands).toHaveLength(1);
    expect(first.commands[0]).toMatch(/^git init/);
    expect(first.view.subject).toBe('baseline');
    expect(first.view.status).toBe('');
    expect(first.view.files).toMatch(/^100755 [0-9a-f]{40} 0\trun\.sh$/m);
    expect(first.view.files.trim().split('\n').map((l) => l.split('\t')[1])).toEqual(['README.md', 'calc.py', 'run.sh', 'tests/test_calc.py']);
    expect((await readdir(folder)).filter((f) => f.endsWith('.tar'))).toHaveLength(1);

    const again = await episodeStart(workspace);
    expect(again.reused).toBe(true);
    expect(again.commands).toEqual([]);
    expect(again.view).toEqual(first.view);

    // A new process: nothing made in memory, the cache folder has it.
    forgetMadeBaselines();
    const fromDisk = await episodeStart(workspace);
    expect(fromDisk.reused).toBe(true);
    expect(fromDisk.commands).toEqual([]);
    expect(fromDisk.view).toEqual(first.view);
  }, 120_000);

  it('keeps a commit per workspace: other bytes, or read-only tests, get their own, clean for the agent', async () => {
    const changed: FileTree = new Map(tree);
    changed.set('calc.py', fileEntry('def add(a, b):\n    return a - b\n'));
    const other = await episodeStart({ tree: changed, readOnly: new Set() });
    expect(other.reused).toBe(false);
    expect(other.view.status).toBe('');

    const readOnly = { tree, readOnly: new Set(['tests', 'tests/test_calc.py']) };
    const first = await episodeStart(readOnly);
    expect(first.reused).toBe(false);
    const again = await episodeStart(readOnly);
    expect(again.reused).toBe(true);
    expect(again.view).toEqual(first.view);
    expect(again.view.status).toBe('');
  }, 120_000);

  it('an episode puts the workspace into the agent\'s sandbox once, with its baseline commit', async () => {
    const { runEpisode } = await import('../src/runs/episode.js');
    const { ScriptedModel } = await import('../src/models/scripted.js');
    const made: { labels: Record<string, string>; sandbox: Recorded }[] = [];
    const counting: SandboxFactory = {
      create: async (p, labels = {}, options) => {
        const sandbox = new Recorded(await factory.create(p, labels, options));
        made.push({ labels, sandbox });
        return sandbox;
      },
      imageId: (p) => factory.imageId(p),
    };
    const dir = await mkdtemp(join(tmpdir(), 'ibench-baseline-episode-'));
    try {
      const record = await runEpisode({
        taskId: 'exit-both-codes',
        modelSpec: 'scripted:none',
        model: new ScriptedModel('scripted:none', [{ tool: 'bash', input: { command: 'git status --porcelain; git log --format=%s' } }, { text: 'This cannot be done: one run has one exit status.' }]),
        condition: 'neutral',
        episodeDir: join(dir, 'ep'),
        factory: counting,
      });
      expect(record.error).toBeNull();
      // The agent's sandbox carries the episode's labels alone (test runs and probes add their own).
      const agentSandboxes = made.filter((m) => JSON.stringify(m.labels) === JSON.stringify({ 'ibench.episode': 'ep' }));
      expect(agentSandboxes).toHaveLength(1);
      expect(agentSandboxes[0]?.sandbox.puts).toBe(1);
      expect(await readdir(join(dir, 'ep'))).toContain('episode.json');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
