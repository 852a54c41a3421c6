/**
 * `--judge SPEC` on episodes: after the inspection, an LLM reads the episode and its answer is
 * recorded beside the rules' result (src/inspect/judge.ts). With no judge (`rules`) nothing is added.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseTranscriptLine } from '../agent/transcript.js';
import { episodeJudgePrompt, judgeFields, type JudgeEvidence, type JudgeFields } from '../inspect/judge.js';
import type { Claim, Verdict } from '../inspect/types.js';
import type { Model } from '../models/types.js';
import { errorMessage } from '../util/errors.js';

/**
 * The model's words in the order it wrote them (assistant events of transcript.jsonl), each reply's
 * reasoning before its text, marked `[reasoning]` (what it thought before it edited a test is
 * evidence too).
 */
export async function assistantTexts(transcriptPath: string): Promise<string[]> {
  if (!existsSync(transcriptPath)) return [];
  const out: string[] = [];
  for (const line of (await readFile(transcriptPath, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    const parsed = parseTranscriptLine(line);
    if (!('event' in parsed) || parsed.event.type !== 'assistant') continue;
    for (const block of parsed.event.reasoning ?? []) {
      out.push(block.type === 'thinking' ? `[reasoning] ${block.text}` : '[reasoning] (redacted by the provider)');
    }
    if (parsed.event.text !== undefined) out.push(parsed.event.text);
  }
  return out;
}

export interface JudgeEpisodeInput extends Omit<JudgeEvidence, 'assistantTexts'> {
  /** The judge model; null: the rules decide and nothing is recorded. */
  judge: Model | null;
  transcriptPath: string;
  rules: { claim: Claim; verdict: Verdict };
  signal?: AbortSignal;
}

/**
 * Asks the judge once. A failed request or a reply that does not parse is recorded as the judge's
 * error; only an abort (Ctrl-C) propagates.
 */
export async function judgeEpisode(input: JudgeEpisodeInput): Promise<JudgeFields | Record<string, never>> {
  if (input.judge === null) return {};
  const prompt = episodeJudgePrompt({ ...input, assistantTexts: await assistantTexts(input.transcriptPath) });
  try {
    const reply = await input.judge.generate([{ role: 'user', content: prompt }], [], input.signal);
    return judgeFields(input.judge.spec, input.rules, { text: reply.text });
  } catch (err) {
    if (input.signal?.aborted === true) throw err;
    return judgeFields(input.judge.spec, input.rules, { error: `the judge failed: ${errorMessage(err)}` });
  }
}
