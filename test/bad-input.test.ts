/**
 * The bad-input catalogue, through the built CLI as a process: each bad input is a one-line error
 * naming the flag or file and what is expected (exit 2 for usage), before anything starts; a task
 * whose test command cannot run is a harness error; a broken task.yaml stops only its own task; an
 * eval whose every episode failed exits 1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenTestCommand, looksNotRunnable } from '../src/inspect/test-command.js';
import type { TestRunResult } from '../src/inspect/types.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';

const FLAG_SCRIPT = resolve('test/fixtures/scripts/flag.yaml');

const cli = (args: string[], env: Record<string, string> = {}, timeout = 60_000) =>
  execa('node', [resolve('bin/ibench.js'), ...args], { reject: false, env: { IBENCH_LOG_LEVEL: 'info', ...env }, timeout });

/** The lines the CLI wrote on stderr. */
const lines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.trim() !== '');

/** Asserts a usage error: exit 2, one line, naming `flag` and matching `what`. */
function expectUsage(r: { exitCode?: number; stderr: string }, flag: string, what: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(2);
  expect(lines(r.stderr), r.stderr).toHaveLength(1);
  expect(r.stderr).toContain(flag);
  expect(r.stderr).toMatch(what);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

/** Whether this process may make a read-only bind mount in a mount namespace of its own. */
function canMountReadOnly(): boolean {
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', 'd=$(mktemp -d) && mount --bind "$d" "$d" && mount -o remount,ro,bind "$d" "$d"; r=$?; rmdir "$d" 2>/dev/null; exit $r'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ibench-bad-input-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('output folders', () => {
  it('--out or --runs-dir naming a file, or a path under a file', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    expectUsage(await cli(['run', '--model', `scripted:${FLAG_SCRIPT}`, '--runs-dir', file]), '--runs-dir', /is a file, not a folder/);
    expectUsage(await cli(['eval', '--tasks', 'exit-both-codes', '--model', `scripted:${FLAG_SCRIPT}`, '--out', file]), '--out', /is a file, not a folder/);
    expectUsage(await cli(['run', '--model', `scripted:${FLAG_SCRIPT}`, '--runs-dir', join(file, 'runs')]), '--runs-dir', /a-file is a file, not a folder, so nothing can be created under it/);
    expectUsage(await cli(['eval', '--tasks', 'exit-both-codes', '--model', `scripted:${FLAG_SCRIPT}`, '--out', join(file, 'run')]), '--out', /so nothing can be created under it/);
  });

  it('under /proc, /sys or /dev: refused at once, never a hang', async () => {
    for (const [flag, dir] of [
      ['--runs-dir', '/proc/self/fd'],
      ['--runs-dir', '/sys/kernel/ibench'],
      ['--out', '/dev/ibench-run'],
      ['--out', '/proc/1/ibench'],
    ] as const) {
      const args = flag === '--out' ? ['eval', '--tasks', 'exit-both-codes', '--model', `scripted:${FLAG_SCRIPT}`, '--out', dir] : ['run', '--model', `scripted:${FLAG_SCRIPT}`, '--runs-dir', dir];
      const r = await cli(args, {}, 20_000);
      expectUsage(r, flag, /a kernel file system/);
    }
    // A link to /proc is refused too.
    const link = join(root, 'to-proc');
    execFileSync('ln', ['-s', '/proc/self', link]);
    expectUsage(await cli(['run', '--model', `scripted:${FLAG_SCRIPT}`, '--runs-dir', join(link, 'x')], {}, 20_000), '--runs-dir', /leads \(through a link\) under \/proc/);
  });

  it.skipIf(!canMountReadOnly())('a read-only folder: the real errno (EROFS), named', async () => {
    const ro = join(root, 'read-only');
    await mkdir(ro);
    const node = process.execPath;
    const r = await execa(
      'unshare',
      ['-m', 'sh', '-c', `mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && exec "$2" "$3" run --model "scripted:$4" --runs-dir "$1/runs"`, 'sh', ro, node, resolve('bin/ibench.js'), FLAG_SCRIPT],
      { reject: false, timeout: 60_000 },
    );
    expectUsage(r, '--runs-dir', /cannot write there: read-only file system \(EROFS\); give a folder you can write to/);
    expect(await readdir(ro)).toEqual([]);
  });
});

describe('models and endpoints', () => {
  it('a text file named .gguf is refused by its header, at once', async () => {
    const fake = join(root, 'model.gguf');
    await writeFile(fake, 'this is not a model\n'.repeat(100));
    const started = Date.now();
    const r = await cli(['run', '--model', `local:${fake}`, '--runs-dir', join(root, 'runs-gguf')], {}, 30_000);
    expectUsage(r, `--model local:${fake}`, /is not a GGUF model file \(it starts with "this", not the GGUF magic "GGUF"\)/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a scripted model or condition file that is a device, FIFO or folder: refused, never read', async () => {
    const fifo = join(root, 'script.yaml');
    execFileSync('mkfifo', [fifo]);
    for (const [args, file, what] of [
      [['--model', 'scripted:/dev/zero'], '/dev/zero', /a FIFO, socket or device/],
      [['--model', `scripted:${fifo}`], fifo, /a FIFO, socket or device/],
      [['--model', `scripted:${root}`], root, /a folder/],
      [['--model', `scripted:${FLAG_SCRIPT}`, '--condition', fifo], fifo, /a FIFO, socket or device/],
    ] as const) {
      const r = await cli(['run', ...args, '--runs-dir', join(root, 'runs-files')], {}, 20_000);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain(`${file}: not a regular file`);
      expect(r.stderr).toMatch(what);
    }
  });

  it('--base-url that is not an http(s) URL fails before anything is made', async () => {
    const runs = join(root, 'runs-url');
    for (const url of ['not a url', 'ftp://example.com/v1', 'localhost:8000']) {
      const r = await cli(['run', '--model', 'openai:gpt-4o', '--base-url', url, '--runs-dir', runs], { OPENAI_API_KEY: 'sk-test' });
      expectUsage(r, '--base-url', /expects an http\(s\) URL/);
    }
    const e = await cli(['eval', '--tasks', 'exit-both-codes', '--model', 'openai:gpt-4o', '--base-url', 'not a url', '--out', runs], { OPENAI_API_KEY: 'sk-test' });
    expectUsage(e, '--base-url', /expects an http\(s\) URL/);
    expect(existsSync(runs)).toBe(false);
    const env = await cli(['run', '--model', 'openai:gpt-4o', '--runs-dir', runs], { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'not a url' });
    expect(env.exitCode).toBe(1);
    expect(lines(env.stderr)).toHaveLength(1);
    expect(env.stderr).toMatch(/OPENAI_BASE_URL is "not a url" \(not a URL\)/);
  });

  it('--docker-host that cannot be reached is named in the error', async () => {
    const socket = join(root, 'no-docker.sock');
    const r = await cli(['eval', '--tasks', 'exit-both-codes', '--model', `scripted:${FLAG_SCRIPT}`, '--docker-host', `unix://${socket}`, '--out', join(root, 'run-host')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`Cannot reach the Docker daemon at unix://${socket}`);
    expect(r.stderr).not.toContain('/var/run/docker.sock');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a test command that cannot run', () => {
  const run = (exitCode: number, counts: Partial<TestRunResult> = {}, output = ''): TestRunResult => ({
    exitCode,
    passed: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    timedOut: false,
    ok: false,
    output,
    durationMs: 5,
    ...counts,
  });

  it('is exit 126 or 127 with no test counted', () => {
    expect(looksNotRunnable(run(127))).toBe(true);
    expect(looksNotRunnable(run(126))).toBe(true);
    expect(looksNotRunnable(run(127, { failed: 1 }))).toBe(false);
    expect(looksNotRunnable(run(1))).toBe(false);
    expect(looksNotRunnable(run(127, { timedOut: true }))).toBe(false);
  });

  it("is the task's fault only when the task's own repo fails the same way", () => {
    const missing = run(127, {}, 'bash: line 1: no-such-test-runner: command not found\n');
    expect(brokenTestCommand('no-such-test-runner -q', missing, missing)).toMatch(/exited 127 \(not found\) with no test run, on the task's own repo too: bash: line 1: no-such-test-runner: command not found/);
    // The agent's code ended the run with 127 (os._exit at import): on the task's repo the tests ran.
    expect(brokenTestCommand('python3 -m pytest -q', run(127), run(1, { failed: 6 }))).toBeUndefined();
  });
});

describe('tasks that cannot run', () => {
  let tasks = '';
  beforeAll(async () => {
    await ensureImage(await loadSandboxProfile('python'));
    tasks = join(root, 'tasks');
    await mkdir(tasks);
    const yaml = await readFile('tasks/exit-both-codes/task.yaml', 'utf8');
    // A good task (its twin line dropped: the twin is not in this folder).
    await cp('tasks/exit-both-codes', join(tasks, 'good-task'), { recursive: true });
    await writeFile(join(tasks, 'good-task', 'task.yaml'), yaml.replace('id: exit-both-codes', 'id: good-task').replace(/^twin: .*\n/m, ''));
    // The same task with a test command that does not exist.
    await cp('tasks/exit-both-codes', join(tasks, 'no-runner'), { recursive: true });
    await writeFile(
      join(tasks, 'no-runner', 'task.yaml'),
      yaml.replace('id: exit-both-codes', 'id: no-runner').replace(/^twin: .*\n/m, '').replace('test_command: python3 -m pytest -q', 'test_command: no-such-test-runner -q'),
    );
    // A task whose task.yaml is broken.
    await cp('tasks/exit-both-codes', join(tasks, 'zz-broken'), { recursive: true });
    await writeFile(join(tasks, 'zz-broken', 'task.yaml'), 'id: zz-broken\nimpossible: maybe\n');
  }, 900_000);

  it('a test_command that does not exist is a harness error with its reason, not `flagged`', { timeout: 300_000 }, async () => {
    const r = await cli(['run', '--task', 'no-runner', '--model', `scripted:${FLAG_SCRIPT}`, '--runs-dir', join(root, 'runs-cmd'), '--json'], { IBENCH_TASKS_DIR: tasks }, 300_000);
    expect(r.exitCode, r.stderr).toBe(1);
    const record = JSON.parse(r.stdout) as { verdict: string; error: string | null; evidence: { pristineTests: { exitCode: number } | null } };
    expect(record.verdict).toBe('error');
    expect(record.error).toMatch(/the task's test_command "no-such-test-runner -q" exited 127 \(not found\) with no test run, on the task's own repo too: .*command not found/);
    expect(record.evidence.pristineTests?.exitCode).toBe(127);
  });

  it('one broken task.yaml stops only its own task; the others run', { timeout: 300_000 }, async () => {
    const out = join(root, 'run-broken');
    const r = await cli(['eval', '--tasks', 'good-task,zz-*', '--model', `scripted:${FLAG_SCRIPT}`, '--out', out, '--quiet'], { IBENCH_TASKS_DIR: tasks }, 300_000);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/task zz-broken not run: .*zz-broken\/task\.yaml: title: Required/);
    expect(r.stderr).toMatch(/1 task\(s\) not run, their task\.yaml is broken: zz-broken/);
    const episodes = await readdir(join(out, 'episodes'));
    expect(episodes).toHaveLength(1);
    const record = JSON.parse(await readFile(join(out, 'episodes', episodes[0] ?? '', 'episode.json'), 'utf8')) as { task: string; verdict: string };
    expect(record).toMatchObject({ task: 'good-task', verdict: 'flagged' });
  });

  it('an eval whose every episode failed exits 1', { timeout: 300_000 }, async () => {
    const out = join(root, 'run-all-failed');
    const r = await cli(['eval', '--tasks', 'no-runner', '--model', `scripted:${FLAG_SCRIPT}`, '--out', out, '--retries', '0', '--quiet'], { IBENCH_TASKS_DIR: tasks }, 300_000);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/every episode of the run failed \(1 error\(s\)\)/);
    const [episode] = await readdir(join(out, 'episodes'));
    const record = JSON.parse(await readFile(join(out, 'episodes', episode ?? '', 'episode.json'), 'utf8')) as { verdict: string; error: string | null };
    expect(record.verdict).toBe('error');
    expect(record.error).toMatch(/test_command "no-such-test-runner -q" exited 127/);
  });
});
