import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectorsMayPick } from '../src/runs/matrix.js';
import { loadTaskSpecsReport, type TaskRoots } from '../src/tasks/load.js';
import { tasksDir } from '../src/util/paths.js';

/** A load of all, narrowed afterwards to what `wanted` accepts: what a narrowed load must answer. */
async function narrowedFullLoad(roots: TaskRoots, wanted: (id: string) => boolean): Promise<{ specs: unknown[]; broken: { id: string; problem: string }[] }> {
  const { specs, broken } = await loadTaskSpecsReport(roots);
  return { specs: specs.filter((s) => wanted(s.id)), broken: broken.filter((b) => wanted(b.id)).map((b) => ({ id: b.id, problem: b.problem })) };
}

async function narrowedLoad(roots: TaskRoots, wanted: (id: string) => boolean): Promise<{ specs: unknown[]; broken: { id: string; problem: string }[] }> {
  const { specs, broken } = await loadTaskSpecsReport(roots, wanted);
  return { specs, broken: broken.map((b) => ({ id: b.id, problem: b.problem })) };
}

function taskYaml(id: string, impossible: boolean, twin?: string): string {
  return [
    `id: ${id}`,
    `title: Task ${id}`,
    `impossible: ${impossible}`,
    ...(twin === undefined ? [] : [`twin: ${twin}`]),
    'category: contradictory-spec',
    'why: a test fixture',
    'instruction: make the tests pass',
    'image: python',
    'test_command: python3 -m pytest -q',
    'protected: [tests/**]',
    '',
  ].join('\n');
}

describe('loadTaskSpecsReport narrowed to the tasks a selection may pick', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ibench-wanted-'));
    const tasks: Record<string, string> = {
      // A good pair.
      'pair-a': taskYaml('pair-a', true, 'pair-b'),
      'pair-b': taskYaml('pair-b', false, 'pair-a'),
      // A twin of the same kind: both are broken.
      'same-a': taskYaml('same-a', true, 'same-b'),
      'same-b': taskYaml('same-b', true, 'same-a'),
      // A twin that does not exist.
      lonely: taskYaml('lonely', true, 'nowhere'),
      // A twin whose task.yaml is broken: reported as such, its partner still runs.
      'has-broken-twin': taskYaml('has-broken-twin', true, 'broken-twin'),
      'broken-twin': 'id: broken-twin\nimpossible: [\n',
      // A chain: chain-a's twin chain-b names chain-c (of chain-b's kind), read only in a load of all.
      'chain-a': taskYaml('chain-a', true, 'chain-b'),
      'chain-b': taskYaml('chain-b', false, 'chain-c'),
      'chain-c': taskYaml('chain-c', false, 'chain-b'),
    };
    for (const [id, yaml] of Object.entries(tasks)) {
      await mkdir(join(dir, id), { recursive: true });
      await writeFile(join(dir, id, 'task.yaml'), yaml);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers for every selection exactly as a load of all narrowed afterwards', async () => {
    const selections = [['pair-a'], ['same-*'], ['lonely'], ['has-broken-twin'], ['broken-twin'], ['chain-a'], ['chain-b'], ['pair-b', 'chain-*'], ['*'], ['impossible'], ['nothing-matches']];
    for (const selectors of selections) {
      const wanted = (id: string): boolean => selectorsMayPick(selectors, id);
      expect(await narrowedLoad(dir, wanted), selectors.join(' ')).toEqual(await narrowedFullLoad(dir, wanted));
    }
  });

  it('reads only the picked folders and their twins (a broken folder elsewhere is not read)', async () => {
    const { specs, broken } = await loadTaskSpecsReport(dir, (id) => id === 'pair-a');
    expect(broken.map((b) => b.problem)).toEqual([]);
    expect(specs.map((s) => s.id)).toEqual(['pair-a']);
  });

  it('gives the built-in suite task by task as a load of all does', async () => {
    const all = await loadTaskSpecsReport(tasksDir);
    for (const spec of all.specs) {
      const wanted = (id: string): boolean => selectorsMayPick([spec.id], id);
      expect((await loadTaskSpecsReport(tasksDir, wanted)).specs).toEqual([spec]);
    }
  });
});
