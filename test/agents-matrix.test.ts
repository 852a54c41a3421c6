/**
 * The agent as a dimension of an eval: `agents:` / `--agent` cross the plan, run.json records them,
 * a run made before agents existed resumes unchanged, a new agent extends a run, and an unknown name
 * (or --agent on `qa`) is a one-line usage error.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { knownAgentNames } from '../src/runs/agents.js';
import { episodeId } from '../src/runs/episode.js';
import { matrixSchema, planEpisodes, shuffleSeeded } from '../src/runs/matrix.js';
import { compareManifests, manifestFor, openRunDir, type RunManifest } from '../src/runs/run-dir.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';

const cli = (args: string[]) => execa('node', ['bin/ibench.js', ...args], { reject: false, env: { NO_COLOR: '1' }, timeout: 120_000 });

const tasks = ['exit-both-codes', 'exit-code-by-input'];
const conditions = ['neutral', 'must-pass'];

describe('the plan', () => {
  it('a matrix without agents is the builtin loop: the ids and the shuffled order are those made before agents existed', () => {
    const matrix = matrixSchema.parse({ tasks, models: ['scripted:a.yaml', 'scripted:b.yaml'], conditions, epochs: 2, seed: 7 });
    expect(matrix.agents).toEqual(['builtin']);
    const before: string[] = [];
    for (const task of tasks) for (const model of matrix.models) for (const condition of conditions) for (let e = 0; e < 2; e++) before.push(`${task}__${model.replace('scripted:', 'scripted-').replace('.yaml', '')}__${condition}__e${e}`);
    expect(planEpisodes(tasks, matrix, conditions).map((p) => p.id)).toEqual(shuffleSeeded(before, 7));
    expect(planEpisodes(tasks, matrix, conditions).every((p) => p.agent === 'builtin')).toBe(true);
  });

  it('crosses agents x models x conditions x epochs, each id naming its agent unless builtin', () => {
    const matrix = matrixSchema.parse({ tasks, models: ['scripted:a.yaml'], agents: ['builtin', 'claude-code'], conditions, epochs: 2 });
    const plan = planEpisodes(tasks, matrix, conditions);
    expect(plan).toHaveLength(2 * 2 * 1 * 2 * 2);
    for (const p of plan) expect(p.id).toBe(episodeId(p.task, p.model, p.condition, p.epoch, p.agent));
    expect(plan.filter((p) => p.agent === 'claude-code').map((p) => p.id).sort()[0]).toBe('exit-both-codes__claude-code__scripted-a__must-pass__e0');
    expect(new Set(plan.map((p) => p.agent))).toEqual(new Set(['builtin', 'claude-code']));
  });

  it('the same agent twice gives the same ids: refused', () => {
    const matrix = matrixSchema.parse({ tasks, models: ['scripted:a.yaml'], agents: ['codex', 'codex'], conditions });
    expect(() => planEpisodes(tasks, matrix, conditions)).toThrow(/two agents, models or conditions give the same episode id/);
  });
});

const old: RunManifest = {
  kind: 'eval',
  createdAt: '2026-11-01T00:00:00.000Z',
  tasks,
  task_dirs: [],
  models: ['scripted:a.yaml'],
  conditions: ['neutral'],
  epochs: 1,
  seed: 1,
  max_episodes: null,
  settings: {},
  limits: {},
};

describe('run.json', () => {
  it('records the agents of a new run', () => {
    const matrix = matrixSchema.parse({ tasks, models: ['scripted:a.yaml'], agents: ['builtin', 'codex'], conditions: ['neutral'] });
    expect(manifestFor(matrix, tasks, ['neutral']).agents).toEqual(['builtin', 'codex']);
  });

  it('a run.json written before agents existed reads as [builtin]: the same matrix resumes and the file is left as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibench-agents-'));
    const text = `${JSON.stringify(old, null, 2)}\n`;
    writeFileSync(join(dir, 'run.json'), text);
    const matrix = matrixSchema.parse({ tasks, models: old.models, conditions: old.conditions });
    expect(await openRunDir(dir, manifestFor(matrix, tasks, old.conditions))).toEqual({ resumed: true, extension: null });
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe(text);
  });

  it('a new agent extends the run, and the extension names it; dropping an agent is another matrix', async () => {
    expect(compareManifests(old, { ...old, agents: ['builtin', 'claude-code'] })).toEqual({ differences: [], added: { tasks: [], task_dirs: [], models: [], conditions: [], agents: ['claude-code'] } });
    // A new model alone: the extension has no agents key, as before agents existed.
    expect(compareManifests({ ...old, agents: ['builtin'] }, { ...old, agents: ['builtin'], models: [...old.models, 'scripted:b.yaml'] }).added).toEqual({ tasks: [], task_dirs: [], models: ['scripted:b.yaml'], conditions: [] });
    const dropped = compareManifests(old, { ...old, agents: ['codex'] });
    expect(dropped.added).toBeNull();
    expect(dropped.differences).toEqual(['agents: the run has ["builtin"], this command asks for ["codex"]']);

    const dir = mkdtempSync(join(tmpdir(), 'ibench-agents-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify(old));
    const matrix = matrixSchema.parse({ tasks, models: old.models, agents: ['builtin', 'codex'], conditions: old.conditions });
    const { resumed, extension } = await openRunDir(dir, manifestFor(matrix, tasks, old.conditions));
    expect(resumed).toBe(true);
    expect(extension).toMatchObject({ agents: ['codex'], models: [] });
    const written = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunManifest;
    expect(written.agents).toEqual(['builtin', 'codex']);
    expect(written.createdAt).toBe(old.createdAt);
    // Only the new agent's episodes are new in the plan.
    const before = new Set(planEpisodes(tasks, matrixSchema.parse({ tasks, models: old.models, conditions: old.conditions }), old.conditions).map((p) => p.id));
    const added = planEpisodes(tasks, matrix, old.conditions).filter((p) => !before.has(p.id));
    expect(added.map((p) => p.agent)).toEqual(['codex', 'codex']);
  });
});

describe('unknown agents and qa', () => {
  it('eval --agent NAME: one line naming the flag and the agents, exit 2', async () => {
    const r = await cli(['eval', '--tasks', 'exit-both-codes', '--model', 'scripted:x.yaml', '--agent', 'aider', '--out', join(tmpdir(), 'never-agents')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`error --agent: no agent "aider"; the agents are ${knownAgentNames.join(', ')}`);
  });

  it('agents: in a matrix file: one line naming the file and field, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibench-agents-'));
    const file = join(dir, 'matrix.yaml');
    writeFileSync(file, 'tasks: [exit-both-codes]\nmodels: [scripted:x.yaml]\nagents: [builtin, gemini]\nconditions: [neutral]\n');
    const r = await cli(['eval', file, '--out', join(dir, 'out')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`error ${file}: agents: no agent "gemini"; the agents are ${knownAgentNames.join(', ')}`);
  });

  it('qa --agent is refused with a reason', async () => {
    const r = await cli(['qa', '--set', 'bsbench', '--model', 'scripted:x.yaml', '--agent', 'claude-code', '--out', join(tmpdir(), 'never-qa')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('error --agent: `ibench qa` asks the model single questions, with no agent; use `ibench eval --agent` for agents');
  });

  it('eval --help lists --agent', async () => {
    expect((await cli(['eval', '--help'])).stdout).toContain('--agent <name>');
  });
});

describe('ibench eval with the builtin loop, in Docker', () => {
  beforeAll(async () => {
    await ensureImage(await loadSandboxProfile('python'));
  }, 900_000);

  it('records agent builtin and run.json agents; a run.json from before agents resumes with nothing to run', { timeout: 300_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ibench-agents-eval-')), 'run');
    const args = ['eval', '--tasks', 'exit-both-codes', '--model', 'scripted:test/fixtures/scripts/eval/flag.yaml', '--agent', 'builtin', '--out', out, '--jsonl'];
    const first = await cli(args);
    expect(first.exitCode, first.stderr).toBe(0);
    const id = 'exit-both-codes__scripted-flag__neutral__e0';
    expect(JSON.parse(readFileSync(join(out, 'episodes', id, 'episode.json'), 'utf8'))).toMatchObject({ id, agent: 'builtin', verdict: 'flagged' });
    const manifest = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunManifest;
    expect(manifest.agents).toEqual(['builtin']);
    // As a run made before agents existed left it.
    delete manifest.agents;
    const text = JSON.stringify(manifest);
    writeFileSync(join(out, 'run.json'), text);
    const again = await cli(args.filter((a) => a !== '--agent' && a !== 'builtin'));
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('"total":1,"alreadyDone":1,"resumed":true');
    expect(again.stdout).not.toContain('"extension"');
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(text);
    // The report of a builtin-only run has no agent column.
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| model | condition | n |');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).not.toContain('| agent |');
  });
});
