/** Bad outside input is refused with the file, the field and what is expected. */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCondition, renderUserTurn, listConditionNames } from '../src/agent/condition.js';
import { ScriptedModel } from '../src/models/scripted.js';
import { loadAllTaskSpecs, loadTask, loadTaskSpec } from '../src/tasks/load.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';

async function taskDir(id: string, yaml: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ibench-task-'));
  const dir = join(root, id);
  await mkdir(join(dir, 'repo'), { recursive: true });
  await mkdir(join(dir, 'solution'), { recursive: true });
  await writeFile(join(dir, 'task.yaml'), yaml);
  return dir;
}

const good = `id: t1
title: A task
impossible: true
category: contradictory-spec
why: because
instruction: do it
test_command: python3 -m pytest -q
protected: [tests/**]
`;

describe('task.yaml validation', () => {
  it('accepts a good file and fills defaults', async () => {
    const spec = await loadTaskSpec(await taskDir('t1', good));
    expect(spec.image).toBe('python');
    expect(spec.limits).toEqual({ steps: 40, seconds: 900 });
    expect(spec.test_timeout).toBe(120);
  });

  it('names the file, the field and the reason', async () => {
    const dir = await taskDir('t1', good.replace('contradictory-spec', 'vibes'));
    await expect(loadTaskSpec(dir)).rejects.toThrow(new RegExp(`${join(dir, 'task.yaml')}: category: Invalid enum value.*contradictory-spec`));
    const missing = await taskDir('t1', good.replace('why: because\n', ''));
    await expect(loadTaskSpec(missing)).rejects.toThrow(/task\.yaml: why: Required/);
    const limits = await taskDir('t1', `${good}limits: { steps: -3 }\n`);
    await expect(loadTaskSpec(limits)).rejects.toThrow(/task\.yaml: limits\.steps: Number must be greater than 0/);
    const unknown = await taskDir('t1', `${good}colour: red\n`);
    await expect(loadTaskSpec(unknown)).rejects.toThrow(/Unrecognized key\(s\) in object: 'colour'/);
  });

  it('refuses bad YAML, an id that is not the folder name, and a missing repo/', async () => {
    await expect(loadTaskSpec(await taskDir('t1', 'id: [unclosed'))).rejects.toThrow(/task\.yaml: not valid YAML/);
    await expect(loadTaskSpec(await taskDir('t2', good))).rejects.toThrow(/task\.yaml: id: "t1" must equal the folder name "t2"/);
    await expect(loadTask('nope', await mkdtemp(join(tmpdir(), 'ibench-empty-')))).rejects.toThrow(/no task "nope"/);
  });

  it('the starter suite loads, with twins pointing both ways', async () => {
    const specs = await loadAllTaskSpecs();
    expect(specs.length).toBeGreaterThanOrEqual(12);
    for (const spec of specs) {
      const twin = specs.find((s) => s.id === spec.twin);
      expect(twin?.twin, spec.id).toBe(spec.id);
      expect(twin?.impossible, spec.id).toBe(!spec.impossible);
    }
  });
});

describe('conditions', () => {
  it('has the built-in conditions of DESIGN.md', async () => {
    expect(await listConditionNames()).toEqual(expect.arrayContaining(['neutral', 'expert', 'stakes', 'must-pass', 'permission', 'pushback']));
    const expert = await loadCondition('expert');
    expect(expert.system).toMatch(/expert software engineer who can complete any task/);
    const pushback = await loadCondition('pushback');
    expect(pushback.pushback.length).toBeGreaterThan(0);
  });

  it('renders the user turn around the instruction, with the permission text', async () => {
    const permission = await loadCondition('permission');
    const turn = renderUserTurn(permission, 'Implement healthcheck.py.');
    expect(turn.startsWith('Implement healthcheck.py.')).toBe(true);
    expect(turn).toContain('Submit with outcome "impossible"');
  });

  it('loads a condition file by path and refuses a bad one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ibench-cond-'));
    await writeFile(join(dir, 'mine.yaml'), 'name: mine\ndescription: d\nsystem: s\nuser: "Do: {{instruction}}"\n');
    expect((await loadCondition(join(dir, 'mine.yaml'))).name).toBe('mine');
    await writeFile(join(dir, 'bad.yaml'), 'name: bad\ndescription: d\nsystem: s\nuser: no placeholder\n');
    await expect(loadCondition(join(dir, 'bad.yaml'))).rejects.toThrow(/bad\.yaml: user: must contain \{\{instruction\}\}/);
    await expect(loadCondition('no-such-condition')).rejects.toThrow(/no condition "no-such-condition"; built in: .*neutral/);
  });
});

describe('scripted model files', () => {
  it('replays turns: words, tool calls, malformed arguments, then a final answer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ibench-script-'));
    const file = join(dir, 's.yaml');
    await writeFile(
      file,
      'turns:\n  - text: "Let me look."\n    tool: bash\n    input: { command: ls }\n  - tool: edit\n    raw_input: "{not json"\n  - text: "Done."\n',
    );
    const model = await ScriptedModel.fromFile(file);
    const first = await model.generate([], []);
    expect(first.text).toBe('Let me look.');
    expect(first.toolCalls).toEqual([{ id: 'call_1', name: 'bash', arguments: { command: 'ls' } }]);
    const second = await model.generate([], []);
    expect(second.toolCalls[0]?.argumentsError).toMatch(/not valid JSON/);
    const third = await model.generate([], []);
    expect(third).toMatchObject({ text: 'Done.', toolCalls: [], stopReason: 'end' });
    expect((await model.generate([], [])).toolCalls).toEqual([]);
  });

  it('refuses a bad file with the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ibench-script-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'turns:\n  - input: { command: ls }\n');
    await expect(ScriptedModel.fromFile(file)).rejects.toThrow(/bad\.yaml: turns\.0: a turn needs text, a tool, or both/);
    await expect(ScriptedModel.fromFile(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read/);
  });
});

describe('sandbox profiles', () => {
  it('loads the python profile and refuses unknown names', async () => {
    const profile = await loadSandboxProfile('python');
    expect(profile.user.uid).toBe(1000);
    expect(profile.network).toBe('none');
    await expect(loadSandboxProfile('cobol')).rejects.toThrow(/no sandbox profile named "cobol"/);
  });
});
