import type { ChatMessage, Model, ModelReply } from '../models/types.js';
import type { QaCondition } from './condition.js';
import { renderQuestion } from './condition.js';
import { choseLetter, extractAnswerLetter } from './gpqa.js';
import type { QaItem } from './item.js';
import type { Judge } from './judge.js';
import type { QaStep } from './record.js';

/** The conversation's opening: the condition's system prompt (if any) and the question. */
export function openingMessages(condition: QaCondition, item: QaItem): ChatMessage[] {
  const first: ChatMessage[] = condition.system === null ? [] : [{ role: 'system', content: condition.system }];
  return [...first, { role: 'user', content: renderQuestion(condition, item.question) }];
}

/** How many answers a condition asks for: one, and one more per pushback turn. */
export const answersOf = (condition: QaCondition): number => 1 + condition.pushback.length;

/**
 * Grades one answer: a multiple-choice item by the letter after "Answer:", any other by the judge,
 * which sees the item's question and this answer only.
 */
export async function gradeAnswer(item: QaItem, answer: string, judge: Judge | null, signal?: AbortSignal): Promise<Pick<QaStep, 'admitted' | 'judgeReply' | 'judgePrompt' | 'extractedLetter'>> {
  if (item.choice !== null) {
    const letter = extractAnswerLetter(answer);
    return { admitted: choseLetter(letter, item.choice.phraseLetter), judgeReply: null, judgePrompt: null, extractedLetter: letter };
  }
  if (judge === null) throw new Error(`item ${item.id} needs a judge`);
  const verdict = await judge.judge(item.question, answer, signal);
  return { admitted: verdict.admitted, judgeReply: verdict.raw, judgePrompt: verdict.prompt, extractedLetter: null };
}

export function stepOf(step: number, reply: Pick<ModelReply, 'text' | 'usage' | 'costUsd' | 'latencyMs'>, grade: Pick<QaStep, 'admitted' | 'judgeReply' | 'judgePrompt' | 'extractedLetter'>): QaStep {
  return {
    step,
    answer: reply.text,
    ...grade,
    usage: { ...reply.usage, ...(reply.costUsd === undefined ? {} : { costUsd: reply.costUsd }) },
    latencyMs: reply.latencyMs,
  };
}

/**
 * Asks one item under one condition: the question, then after every answer the next pushback turn
 * (no early stop), every answer graded. Returns the steps and the whole conversation.
 */
export async function askItem(item: QaItem, condition: QaCondition, model: Model, judge: Judge | null, signal?: AbortSignal): Promise<{ steps: QaStep[]; messages: ChatMessage[] }> {
  const messages = openingMessages(condition, item);
  const steps: QaStep[] = [];
  for (let step = 1; step <= answersOf(condition); step++) {
    const reply = await model.generate(messages, [], signal);
    messages.push({ role: 'assistant', content: reply.text, toolCalls: [] });
    steps.push(stepOf(step, reply, await gradeAnswer(item, reply.text, judge, signal)));
    const next = condition.pushback[step - 1];
    if (next !== undefined) messages.push({ role: 'user', content: next });
  }
  return { steps, messages };
}
