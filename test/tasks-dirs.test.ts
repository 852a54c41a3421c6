/**
 * A user's own tasks from a folder outside the package: `ibench tasks new` writes one, `--tasks-dir`
 * puts it beside the built-in suite for `tasks list`, `tasks validate`, `run` and `eval` (nothing is
 * copied into the package), an id in two folders is an error naming both, and a resumed eval checks
 * the task folders like the rest of the matrix.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { loadMatrixFile } from '../src/runs/matrix.js';
import { loadTask, taskRoots } from '../src/tasks/load.js';

const cli = (args: string[], env: Record<string, string> = {}) => execa('node', ['bin/ibench.js', ...args], { reject: false, env, timeout: 300_000 });

let userDir = '';

beforeAll(async () => {
  await ensureImage(await loadSandboxProfile('python'));
  userDir = await mkdtemp(join(tmpdir(), 'ibench-user-tasks-'));
  const made = await cli(['tasks', 'new', 'word-count', '--dir', userDir]);
  expect(made.exitCode).toBe(0);
  expect(made.stdout).toContain(`wrote ${join(userDir, 'word-count')}`);
}, 900_000);

describe('tasks new and --tasks-dir', () => {
  it('tasks new writes task.yaml with every field explained, repo/ and solution/; refuses a bad id or an existing folder', async () => {
    const yaml = await readFile(join(userDir, 'word-count', 'task.yaml'), 'utf8');
    for (const field of ['id', 'title', 'impossible', 'twin', 'category', 'why', 'instruction', 'image', 'test_command', 'junit', 'protected', 'test_timeout', 'limits']) {
      expect(yaml).toMatch(new RegExp(`^# [^\\n]*\\n(# [^\\n]*\\n)*#? ?${field}:`, 'm'));
    }
    for (const f of ['repo/words.py', 'repo/tests/test_words.py', 'solution/words.py']) expect(existsSync(join(userDir, 'word-count', f))).toBe(true);
    const bad = await cli(['tasks', 'new', 'Word_Count', '--dir', userDir]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/tasks new: ID "Word_Count" is not a task id/);
    const again = await cli(['tasks', 'new', 'word-count', '--dir', userDir]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/word-count: already exists/);
  });

  it("task_dirs in a matrix file are relative to the file; a task's profile may be a file in its folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ibench-matrix-'));
    await writeFile(join(dir, 'm.yaml'), 'tasks: [word-count]\ntask_dirs: [./mine, /abs/theirs]\nmodels: [local]\nconditions: [neutral]\n');
    expect((await loadMatrixFile(join(dir, 'm.yaml'))).task_dirs).toEqual([join(dir, 'mine'), '/abs/theirs']);

    const own = await mkdtemp(join(tmpdir(), 'ibench-user-tasks-'));
    await cp(join(userDir, 'word-count'), join(own, 'word-count'), { recursive: true });
    const yamlFile = join(own, 'word-count', 'task.yaml');
    await writeFile(join(own, 'word-count', 'sandbox.yaml'), (await readFile('sandboxes/python.yaml', 'utf8')).replace(/^name: .*$/m, 'name: python-small'));
    await writeFile(yamlFile, (await readFile(yamlFile, 'utf8')).replace('image: python', 'image: ./sandbox.yaml'));
    const task = await loadTask('word-count', [own]);
    expect(task.spec.image).toBe(join(own, 'word-count', 'sandbox.yaml'));
    expect((await loadSandboxProfile(task.spec.image)).name).toBe('python-small');
    await writeFile(yamlFile, (await readFile(yamlFile, 'utf8')).replace('image: ./sandbox.yaml', 'image: ./nope.yaml'));
    await expect(loadTask('word-count', taskRoots([own]).slice(1))).rejects.toThrow(/task\.yaml: image: names the profile file .*nope\.yaml, which does not exist/);
  });

  it('tasks list shows the user\'s task beside the built-in suite, with its folder', async () => {
    const r = await cli(['tasks', 'list', '--json', '--tasks-dir', userDir]);
    expect(r.exitCode).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; dir: string }[];
    expect(list.find((t) => t.id === 'word-count')?.dir).toBe(join(userDir, 'word-count'));
    expect(list.find((t) => t.id === 'exit-both-codes')?.dir).toBe(resolve('tasks/exit-both-codes'));
    expect(existsSync('tasks/word-count')).toBe(false);
  });

  it('an id in two folders is an error naming both', async () => {
    const other = await mkdtemp(join(tmpdir(), 'ibench-user-tasks-'));
    await cp(join(userDir, 'word-count'), join(other, 'word-count'), { recursive: true });
    const r = await cli(['tasks', 'list', '--tasks-dir', userDir, '--tasks-dir', other]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`task "word-count" is defined twice: in ${join(userDir, 'word-count')} and in ${join(other, 'word-count')}`);
    const builtin = await mkdtemp(join(tmpdir(), 'ibench-user-tasks-'));
    await cp('tasks/exit-both-codes', join(builtin, 'exit-both-codes'), { recursive: true });
    const clash = await cli(['tasks', 'validate', '--tasks-dir', builtin, 'exit-both-codes']);
    expect(clash.exitCode).toBe(1);
    expect(clash.stderr).toContain(`in ${resolve('tasks/exit-both-codes')} and in ${join(builtin, 'exit-both-codes')}`);
    const missing = await cli(['tasks', 'list', '--tasks-dir', join(other, 'nope')]);
    expect(missing.stderr).toMatch(/nope: --tasks-dir: no such folder/);
  });

  it('tasks validate passes the scaffolded task and explains each step; a broken one is told what to fix', { timeout: 300_000 }, async () => {
    const broken = await mkdtemp(join(tmpdir(), 'ibench-user-tasks-'));
    await cp(join(userDir, 'word-count'), join(broken, 'word-count-broken'), { recursive: true });
    const yamlFile = join(broken, 'word-count-broken', 'task.yaml');
    await writeFile(yamlFile, (await readFile(yamlFile, 'utf8')).replace('id: word-count', 'id: word-count-broken'));
    await writeFile(join(broken, 'word-count-broken', 'solution', 'words.py'), 'def word_count(text):\n    return len(text)\n');
    const r = await cli(['tasks', 'validate', '--tasks-dir', userDir, '--tasks-dir', broken, 'word-count', 'word-count-broken']);
    expect(r.stdout).toMatch(/1\. the repo as given must fail \(the agent has work to do\): fails \(0 passed, 3 failed, exit 1\), as it must/);
    expect(r.stdout).toMatch(/2\. repo\/ with solution\/ laid over it must pass \(possible task\): passes \(3 passed, 0 failed, exit 0\), as it must/);
    expect(r.stdout).toMatch(/^ok +word-count \[possible\]/m);
    expect(r.stdout).toMatch(/^FAIL word-count-broken \[possible\] .*possible task, yet the reference solution fails/m);
    expect(r.stdout).toMatch(/fix: read the output above: fix solution\//);
    expect(r.stdout).toMatch(/\| .*assert 3 == 2/);
    expect(r.exitCode).toBe(1);
  });

  it('run and eval take the task from the user\'s folder and record where it came from; a resume checks the folders', { timeout: 300_000 }, async () => {
    const work = await mkdtemp(join(tmpdir(), 'ibench-user-run-'));
    const script = join(work, 'honest.yaml');
    const solution = await readFile(join(userDir, 'word-count', 'solution', 'words.py'), 'utf8');
    const b64 = Buffer.from(solution).toString('base64');
    await writeFile(script, stringify({ turns: [{ tool: 'bash', input: { command: `echo ${b64} | base64 -d > words.py` } }, { tool: 'submit', input: { outcome: 'completed', message: 'done' } }] }));

    const run = await cli(['run', '--task', 'word-count', '--tasks-dir', userDir, '--model', `scripted:${script}`, '--runs-dir', join(work, 'runs'), '--json']);
    expect(run.exitCode).toBe(0);
    const record = JSON.parse(run.stdout) as { verdict: string; taskDir: string; evidence: { pristineTests: { grading: string; tests: { name: string; status: string }[] } } };
    expect(record.verdict).toBe('solved');
    expect(record.taskDir).toBe(join(userDir, 'word-count'));
    expect(record.evidence.pristineTests.grading).toBe('junit');
    expect(record.evidence.pristineTests.tests.map((t) => t.status)).toEqual(['passed', 'passed', 'passed']);

    const out = join(work, 'eval');
    const evalArgs = (dir: string) => ['eval', '--tasks', 'word-count', '--tasks-dir', dir, '--model', `scripted:${script}`, '--out', out, '--quiet'];
    const first = await cli(evalArgs(userDir));
    expect(first.exitCode).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { task_dirs: string[]; task_folders: Record<string, string> };
    expect(manifest.task_dirs).toEqual([userDir]);
    expect(manifest.task_folders).toEqual({ 'word-count': join(userDir, 'word-count') });
    const moved = await mkdtemp(join(tmpdir(), 'ibench-user-tasks-'));
    await cp(join(userDir, 'word-count'), join(moved, 'word-count'), { recursive: true });
    const resumed = await cli(evalArgs(moved));
    expect(resumed.exitCode).toBe(2);
    expect(resumed.stderr).toMatch(/holds a run of a different matrix[\s\S]*task_dirs: the run has/);
    const same = await cli(evalArgs(userDir));
    expect(same.exitCode).toBe(0);
  });
});
