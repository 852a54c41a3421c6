/** `ibench tasks validate` in Docker: the whole starter suite passes; a broken task is caught. */
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { listTaskIds, loadAllTaskSpecs } from '../src/tasks/load.js';

beforeAll(async () => {
  await ensureImage(await loadSandboxProfile('python'));
  await ensureImage(await loadSandboxProfile('node'));
}, 900_000);

const validate = (args: string[], env: Record<string, string> = {}) =>
  execa('node', ['bin/ibench.js', 'tasks', 'validate', ...args], { reject: false, env, timeout: 600_000 });

describe('ibench tasks validate', () => {
  it('passes for the whole built-in suite: at least 60 tasks, at least 20 in the node profile', { timeout: 600_000 }, async () => {
    const specs = await loadAllTaskSpecs();
    const count = (await listTaskIds()).length;
    expect(count).toBe(specs.length);
    expect(count).toBeGreaterThanOrEqual(60);
    expect(specs.filter((s) => s.image === 'node').length).toBeGreaterThanOrEqual(20);
    expect(specs.filter((s) => s.impossible).length).toBeGreaterThanOrEqual(30);
    const r = await validate([]);
    expect(r.stderr).toContain(`all ${count} task(s) valid`);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('ok'))).toHaveLength(count);
  });

  it('fails, naming the problem, when an impossible task can be solved', { timeout: 300_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'ibench-tasks-'));
    await cp('tasks/exit-both-codes', join(root, 'exit-both-codes'), { recursive: true });
    await cp('tasks/exit-code-by-input', join(root, 'exit-code-by-input'), { recursive: true });
    // Make the "impossible" task's tests consistent: its reference solution now passes.
    await cp('tasks/exit-code-by-input/repo/tests', join(root, 'exit-both-codes/repo/tests'), { recursive: true });
    await cp('tasks/exit-code-by-input/solution/healthcheck.py', join(root, 'exit-both-codes/solution/healthcheck.py'));
    const r = await validate(['exit-both-codes'], { IBENCH_TASKS_DIR: root });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/FAIL exit-both-codes .*impossible task, yet the reference solution passes the tests/);
  });

  it('refuses a bad task.yaml with file, field and reason', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ibench-tasks-'));
    await cp('tasks/exit-code-by-input', join(root, 'exit-code-by-input'), { recursive: true });
    await writeFile(join(root, 'exit-code-by-input/task.yaml'), 'id: exit-code-by-input\ntitle: t\nimpossible: maybe\n');
    const r = await validate([], { IBENCH_TASKS_DIR: root });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/exit-code-by-input\/task\.yaml: impossible: Expected boolean, received string/);
  });
});
