import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ChatMessage } from '../models/types.js';
import { modelSlug } from '../runs/episode.js';
import { harnessProvenance } from '../runs/provenance.js';
import { ThrottledModel } from '../runs/throttled-model.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { UsageError, errorMessage } from '../util/errors.js';
import { answersOf, gradeAnswer, openingMessages, stepOf } from './ask.js';
import type { BatchRequest, BatchResult, BatchRunner } from './batch/types.js';
import { createJudge, type Judge } from './judge.js';
import { QA_FILES, type QaStep } from './record.js';
import { isDone, openQaRun, providerSlotsOf, recordDir, recordOf, type PlannedQa, type QaRunOptions, type QaRunResult } from './run.js';

export interface QaBatchOptions extends QaRunOptions {
  /** The batch client of a model spec: `createBatchRunner` of src/qa/batch. */
  runnerFor: (modelSpec: string) => BatchRunner;
  pollIntervalMs?: number;
}

interface Conversation {
  planned: PlannedQa;
  messages: ChatMessage[];
  steps: QaStep[];
  error: string | null;
}

/** A batch custom id: stable across resumes, and within Anthropic's `^[a-zA-Z0-9_-]{1,64}$`. */
export function batchCustomId(recordId: string, step: number): string {
  return `q-${createHash('sha256').update(recordId).digest('hex').slice(0, 24)}-s${step}`;
}

/** The model-facing part of a conversation as a batch request (the system prompt apart). */
export function batchRequestOf(customId: string, messages: readonly ChatMessage[], settings: { maxTokens?: number; temperature?: number }): BatchRequest {
  const system = messages[0]?.role === 'system' ? messages[0].content : null;
  const turns = messages.flatMap((m) => (m.role === 'user' || m.role === 'assistant' ? [{ role: m.role, content: m.content }] : []));
  return {
    customId,
    system,
    messages: turns,
    ...(settings.maxTokens === undefined ? {} : { maxTokens: settings.maxTokens }),
    ...(settings.temperature === undefined ? {} : { temperature: settings.temperature }),
  };
}

/**
 * `ibench qa --batch`: per model, each answer step is one batch of every conversation still going
 * (with pushback, step 2 carries the first answers and "Try again, do better"). Batch ids and state
 * live under `<run>/batches/<model>/step-N/` from the moment they exist, so a killed run polls
 * again and never submits twice. Answers are graded as they come (the judge is an ordinary model
 * call); records are written when a model's last step is in.
 */
export async function runQaBatch(options: QaBatchOptions): Promise<QaRunResult> {
  const { config, outDir } = options;
  const emit = options.onEvent ?? (() => undefined);
  for (const spec of config.models) {
    if (!/^(openai|anthropic):/.test(spec)) throw new UsageError(`--batch: ${spec} has no batch API; --batch takes openai:<model> and anthropic:<model>`);
  }
  const { plan, todo, judgeSpec, settings } = await openQaRun(options, false);
  const slotsFor = providerSlotsOf(config);
  const judge: Judge | null = judgeSpec === null ? null : await createJudge(judgeSpec, settings, (m) => new ThrottledModel(m, slotsFor(judgeSpec)));
  const harness = await harnessProvenance();
  const aborted = (): boolean => options.signal?.aborted === true;
  let finished = 0;
  try {
    for (const model of config.models) {
      if (aborted()) break;
      const runner = options.runnerFor(model);
      const startedAt = new Date().toISOString();
      const conversations: Conversation[] = todo.filter((p) => p.model === model).map((planned) => ({ planned, messages: openingMessages(planned.condition, planned.item), steps: [], error: null }));
      const lastStep = Math.max(0, ...conversations.map((c) => answersOf(c.planned.condition)));
      for (let step = 1; step <= lastStep && !aborted(); step++) {
        const going = conversations.filter((c) => c.error === null && answersOf(c.planned.condition) >= step);
        if (going.length === 0) break;
        const byId = new Map(going.map((c) => [batchCustomId(c.planned.id, step), c]));
        const requests = [...byId].map(([id, c]) => batchRequestOf(id, c.messages, settings));
        const results: Map<string, BatchResult> = await runner.run(requests, {
          stateDir: join(outDir, 'batches', modelSlug(model), `step-${step}`),
          retries: config.retries,
          ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        if (aborted()) break;
        await Promise.all(
          [...byId].map(async ([id, c]) => {
            const result = results.get(id);
            if (result === undefined || result.status !== 'succeeded' || result.text === undefined) {
              c.error = `batch request ${id} (answer ${step}): ${result === undefined ? 'no result' : `${result.status}${result.error === undefined ? '' : `: ${result.error}`}`}`;
              return;
            }
            const reply = {
              text: result.text,
              usage: result.usage ?? { inputTokens: 0, outputTokens: 0 },
              latencyMs: 0,
              ...(result.costUsd === undefined ? {} : { costUsd: result.costUsd }),
            };
            try {
              c.steps.push(stepOf(step, reply, await gradeAnswer(c.planned.item, result.text, judge, options.signal)));
            } catch (err) {
              c.error = `judging answer ${step}: ${errorMessage(err)}`;
              return;
            }
            c.messages.push({ role: 'assistant', content: result.text, toolCalls: [] });
            const next = c.planned.condition.pushback[step - 1];
            if (next !== undefined) c.messages.push({ role: 'user', content: next });
          }),
        );
      }
      if (aborted()) break;
      for (const c of conversations) {
        const record = recordOf(c.planned, options.set.name, judgeSpec, { steps: c.steps, messages: c.messages, error: c.error }, startedAt, harness);
        await writeJsonAtomic(join(recordDir(outDir, c.planned.id), QA_FILES.record), record);
        finished += 1;
        emit({ type: 'item', record, attempt: 0 });
      }
    }
  } finally {
    await judge?.close();
  }
  const remaining = plan.filter((p) => !isDone(outDir, p.id)).length;
  emit({ type: 'end', finished, remaining, aborted: aborted() });
  return { total: plan.length, finished, remaining, aborted: aborted() };
}
