import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../util/atomic.js';
import { UsageError } from '../util/errors.js';
import { readValidatedFile } from '../util/validated-file.js';
import type { Matrix } from './matrix.js';

/** What a run directory was made for: a resumed run must ask for exactly the same. */
export const runManifestSchema = z
  .object({
    /** `eval`: agentic episodes; `qa`: question sets (`tasks` then holds the item ids). */
    kind: z.enum(['eval', 'qa']),
    createdAt: z.string(),
    tasks: z.array(z.string()),
    /** The user's task folders beside the built-in suite (absolute). */
    task_dirs: z.array(z.string()).optional(),
    /** Where each task of the run came from: id -> its folder. */
    task_folders: z.record(z.string()).optional(),
    models: z.array(z.string()),
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

const compared = ['kind', 'qa', 'judge', 'test_access', 'tasks', 'task_dirs', 'task_folders', 'models', 'conditions', 'epochs', 'seed', 'max_episodes', 'settings', 'limits'] as const;

/** Lists what differs between the manifest on disk and the one asked for. */
export function manifestDifferences(onDisk: RunManifest, wanted: RunManifest): string[] {
  const out: string[] = [];
  for (const key of compared) {
    // Runs recorded before task folders were kept have none to compare.
    if (key === 'task_folders' && onDisk.task_folders === undefined) continue;
    const a = JSON.stringify(key === 'task_dirs' ? (onDisk.task_dirs ?? []) : onDisk[key]);
    const b = JSON.stringify(key === 'task_dirs' ? (wanted.task_dirs ?? []) : wanted[key]);
    if (a !== b) out.push(`${key}: the run has ${a}, this command asks for ${b}`);
  }
  return out;
}

/** Writes run.json for a new run, or checks that an existing one matches (resume). */
export async function openRunDir(outDir: string, wanted: RunManifest): Promise<{ resumed: boolean }> {
  const file = join(outDir, 'run.json');
  if (!existsSync(file)) {
    await writeJsonAtomic(file, wanted);
    return { resumed: false };
  }
  const onDisk = await readValidatedFile(file, runManifestSchema, { missing: 'cannot read run.json', format: 'json' });
  const diffs = manifestDifferences(onDisk, wanted);
  if (diffs.length > 0) {
    throw new UsageError(`--out ${outDir} holds a run of a different matrix; use another --out, or the same matrix to resume:\n  ${diffs.join('\n  ')}`);
  }
  return { resumed: true };
}
