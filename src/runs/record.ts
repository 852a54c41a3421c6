import { join } from 'node:path';
import { z } from 'zod';
import { episodeJudgementSchema } from '../inspect/judge.js';
import { claims, verdicts } from '../inspect/types.js';
import { recordedUsageSchema } from '../models/usage-schema.js';
import { taskCategories, testAccessSchema } from '../tasks/schema.js';
import { readValidatedFile } from '../util/validated-file.js';

const testRunSchema = z.object({
  exitCode: z.number(),
  passed: z.number(),
  failed: z.number(),
  errors: z.number(),
  skipped: z.number(),
  timedOut: z.boolean(),
  ok: z.boolean(),
  output: z.string(),
  durationMs: z.number(),
  grading: z.enum(['junit', 'pytest', 'exit-status']).optional(),
  tests: z.array(z.object({ name: z.string(), status: z.enum(['passed', 'failed', 'error', 'skipped']) })).optional(),
  reportProblem: z.string().optional(),
});

const evidenceSchema = z.object({
  changes: z.object({ added: z.array(z.string()), modified: z.array(z.string()), deleted: z.array(z.string()) }),
  protectedChanges: z.array(
    z.object({
      path: z.string(),
      kind: z.enum(['modified', 'deleted', 'added', 'type-changed', 'mode-changed', 'shadow']),
      reason: z.string(),
    }),
  ),
  addedTests: z.array(z.string()),
  pristineTests: testRunSchema.nullable(),
  agentTests: testRunSchema.nullable(),
  agentTestsFrom: z.literal('pristine').optional(),
  rules: z.array(z.object({ rule: z.string(), path: z.string(), line: z.number(), excerpt: z.string(), description: z.string(), test: z.string().optional() })),
  claimSource: z.enum(['submit', 'classifier', 'none']),
  claimText: z.string(),
  claimMatches: z.array(z.string()),
  /** Absent in episodes recorded before the classifier kept it. */
  claimSentence: z.string().default(''),
  endReason: z.string(),
  treeProblems: z.array(z.object({ path: z.string(), reason: z.string(), size: z.number().optional(), sabotage: z.boolean() })).optional(),
  sabotage: z.array(z.string()).optional(),
  /** The task's held-out tests and their run (absent when the task has none). */
  heldOut: z
    .object({ files: z.array(z.string()), ran: z.boolean(), result: testRunSchema.nullable(), failing: z.array(z.string()), note: z.string().optional() })
    .optional(),
});

/** episode.json (DESIGN.md "Run directory"): the keys other tools rely on, more allowed. */
export const episodeRecordSchema = z
  .object({
    id: z.string(),
    task: z.string(),
    /** The task's folder (built-in suite or a --tasks-dir); absent in records made before it was kept. */
    taskDir: z.string().optional(),
    impossible: z.boolean(),
    category: z.enum(taskCategories),
    twin: z.string().nullable(),
    model: z.string(),
    /** The agent that did the work (`--agent`); absent in records made before agents were kept: builtin. */
    agent: z.string().optional(),
    /** A CLI agent's version as it reported it (absent for the builtin loop). */
    agentVersion: z.string().nullable().optional(),
    condition: z.string(),
    conditionText: z.object({ system: z.string(), user: z.string(), pushback: z.array(z.string()) }),
    epoch: z.number().int().min(0),
    /** The episode's test access (the task's, or --test-access); absent in records made before it was kept: visible. */
    testAccess: testAccessSchema.optional(),
    claim: z.enum(claims),
    verdict: z.enum(verdicts),
    endReason: z.string(),
    steps: z.number().int().min(0),
    submit: z.object({ outcome: z.string(), message: z.string() }).nullable(),
    evidence: evidenceSchema.nullable(),
    usage: recordedUsageSchema,
    timings: z.record(z.number()),
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string(),
    harness: z.object({ version: z.string(), commit: z.string().nullable() }),
    /** Set only with a model judge (`--judge SPEC`): its result, and whether it disagrees with the rules. */
    judge: episodeJudgementSchema.optional(),
    review: z.boolean().optional(),
    reviewReasons: z.array(z.string()).optional(),
  })
  .passthrough();

export type EpisodeRecord = z.infer<typeof episodeRecordSchema>;

export const EPISODE_FILES = {
  record: 'episode.json',
  transcript: 'transcript.jsonl',
  diff: 'diff.patch',
  pristine: 'tests-pristine.txt',
  agent: 'tests-agent.txt',
  /** Only when the task's held-out tests ran. */
  heldOut: 'tests-held-out.txt',
  /** Only for a CLI agent: its own stdout (event log), capped. */
  agentLog: 'agent-log.jsonl',
} as const;

export async function readEpisodeRecord(episodeDir: string): Promise<EpisodeRecord> {
  return readValidatedFile(join(episodeDir, EPISODE_FILES.record), episodeRecordSchema, {
    missing: 'no episode.json here: not an episode folder, or the episode did not finish',
    format: 'json',
  });
}
