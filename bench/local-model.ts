/**
 * Speed of the embedded model through our wrapper against node-llama-cpp's own plain generation,
 * in one run, on the same prompt, the same loaded GGUF, the same context size and threads:
 *   npx tsc -p tsconfig.json && node dist/bench/local-model.js [--reps N] [--max-tokens N] [--model path.gguf]
 *
 * ours:  LocalModel.generate(messages, tools): fitting the prompt, the JSON-schema grammar with one
 *        branch per tool, parsing the reply into tool calls.
 * plain: LlamaChat.generateResponse(history) with no grammar, on the prompt LocalModel renders.
 *
 * Tokens per second are generated tokens over wall time of the call (prompt evaluation included;
 * after the warm-up the prompt's prefix is in the KV cache for both). A plain reply may stop early
 * at end-of-text, so the per-token rate, not the time per reply, is what compares.
 */
import { LlamaChat } from 'node-llama-cpp';
import { toolSpecs } from '../src/agent/tools.js';
import {
  DEFAULT_LOCAL_CONTEXT_SIZE,
  DEFAULT_LOCAL_MAX_TOKENS,
  LocalModel,
  defaultLocalModelPath,
  loadLocalModel,
  localChatHistory,
  localThreads,
  unloadLocalModels,
} from '../src/models/local.js';
import type { ChatMessage } from '../src/models/types.js';
import { errorMessage } from '../src/util/errors.js';
import { logger } from '../src/util/log.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  return v !== undefined && Number.isInteger(v) && v > 0 ? v : fallback;
}
function stringFlag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

const reps = flag('--reps', 5);
const maxTokens = flag('--max-tokens', DEFAULT_LOCAL_MAX_TOKENS);
const modelPath = stringFlag('--model');

const messages: ChatMessage[] = [
  {
    role: 'system',
    content: 'You are a coding agent working in the repository /work. Use the tools to do the task, then call submit with the outcome.',
  },
  {
    role: 'user',
    content:
      'The command-line tool in main.py must exit with status 0 when run with --check and print "ok". ' +
      'The tests in tests/test_main.py fail. Make them pass without changing the tests.',
  },
];

interface Sample {
  tokens: number;
  ms: number;
}
const rate = (s: Sample[]): number => s.reduce((a, x) => a + x.tokens, 0) / (s.reduce((a, x) => a + x.ms, 0) / 1000);
const mean = (s: Sample[], f: (x: Sample) => number): number => s.reduce((a, x) => a + f(x), 0) / Math.max(1, s.length);

async function main(): Promise<void> {
  const path = modelPath ?? defaultLocalModelPath();
  const threads = await localThreads();

  let t = performance.now();
  await loadLocalModel(path, modelPath === undefined);
  const loadMs = performance.now() - t;
  t = performance.now();
  const ours = await LocalModel.create(modelPath, { maxTokens, temperature: 0.7, threads });
  const contextMs = performance.now() - t;

  // Plain node-llama-cpp on the same loaded model.
  const llamaModel = await loadLocalModel(path, modelPath === undefined);
  const context = await llamaModel.createContext({ contextSize: Math.min(DEFAULT_LOCAL_CONTEXT_SIZE, llamaModel.trainContextSize), threads });
  const chat = new LlamaChat({ contextSequence: context.getSequence(), autoDisposeSequence: true });
  const history = localChatHistory(messages, toolSpecs, maxTokens);
  const plainOnce = async (): Promise<Sample> => {
    let tokens = 0;
    const started = performance.now();
    await chat.generateResponse(history, { maxTokens, temperature: 0.7, topP: 0.95, onToken: (tk) => (tokens += tk.length) });
    return { tokens, ms: performance.now() - started };
  };
  const oursOnce = async (): Promise<Sample> => {
    const started = performance.now();
    const reply = await ours.generate(messages, toolSpecs);
    return { tokens: reply.usage.outputTokens, ms: performance.now() - started };
  };

  const promptTokens = (await ours.generate(messages, toolSpecs)).usage.inputTokens; // warm-up
  await plainOnce(); // warm-up
  const oursSamples: Sample[] = [];
  const plainSamples: Sample[] = [];
  for (let i = 0; i < reps; i += 1) {
    // Interleaved, so that a change in the machine's load hits both alike.
    oursSamples.push(await oursOnce());
    plainSamples.push(await plainOnce());
  }
  const oursRate = rate(oursSamples);
  const plainRate = rate(plainSamples);

  const out = [
    `model          ${path}`,
    `threads        ${threads}, context ${context.contextSize} tokens, max ${maxTokens} tokens a reply, ${reps} replies each (after a warm-up)`,
    `load           ${Math.round(loadMs)} ms (GGUF), ${Math.round(contextMs)} ms (context + chat)`,
    `prompt         ${promptTokens} tokens (system prompt with the three tools)`,
    `ours           ${oursRate.toFixed(1)} tokens/s  (${mean(oursSamples, (s) => s.tokens).toFixed(0)} tokens, ${mean(oursSamples, (s) => s.ms).toFixed(0)} ms a reply; grammar + parsing)`,
    `plain          ${plainRate.toFixed(1)} tokens/s  (${mean(plainSamples, (s) => s.tokens).toFixed(0)} tokens, ${mean(plainSamples, (s) => s.ms).toFixed(0)} ms a reply; no grammar)`,
    `ratio          ours / plain = ${(oursRate / plainRate).toFixed(2)}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);

  await ours.close();
  chat.dispose();
  await context.dispose();
  await unloadLocalModels();
}

main().catch((err: unknown) => {
  logger.error(errorMessage(err));
  process.exitCode = 1;
});
