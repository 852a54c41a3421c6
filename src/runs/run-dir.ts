import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../util/atomic.js';
import { UsageError } from '../util/errors.js';
import { readValidatedFile } from '../util/validated-file.js';
import { BUILTIN_AGENT } from './agents.js';
import type { Matrix } from './matrix.js';

/** What an `eval --out EXISTING` with a larger matrix added to the run. */
export const runExtensionSchema = z
  .object({
    at: z.string(),
    tasks: z.array(z.string()),
    task_dirs: z.array(z.string()),
    models: z.array(z.string()),
    /** Agents added (absent in extensions recorded before agents were kept, and when none was added). */
    agents: z.array(z.string()).optional(),
    conditions: z.array(z.string()),
    /** The number of epochs before and after, when it grew. */
    epochs: z.object({ from: z.number().int(), to: z.number().int() }).optional(),
  })
  .strict();

export type RunExtension = z.infer<typeof runExtensionSchema>;

/** What a run directory was made for: a resumed run asks for the same; an extended eval for a superset. */
export const runManifestSchema = z
  .object({
    /** `eval`: agentic episodes; `single`: one episode from `ibench run`; `qa`: question sets (`tasks` then holds the item ids). */
    kind: z.enum(['eval', 'single', 'qa']),
    createdAt: z.string(),
    tasks: z.array(z.string()),
    /** The user's task folders beside the built-in suite (absolute). */
    task_dirs: z.array(z.string()).optional(),
    /** Where each task of the run came from: id -> its folder. */
    task_folders: z.record(z.string()).optional(),
    models: z.array(z.string()),
    /** An eval's agents (absent in runs made before agents were kept: the builtin loop alone). */
    agents: z.array(z.string()).optional(),
    conditions: z.array(z.string()),
    epochs: z.number().int(),
    seed: z.number().int(),
    max_episodes: z.number().int().nullable(),
    settings: z.record(z.unknown()),
    limits: z.record(z.unknown()),
    /** The run's --test-access / test_access, overriding every task's (absent: each task's own). */
    test_access: z.string().optional(),
    /** An eval run's judge model (absent: the rules decide). */
    judge: z.string().optional(),
    /** A QA run's set, judge and phrase. */
    qa: z.record(z.unknown()).optional(),
    /** Each time a larger matrix extended the run: when, and what it added. */
    extensions: z.array(runExtensionSchema).optional(),
  })
  .strict();

export type RunManifest = z.infer<typeof runManifestSchema>;

export function manifestFor(matrix: Matrix, taskIds: string[], conditionNames: string[], taskFolders?: ReadonlyMap<string, string>): RunManifest {
  return {
    kind: 'eval',
    createdAt: new Date().toISOString(),
    tasks: taskIds,
    task_dirs: matrix.task_dirs,
    ...(taskFolders === undefined ? {} : { task_folders: Object.fromEntries(taskIds.map((id) => [id, taskFolders.get(id) ?? ''])) }),
    models: matrix.models,
    agents: matrix.agents,
    conditions: conditionNames,
    epochs: matrix.epochs,
    seed: matrix.seed,
    max_episodes: matrix.max_episodes ?? null,
    settings: matrix.settings,
    limits: matrix.limits,
    ...(matrix.judge === undefined || matrix.judge === 'rules' ? {} : { judge: matrix.judge }),
    ...(matrix.test_access === undefined ? {} : { test_access: matrix.test_access }),
  };
}

const compared = ['kind', 'qa', 'judge', 'test_access', 'tasks', 'task_dirs', 'task_folders', 'models', 'agents', 'conditions', 'epochs', 'seed', 'max_episodes', 'settings', 'limits'] as const;

/** The keys an eval may grow: a run asked for with a superset of each extends the one on disk. */
const growable = ['tasks', 'task_dirs', 'models', 'agents', 'conditions'] as const;

type Growable = (typeof growable)[number];

/** A growable list as a manifest has it; absent in older runs: no task folders, the builtin agent alone. */
function listOf(m: RunManifest, key: Growable): string[] {
  if (key === 'task_dirs') return m.task_dirs ?? [];
  if (key === 'agents') return m.kind === 'eval' ? (m.agents ?? [BUILTIN_AGENT]) : (m.agents ?? []);
  return m[key];
}

const shown = (m: RunManifest, key: (typeof compared)[number]): string =>
  JSON.stringify((growable as readonly string[]).includes(key) ? listOf(m, key as Growable) : m[key]);

/** Lists what differs between the manifest on disk and the one asked for (an extension's growth not counted). */
export function manifestDifferences(onDisk: RunManifest, wanted: RunManifest): string[] {
  return compareManifests(onDisk, wanted).differences;
}

/**
 * How the run asked for relates to the one on disk. An eval whose tasks, task folders, models and
 * conditions include the run's, with as many epochs or more and every other key equal, extends it
 * (`added` says with what); anything else that differs is another matrix (`differences`).
 */
export function compareManifests(onDisk: RunManifest, wanted: RunManifest): { differences: string[]; added: Omit<RunExtension, 'at'> | null } {
  const differences: string[] = [];
  const canGrow = onDisk.kind === 'eval' && wanted.kind === 'eval';
  const added: Omit<RunExtension, 'at' | 'agents'> & Record<Growable, string[]> = { tasks: [], task_dirs: [], models: [], agents: [], conditions: [] };
  for (const key of compared) {
    // Runs recorded before task folders were kept have none to compare.
    if (key === 'task_folders' && onDisk.task_folders === undefined) continue;
    if (canGrow && (growable as readonly string[]).includes(key)) {
      const before = listOf(onDisk, key as Growable);
      const after = listOf(wanted, key as Growable);
      if (before.every((x) => after.includes(x))) {
        added[key as Growable] = after.filter((x) => !before.includes(x));
        continue;
      }
    } else if (canGrow && key === 'epochs' && wanted.epochs >= onDisk.epochs) {
      if (wanted.epochs > onDisk.epochs) added.epochs = { from: onDisk.epochs, to: wanted.epochs };
      continue;
    } else if (canGrow && key === 'task_folders') {
      // Each task the run has must come from the same folder; a new task brings its own.
      const old = onDisk.task_folders ?? {};
      const now = wanted.task_folders ?? {};
      if (Object.entries(old).every(([id, folder]) => now[id] === undefined || now[id] === folder)) continue;
    }
    const a = shown(onDisk, key);
    const b = shown(wanted, key);
    if (a !== b) differences.push(`${key}: the run has ${a}, this command asks for ${b}`);
  }
  const grows = growable.some((k) => added[k].length > 0) || added.epochs !== undefined;
  // An extension names agents only when it added some, so that older runs' records keep their shape.
  const { agents, ...rest } = added;
  const extension: Omit<RunExtension, 'at'> = agents.length === 0 ? rest : { ...rest, agents };
  return { differences, added: differences.length === 0 && grows ? extension : null };
}

/**
 * Writes run.json for a new run, or checks that an existing one matches (resume), or, for an eval
 * asked for with a larger matrix, records the extension in it (the episodes it has are kept).
 */
export async function openRunDir(outDir: string, wanted: RunManifest): Promise<{ resumed: boolean; extension: RunExtension | null }> {
  const file = join(outDir, 'run.json');
  if (!existsSync(file)) {
    await writeJsonAtomic(file, wanted);
    return { resumed: false, extension: null };
  }
  const onDisk = await readValidatedFile(file, runManifestSchema, { missing: 'cannot read run.json', format: 'json' });
  const { differences, added } = compareManifests(onDisk, wanted);
  if (differences.length > 0) {
    const extend = onDisk.kind === 'eval' ? ', or a larger one (more tasks, models, agents, conditions or epochs) to extend it' : '';
    throw new UsageError(`--out ${outDir} holds a run of a different matrix; use another --out, or the same matrix to resume${extend}:\n  ${differences.join('\n  ')}`);
  }
  if (added === null) return { resumed: true, extension: null };
  const extension: RunExtension = { at: new Date().toISOString(), ...added };
  await writeJsonAtomic(file, { ...wanted, createdAt: onDisk.createdAt, extensions: [...(onDisk.extensions ?? []), extension] } satisfies RunManifest);
  return { resumed: true, extension };
}
