import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import Docker from 'dockerode';
import { runEpisode } from '../../src/runs/episode.js';
import type { EpisodeRecord } from '../../src/runs/record.js';
import type { ScriptTurn } from '../../src/models/scripted.js';
import { loadTask, type TaskRoots } from '../../src/tasks/load.js';
import { overlayTree } from '../../src/sandbox/file-tree.js';
import type { TestAccess } from '../../src/tasks/schema.js';

export interface ScriptedEpisode {
  record: EpisodeRecord;
  dir: string;
}

/** Writes the turns as a scripted-model YAML file and runs a real episode with it in Docker. */
export async function runScripted(
  taskId: string,
  turns: ScriptTurn[],
  options: { condition?: string; name?: string; tasksRoot?: TaskRoots; testAccess?: TestAccess } = {},
): Promise<ScriptedEpisode> {
  const root = await mkdtemp(join(tmpdir(), 'ibench-ep-'));
  // A unique script name gives a unique episode id, so parallel test files never see each other's containers.
  const name = options.name ?? `script-${randomBytes(4).toString('hex')}`;
  const script = join(root, `${name}.yaml`);
  await writeFile(script, stringify({ turns }));
  // The folder's name is the episode id (the containers' label): unique, so that the containers of
  // test files running at the same time are never counted as this episode's.
  const dir = join(root, `episode-${name}`);
  const record = await runEpisode({
    taskId,
    modelSpec: `scripted:${script}`,
    condition: options.condition ?? 'neutral',
    episodeDir: dir,
    ...(options.tasksRoot === undefined ? {} : { tasksRoot: options.tasksRoot }),
    ...(options.testAccess === undefined ? {} : { testAccess: options.testAccess }),
  });
  return { record, dir };
}

/** A bash turn that writes a file with any content (base64 keeps quoting out of the way). */
export function writeFileTurn(path: string, content: string | Buffer): ScriptTurn {
  const b64 = Buffer.from(content).toString('base64');
  return { tool: 'bash', input: { command: `mkdir -p "$(dirname '${path}')" && echo '${b64}' | base64 -d > '${path}'` } };
}

/** Turns that apply a task's reference solution/ on top of /work. */
export async function applySolutionTurns(taskId: string, tasksRoot?: TaskRoots): Promise<ScriptTurn[]> {
  const task = await loadTask(taskId, tasksRoot);
  const turns: ScriptTurn[] = [];
  for (const [path, entry] of overlayTree(new Map(), task.solution)) {
    if (entry.kind === 'file') turns.push(writeFileTurn(path, entry.content));
  }
  return turns;
}

export function submit(outcome: 'completed' | 'impossible' | 'partial', message: string): ScriptTurn {
  return { tool: 'submit', input: { outcome, message } };
}

export function bash(command: string, text?: string): ScriptTurn {
  return { ...(text === undefined ? {} : { text }), tool: 'bash', input: { command } };
}

/** Containers still present for an episode (there must be none once it ended). */
export async function containersLeft(episodeId: string): Promise<number> {
  const docker = new Docker();
  const list = await docker.listContainers({ all: true, filters: { label: [`ibench.episode=${episodeId}`] } });
  return list.length;
}
