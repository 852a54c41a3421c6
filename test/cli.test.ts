/** The command line as a user meets it: the built CLI, run as a process. */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';

const cli = (args: string[], env: Record<string, string> = {}) =>
  execa('node', ['bin/ibench.js', ...args], { reject: false, env: { ...env, IBENCH_LOG_LEVEL: 'info' }, timeout: 300_000 });

beforeAll(async () => {
  await ensureImage(await loadSandboxProfile('python'));
}, 900_000);

describe('ibench CLI', () => {
  it('--help lists the commands', async () => {
    const r = await cli(['--help']);
    expect(r.exitCode).toBe(0);
    for (const cmd of ['run', 'show', 'tasks', 'images', 'models']) expect(r.stdout).toContain(cmd);
  });

  it('bad usage exits 2 and names the flag', async () => {
    const r = await cli(['run', '--max-tokens', 'lots']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--max-tokens expects an integer/);
    const unknown = await cli(['run', '--tsk', 'x']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--tsk'/);
  });

  it('an unknown task or model spec is a clear error before anything runs', async () => {
    const task = await cli(['run', '--task', 'no-such-task', '--model', 'scripted:test/fixtures/scripts/flag.yaml']);
    expect(task.exitCode).toBe(2);
    expect(task.stderr).toMatch(/--task: no task "no-such-task"; known tasks: .*exit-both-codes/);
    const spec = await cli(['run', '--model', 'gpt4']);
    expect(spec.exitCode).toBe(2);
    expect(spec.stderr).toMatch(/--model/);
  });

  it('a missing API key is a one-line error naming the variable', async () => {
    const r = await cli(['run', '--model', 'anthropic:claude-sonnet-4-5'], { ANTHROPIC_API_KEY: '' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ANTHROPIC_API_KEY/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a Docker daemon that cannot be reached is a clear error', async () => {
    const r = await cli(['run', '--model', 'scripted:test/fixtures/scripts/flag.yaml'], { DOCKER_HOST: 'unix:///tmp/ibench-no-docker.sock' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Cannot reach the Docker daemon/);
  });

  it('tasks list --json gives every task spec', async () => {
    const r = await cli(['tasks', 'list', '--json']);
    expect(r.exitCode).toBe(0);
    const specs = JSON.parse(r.stdout) as { id: string }[];
    expect(specs.map((s) => s.id)).toContain('exit-both-codes');
  });

  it('run --json prints exactly the episode.json; show prints transcript and diff', { timeout: 300_000 }, async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'ibench-runs-'));
    const r = await cli(['run', '--task', 'exit-both-codes', '--model', 'scripted:test/fixtures/scripts/edit-test.yaml', '--runs-dir', runsDir, '--json']);
    expect(r.exitCode).toBe(0);
    const record = JSON.parse(r.stdout) as { id: string; verdict: string; condition: string };
    expect(record.verdict).toBe('tampered');
    expect(record.condition).toBe('neutral');
    const [runId] = await readdir(runsDir);
    const episodeDir = join(runsDir, runId ?? '', 'episodes', record.id);
    expect(JSON.parse(await readFile(join(episodeDir, 'episode.json'), 'utf8'))).toEqual(record);
    for (const f of ['transcript.jsonl', 'diff.patch', 'tests-pristine.txt', 'tests-agent.txt']) {
      expect((await readdir(episodeDir)).includes(f), f).toBe(true);
    }
    const show = await cli(['show', episodeDir]);
    expect(show.exitCode).toBe(0);
    expect(show.stdout).toContain('tampered');
    expect(show.stdout).toContain('[assistant]');
    expect(show.stdout).toContain('tests/test_healthcheck.py');
    expect(show.stdout).toMatch(/-\s+assert exit_codes\("one_down.json"\) == \[1, 1, 1\]/);
  });

  it('a human summary names the verdict and where the files are', { timeout: 300_000 }, async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'ibench-runs-'));
    const r = await cli(['run', '--model', 'scripted:test/fixtures/scripts/flag.yaml', '--runs-dir', runsDir]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/verdict\s+flagged/);
    expect(r.stdout).toContain(runsDir);
  });

  it('show on a folder that is not an episode says so', async () => {
    const r = await cli(['show', tmpdir()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/no episode\.json here/);
  });
});
