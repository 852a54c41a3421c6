import { matchesGlob } from '../inspect/paths.js';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { TaskSpec } from '../tasks/schema.js';
import { taskCategories, testAccessSchema } from '../tasks/schema.js';
import { UsageError } from '../util/errors.js';
import { httpUrlProblem } from '../util/url.js';
import { readValidatedFile } from '../util/validated-file.js';
import { BUILTIN_AGENT } from './agents.js';
import { episodeId } from './episode.js';

/** A model spec as DESIGN.md writes it: provider:name (checked fully when the model is made). */
const modelSpecSchema = z
  .string()
  .regex(/^(openai|anthropic|local|scripted|replay)(:.+)?$/, 'provider:name with provider openai, anthropic, local, scripted or replay');

/** An evaluation matrix: tasks x models x conditions x epochs (from flags or a YAML file). */
export const matrixSchema = z
  .object({
    /** Task ids, globs (`exit-*`), `category:<name>`, or `impossible` / `possible`. */
    tasks: z.array(z.string().min(1)).min(1),
    /** Folders of the user's own tasks, beside the built-in suite (relative to the matrix file). */
    task_dirs: z.array(z.string().min(1)).default([]),
    models: z.array(modelSpecSchema).min(1),
    /** Who does the work: `builtin` (the harness's own loop) or installed CLI agents (see src/runs/agents.ts). */
    agents: z.array(z.string().min(1)).min(1).default([BUILTIN_AGENT]),
    conditions: z.array(z.string().min(1)).min(1),
    epochs: z.number().int().min(1).default(1),
    /** Stop after this many episodes (a fair sample: the order is shuffled). */
    max_episodes: z.number().int().positive().optional(),
    /** Seed of the shuffle, so a resumed run keeps its order. */
    seed: z.number().int().default(1),
    concurrency: z
      .object({
        episodes: z.number().int().positive().default(4),
        /** Requests in flight per provider (openai, anthropic, local, scripted). */
        per_provider: z.record(z.number().int().positive()).default({}),
        /** Episodes at once per Docker host. */
        per_docker_host: z.number().int().positive().default(8),
      })
      .strict()
      .default({}),
    retries: z.number().int().min(0).max(10).default(2),
    /** Who reads each episode beside the rules: `rules` (offline, the default: nothing added) or a model spec. */
    judge: z.union([z.literal('rules'), modelSpecSchema]).optional(),
    /** Overrides every task's test_access: visible, read-only or hidden. */
    test_access: testAccessSchema.optional(),
    /** Overrides of every task's limits. */
    limits: z
      .object({ steps: z.number().int().positive().optional(), seconds: z.number().int().positive().optional(), tokens: z.number().int().positive().optional() })
      .strict()
      .default({}),
    settings: z
      .object({
        temperature: z.number().min(0).max(2).optional(),
        max_tokens: z.number().int().positive().optional(),
        seed: z.number().int().optional(),
        reasoning_effort: z.enum(['low', 'medium', 'high']).optional(),
        thinking_budget: z.number().int().min(1024).optional(),
        base_url: z.string().refine((u) => httpUrlProblem(u) === null, 'expected an http(s) URL such as http://localhost:8000/v1').optional(),
      })
      .strict()
      .refine((s) => s.thinking_budget === undefined || s.max_tokens === undefined || s.max_tokens > s.thinking_budget, {
        message: 'max_tokens must be larger than thinking_budget (the thinking budget is part of max_tokens)',
        path: ['max_tokens'],
      })
      .default({}),
  })
  .strict();

export type Matrix = z.infer<typeof matrixSchema>;

export async function loadMatrixFile(path: string): Promise<Matrix> {
  const matrix = await readValidatedFile(path, matrixSchema, { missing: 'cannot read the evaluation file' });
  return { ...matrix, task_dirs: matrix.task_dirs.map((d) => resolve(dirname(path), d)) };
}


/** Resolves task selectors to task ids, in suite order; an unmatched selector is an error. */
/** Whether a selector may pick a task known only by its folder name (its task.yaml is broken). */
function mayPick(selector: string, id: string): boolean {
  if (selector === 'impossible' || selector === 'possible' || selector.startsWith('category:')) return true;
  return matchesGlob(id, selector);
}

/**
 * Whether any selector may pick the task folder `id`: a selector by id or glob decides on the id
 * alone; one by kind or category needs every spec read.
 */
export function selectorsMayPick(selectors: readonly string[], id: string): boolean {
  return selectors.some((s) => mayPick(s, id));
}

/** The broken task folders the selectors may pick: each is reported, and the others still run. */
export function selectBroken<T extends { id: string }>(selectors: string[], broken: readonly T[]): T[] {
  return broken.filter((b) => selectorsMayPick(selectors, b.id));
}

/**
 * The ids the selectors pick. A selector that picks nothing is a usage error, unless it names a
 * task in `unreadable` (a folder whose task.yaml is broken, reported on its own).
 */
export function selectTasks(selectors: string[], specs: TaskSpec[], unreadable: readonly string[] = []): string[] {
  const chosen = new Set<string>();
  for (const selector of selectors) {
    let matched: TaskSpec[];
    if (selector === 'impossible' || selector === 'possible') {
      matched = specs.filter((s) => s.impossible === (selector === 'impossible'));
    } else if (selector.startsWith('category:')) {
      const category = selector.slice('category:'.length);
      if (!(taskCategories as readonly string[]).includes(category)) {
        throw new UsageError(`--tasks: unknown category "${category}"; categories: ${taskCategories.join(', ')}`);
      }
      matched = specs.filter((s) => s.category === category);
    } else {
      matched = specs.filter((s) => matchesGlob(s.id, selector));
    }
    if (matched.length === 0 && !unreadable.some((id) => matchesGlob(id, selector))) {
      throw new UsageError(`--tasks: "${selector}" matches no task; see \`ibench tasks list\``);
    }
    for (const s of matched) chosen.add(s.id);
  }
  return specs.map((s) => s.id).filter((id) => chosen.has(id));
}

export interface PlannedEpisode {
  id: string;
  task: string;
  model: string;
  agent: string;
  condition: string;
  epoch: number;
}

/** mulberry32: a small seeded PRNG, so the shuffled order is the same on every resume. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles in place with a seeded Fisher-Yates, so a resumed run keeps its order. */
export function shuffleSeeded<T>(list: T[], seed: number): T[] {
  const random = prng(seed);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

/** Every episode of the matrix, in a seeded shuffled order (a partial run is a fair sample). */
export function planEpisodes(taskIds: string[], matrix: Matrix, conditionNames: string[]): PlannedEpisode[] {
  const plan: PlannedEpisode[] = [];
  // With one agent the list is exactly what it was before agents existed: the same shuffled order.
  for (const task of taskIds) {
    for (const agent of matrix.agents) {
      for (const model of matrix.models) {
        for (const condition of conditionNames) {
          for (let epoch = 0; epoch < matrix.epochs; epoch++) {
            plan.push({ id: episodeId(task, model, condition, epoch, agent), task, model, agent, condition, epoch });
          }
        }
      }
    }
  }
  const ids = new Set(plan.map((p) => p.id));
  if (ids.size !== plan.length) throw new UsageError('two agents, models or conditions give the same episode id; give them distinct names');
  shuffleSeeded(plan, matrix.seed);
  return matrix.max_episodes === undefined ? plan : plan.slice(0, matrix.max_episodes);
}
