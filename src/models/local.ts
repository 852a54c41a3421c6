import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type {
  ChatHistoryItem,
  GbnfJsonSchema,
  Llama,
  LlamaChat,
  LlamaContext,
  LlamaGrammar,
  LlamaLogLevel,
  LlamaModel,
} from 'node-llama-cpp';
import { llamaModule } from './llama-runtime.js';
import { HarnessError, UsageError, errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import {
  FINAL_ANSWER_TOOL,
  completeTruncatedJson,
  replySchema,
  stringBudget,
  toolInstructions,
  type StringBudget,
} from './local-grammar.js';
import { isPlainObject, newToolCallId, toolCallFromValue } from './tool-args.js';
import { DEFAULT_LOCAL_MODEL_SIZE, defaultLocalModelPath, ggufHeaderProblem } from './local-file.js';
import type { ChatMessage, Model, ModelReply, ModelSettings, StopReason, ToolCall, ToolSpec } from './types.js';

export { DEFAULT_LOCAL_MODEL_FILE, DEFAULT_LOCAL_MODEL_SHA256, DEFAULT_LOCAL_MODEL_SIZE, defaultLocalModelPath } from './local-file.js';

export const DEFAULT_LOCAL_MAX_TOKENS = 256;
export const DEFAULT_LOCAL_CONTEXT_SIZE = 4096;
export const DEFAULT_LOCAL_TEMPERATURE = 0.7;
/** Tokens kept free between the prompt plus the reply and the end of the context. */
const CONTEXT_MARGIN = 16;
/** A reply needs at least this many tokens to hold a small tool call. */
const MIN_REPLY_TOKENS = 48;

export type LocalModelOptions = ModelSettings & {
  /** Context window in tokens (default 4096, capped by what the model was trained on). */
  contextSize?: number;
  /** Relative model paths are taken from here (default the working directory). */
  cwd?: string;
  /**
   * Let the model end its turn with a plain answer (`"tool": "none"`) instead of a tool call.
   * Default false: with tools given, every reply is a tool call (the episode ends by `submit`).
   */
  allowFinalAnswer?: boolean;
  /** CPU threads for evaluation (default: IBENCH_LOCAL_THREADS, else half the math cores llama.cpp sees). */
  threads?: number;
};

// ---------------------------------------------------------------------------------------------
// One llama.cpp runtime and one loaded copy of each GGUF per process.

let llamaPromise: Promise<Llama> | undefined;
const modelCache = new Map<string, Promise<LlamaModel>>();

function llamaLogger(level: LlamaLogLevel, message: string): void {
  const text = message.trimEnd();
  if (text === '') return;
  if (level === 'fatal' || level === 'error' || level === 'warn') logger.debug(`llama.cpp: ${text}`);
}

/** The llama.cpp runtime: the prebuilt CPU binary, never a build or a download. */
export function getLocalLlama(): Promise<Llama> {
  if (llamaPromise === undefined) {
    llamaPromise = llamaModule()
      .then(({ getLlama, LlamaLogLevel: levels }) =>
        getLlama({
          gpu: false,
          build: 'never',
          progressLogs: false,
          logLevel: levels.warn,
          logger: llamaLogger,
        }),
      )
      .catch((err: unknown) => {
        llamaPromise = undefined;
        if (err instanceof HarnessError) throw err;
        throw new HarnessError(`cannot start llama.cpp (node-llama-cpp's prebuilt binary): ${errorMessage(err)}`);
      });
  }
  return llamaPromise;
}

/**
 * CPU threads for evaluation: IBENCH_LOCAL_THREADS, else half the cores llama.cpp counts for math
 * (at least one). llama.cpp's threads spin while they wait for each other, so a thread that shares
 * its core with anything else stalls all of them: on this project's 2-core VM, 4 threads (the
 * node-llama-cpp default) took 3 s a token instead of 20 ms, and 2 threads next to one other busy
 * process took 66 s for 40 tokens where 1 thread took 1.7 s. Half the cores leaves room for the
 * sandbox, the harness and whatever else runs beside it.
 */
export async function localThreads(): Promise<number> {
  const fromEnv = Number(process.env.IBENCH_LOCAL_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const llama = await getLocalLlama();
  return Math.max(1, Math.floor(llama.cpuMathCores / 2));
}

function missingModelError(path: string, isDefault: boolean): HarnessError {
  if (isDefault) {
    return new HarnessError(
      `the embedded model is not at ${path}: run \`npx ibench setup\`, or pass --model local:<path.gguf>`,
    );
  }
  return new HarnessError(`no GGUF model file at ${path} (from --model local:<path.gguf>)`);
}

/** Loads a GGUF once per process; later calls share it. */
export function loadLocalModel(path: string, isDefault = false): Promise<LlamaModel> {
  const key = resolve(path);
  const cached = modelCache.get(key);
  if (cached !== undefined) return cached;
  let size: number;
  try {
    const st = statSync(key);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    return Promise.reject(missingModelError(key, isDefault));
  }
  if (isDefault && size !== DEFAULT_LOCAL_MODEL_SIZE) {
    return Promise.reject(
      new HarnessError(
        `the embedded model at ${key} has ${size} bytes, expected ${DEFAULT_LOCAL_MODEL_SIZE}: run \`npx ibench setup\` to fetch it again`,
      ),
    );
  }
  let problem: string | null;
  try {
    problem = ggufHeaderProblem(key);
  } catch (err) {
    problem = `it cannot be read: ${errorMessage(err)}`;
  }
  if (problem !== null) {
    return Promise.reject(
      isDefault
        ? new HarnessError(`the embedded model at ${key} is not a GGUF file (${problem}): run \`npx ibench setup\` to fetch it again`)
        : new UsageError(`--model local:${path}: ${key} is not a GGUF model file (${problem}); give the path of a .gguf model`),
    );
  }
  const promise = (async (): Promise<LlamaModel> => {
    const llama = await getLocalLlama();
    const started = performance.now();
    try {
      const model = await llama.loadModel({ modelPath: key, gpuLayers: 0 });
      logger.debug(`local: loaded ${key} in ${Math.round(performance.now() - started)} ms`);
      return model;
    } catch (err) {
      throw new HarnessError(`cannot load the GGUF model ${key}: ${errorMessage(err)}`);
    }
  })();
  modelCache.set(key, promise);
  promise.catch(() => modelCache.delete(key));
  return promise;
}

/** Frees every loaded model and the runtime (tests, benchmarks; a process may simply exit instead). */
export async function unloadLocalModels(): Promise<void> {
  const models = [...modelCache.values()];
  modelCache.clear();
  for (const m of models) {
    try {
      await (await m).dispose();
    } catch {
      // a model that failed to load has nothing to free
    }
  }
  const llama = llamaPromise;
  llamaPromise = undefined;
  if (llama !== undefined) {
    try {
      await (await llama).dispose();
    } catch {
      // ditto
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Conversation → prompt.

/** One piece of the prompt before the chat template: what may be shortened or dropped to fit. */
interface Segment {
  role: 'system' | 'user' | 'model' | 'tool';
  text: string;
}

function assistantJson(m: Extract<ChatMessage, { role: 'assistant' }>): string {
  if (m.toolCalls.length === 0) return JSON.stringify({ thought: '', tool: FINAL_ANSWER_TOOL, answer: m.content });
  return m.toolCalls
    .map((c, i) => JSON.stringify({ thought: i === 0 ? m.content : '', tool: c.name, input: c.arguments ?? c.rawArguments ?? {} }))
    .join('\n');
}

function toSegments(messages: ChatMessage[], tools: ToolSpec[], budget: StringBudget, allowFinalAnswer: boolean): Segment[] {
  const systemTexts = messages.filter((m): m is Extract<ChatMessage, { role: 'system' }> => m.role === 'system').map((m) => m.content);
  const segments: Segment[] = [{ role: 'system', text: [...systemTexts, toolInstructions(tools, budget, allowFinalAnswer)].join('\n\n') }];
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        break;
      case 'user':
        segments.push({ role: 'user', text: m.content });
        break;
      case 'assistant':
        segments.push({ role: 'model', text: assistantJson(m) });
        break;
      case 'tool':
        segments.push({
          role: 'tool',
          text: `[result of ${m.toolName}${m.isError ? ', error' : ''}]\n${m.content === '' ? '(no output)' : m.content}`,
        });
        break;
    }
  }
  return segments;
}

/** Segments as node-llama-cpp chat history: tool results and user turns in a row become one user turn. */
function toHistory(segments: Segment[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const s of segments) {
    const last = history[history.length - 1];
    if (s.role === 'system') history.push({ type: 'system', text: s.text });
    else if (s.role === 'model') history.push({ type: 'model', response: [s.text] });
    else if (last !== undefined && last.type === 'user') last.text = `${last.text}\n\n${s.text}`;
    else history.push({ type: 'user', text: s.text });
  }
  // The reply to generate.
  history.push({ type: 'model', response: [] });
  return history;
}

/**
 * The chat history LocalModel renders for a conversation, before any shortening to fit the context
 * (for benchmarks and debugging: the same prompt can be given to plain node-llama-cpp).
 */
export function localChatHistory(
  messages: ChatMessage[],
  tools: ToolSpec[],
  maxTokens: number = DEFAULT_LOCAL_MAX_TOKENS,
  allowFinalAnswer = false,
): ChatHistoryItem[] {
  return toHistory(toSegments(messages, tools, stringBudget(maxTokens), allowFinalAnswer));
}

function shorten(text: string, keep: number): string {
  if (text.length <= keep) return text;
  const head = Math.ceil(keep / 2);
  const tail = Math.floor(keep / 2);
  return `${text.slice(0, head)}\n[... ${text.length - head - tail} characters cut to fit the context ...]\n${text.slice(text.length - tail)}`;
}

// ---------------------------------------------------------------------------------------------

interface ParsedReply {
  text: string;
  toolCalls: ToolCall[];
  /** The reply was cut by the token limit. */
  truncated: boolean;
}

/** Reads the generated JSON as a reply; cut-off or malformed output becomes an argumentsError, never a throw. */
export function parseLocalReply(raw: string, tools: ToolSpec[], cutOff: boolean, maxTokens: number): ParsedReply {
  const specs = new Map(tools.map((t) => [t.name, t]));
  let value: unknown;
  let repaired = false;
  try {
    value = JSON.parse(raw);
  } catch {
    value = completeTruncatedJson(raw);
    repaired = true;
  }
  const truncated = cutOff || repaired;
  if (!isPlainObject(value)) return { text: raw.trim(), toolCalls: [], truncated };
  const thought = typeof value.thought === 'string' ? value.thought : '';
  const tool = typeof value.tool === 'string' ? value.tool : undefined;
  if (tool === undefined || tool === FINAL_ANSWER_TOOL || !specs.has(tool)) {
    const answer = typeof value.answer === 'string' ? value.answer : '';
    return { text: answer !== '' ? answer : thought, toolCalls: [], truncated };
  }
  const id = newToolCallId('local');
  if (repaired) {
    return {
      text: thought,
      toolCalls: [
        {
          id,
          name: tool,
          arguments: undefined,
          argumentsError: `the reply was cut at the token limit (${maxTokens}) before the arguments of ${tool} were complete; send a shorter call`,
          rawArguments: raw,
        },
      ],
      truncated,
    };
  }
  return { text: thought, toolCalls: [toolCallFromValue(id, tool, value.input, specs.get(tool))], truncated };
}

/** `local` / `local:<path.gguf>`: a GGUF model run in-process on the CPU by node-llama-cpp. */
export class LocalModel implements Model {
  readonly spec: string;
  readonly path: string;
  private readonly isDefault: boolean;
  private readonly maxTokens: number;
  private readonly requestedContextSize: number;
  private model: LlamaModel | undefined;
  private context: LlamaContext | undefined;
  private chat: LlamaChat | undefined;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** How many old segments of the current conversation are dropped to fit the context. */
  private dropped = { conversation: '', count: 0 };

  constructor(
    path: string | undefined,
    private readonly settings: LocalModelOptions = {},
  ) {
    this.isDefault = path === undefined;
    this.path = path === undefined ? defaultLocalModelPath() : resolve(settings.cwd ?? process.cwd(), path);
    this.spec = path === undefined ? 'local' : `local:${path}`;
    this.maxTokens = settings.maxTokens ?? DEFAULT_LOCAL_MAX_TOKENS;
    this.requestedContextSize = settings.contextSize ?? DEFAULT_LOCAL_CONTEXT_SIZE;
    if (!Number.isInteger(this.maxTokens) || this.maxTokens < 1) throw new HarnessError(`${this.spec}: maxTokens must be a whole number >= 1`);
    if (!Number.isInteger(this.requestedContextSize) || this.requestedContextSize < 256)
      throw new HarnessError(`${this.spec}: the context size must be a whole number >= 256`);
    if (settings.reasoningEffort !== undefined) logger.debug(`${this.spec}: reasoning effort does not apply to the embedded model; ignored`);
  }

  /** Creates the model and loads it (so that a missing file is reported at once). */
  static async create(path: string | undefined, settings: LocalModelOptions = {}): Promise<LocalModel> {
    const m = new LocalModel(path, settings);
    await m.load();
    return m;
  }

  /** Loads the GGUF (shared per process) and makes this instance's context. Idempotent. */
  async load(): Promise<void> {
    if (this.closed) throw new HarnessError(`${this.spec}: the model was closed`);
    if (this.chat !== undefined) return;
    const model = await loadLocalModel(this.path, this.isDefault);
    const contextSize = Math.min(this.requestedContextSize, model.trainContextSize);
    const threads = this.settings.threads ?? (await localThreads());
    try {
      this.context = await model.createContext({ contextSize, threads });
    } catch (err) {
      throw new HarnessError(`${this.spec}: cannot create a context of ${contextSize} tokens: ${errorMessage(err)}`);
    }
    this.model = model;
    const { LlamaChat: Chat } = await llamaModule();
    this.chat = new Chat({ contextSequence: this.context.getSequence(), autoDisposeSequence: true });
    logger.debug(`${this.spec}: chat template ${this.chat.chatWrapper.wrapperName}, context ${this.context.contextSize} tokens`);
  }

  /** The context window in tokens (after load). */
  get contextSize(): number {
    return this.context?.contextSize ?? this.requestedContextSize;
  }

  /** The chat template node-llama-cpp picked for the model (after load). */
  get chatTemplate(): string | undefined {
    return this.chat?.chatWrapper.wrapperName;
  }

  /** Tokens of a text in this model's tokenizer (after load). */
  countTokens(text: string): number {
    if (this.model === undefined) throw new HarnessError(`${this.spec}: not loaded`);
    return this.model.tokenize(text).length;
  }

  private promptTokens(history: ChatHistoryItem[]): number {
    const chat = this.chat as LlamaChat;
    const model = this.model as LlamaModel;
    return chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer).length;
  }

  /**
   * Makes the conversation fit: shortens the tool outputs older than the latest two, then drops
   * the oldest turns (never the system prompt, the task's first user turn or the latest turn), then
   * cuts what is left. Returns the history and the tokens left for the reply.
   *
   * Dropped turns stay dropped and each drop goes well below the limit, so the prompt's beginning
   * stays the same for many turns and node-llama-cpp reuses its evaluated prefix instead of
   * evaluating the whole prompt again every turn.
   */
  private fit(segments: Segment[]): { history: ChatHistoryItem[]; inputTokens: number; maxTokens: number } {
    const contextSize = this.contextSize;
    // Room kept for the reply: the token limit, but never more than half the context (a limit
    // meant for an API model, e.g. --max-tokens 8192, must not squeeze the conversation out).
    const wanted = Math.min(this.maxTokens, Math.floor(contextSize / 2));
    const limit = contextSize - Math.max(wanted, MIN_REPLY_TOKENS) - CONTEXT_MARGIN;
    const firstUser = segments.findIndex((s) => s.role === 'user');
    const keepHead = firstUser === -1 ? 1 : firstUser + 1;
    const conversation = segments.slice(0, keepHead).map((s) => s.text).join('\u0000');
    if (this.dropped.conversation !== conversation) this.dropped = { conversation, count: 0 };

    let history = toHistory(segments);
    let tokens = this.promptTokens(history);
    const done = (): { history: ChatHistoryItem[]; inputTokens: number; maxTokens: number } => ({
      history,
      inputTokens: tokens,
      maxTokens: Math.max(1, Math.min(this.maxTokens, contextSize - tokens - CONTEXT_MARGIN)),
    });
    if (tokens <= limit && this.dropped.count === 0) return done();
    const recount = (target = limit): boolean => {
      history = toHistory(segments);
      tokens = this.promptTokens(history);
      return tokens <= target;
    };
    logger.debug(`${this.spec}: prompt of ${tokens} tokens, limit ${limit}; ${this.dropped.count} old segment(s) dropped before`);

    // 1. Shorten every tool output but the latest two (the same ones each turn: a stable prefix).
    const toolIndexes = segments.flatMap((s, i) => (s.role === 'tool' ? [i] : []));
    for (const i of toolIndexes.slice(0, -2)) {
      const s = segments[i] as Segment;
      s.text = shorten(s.text, 600);
    }
    // 2. Drop the oldest turns after the task: as many as before, then more, down to 60% of the limit.
    const dropAt = (count: number): void => {
      const n = Math.min(count, Math.max(0, segments.length - 1 - keepHead));
      if (n > 0) segments.splice(keepHead, n, { role: 'user', text: '[earlier turns removed to fit the context]' });
    };
    const original = segments.slice();
    dropAt(this.dropped.count);
    if (recount()) return done();
    for (let count = this.dropped.count + 2; keepHead + count < original.length - 1; count += 2) {
      segments.splice(0, segments.length, ...original);
      dropAt(count);
      this.dropped.count = count;
      if (recount(Math.floor(limit * 0.6))) return done();
    }
    if (tokens <= limit) return done();
    if (recount()) return done();
    // 4. Cut the longest remaining texts until it fits.
    for (let round = 0; round < 64; round += 1) {
      let longest = segments[0] as Segment;
      for (const s of segments) if (s.text.length > longest.text.length) longest = s;
      if (longest.text.length <= 64) break;
      longest.text = shorten(longest.text, Math.floor(longest.text.length / 2));
      if (recount()) return done();
    }
    if (contextSize - tokens - CONTEXT_MARGIN >= MIN_REPLY_TOKENS) return done();
    throw new HarnessError(`${this.spec}: the context of ${contextSize} tokens cannot hold even the shortened conversation (${tokens} tokens)`);
  }

  private grammarFor(tools: ToolSpec[], budget: StringBudget): Promise<LlamaGrammar> {
    const allowFinal = this.settings.allowFinalAnswer === true;
    const key = JSON.stringify([tools, budget, allowFinal]);
    let g = this.grammars.get(key);
    if (g === undefined) {
      const schema = replySchema(tools, budget, allowFinal);
      g = getLocalLlama().then((llama) => llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema as unknown as GbnfJsonSchema));
      this.grammars.set(key, g);
      g.catch(() => this.grammars.delete(key));
    }
    return g;
  }

  generate(messages: ChatMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelReply> {
    // One generation at a time per instance (one context sequence).
    const run = this.queue.then(
      () => this.generateNow(messages, tools, signal),
      () => this.generateNow(messages, tools, signal),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async generateNow(messages: ChatMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelReply> {
    signal?.throwIfAborted();
    await this.load();
    const chat = this.chat as LlamaChat;
    const started = performance.now();
    const budget = stringBudget(this.maxTokens);
    const grammar = await this.grammarFor(tools, budget);
    const fitStarted = performance.now();
    const { history, inputTokens, maxTokens } = this.fit(toSegments(messages, tools, budget, this.settings.allowFinalAnswer === true));
    const fitMs = performance.now() - fitStarted;

    let outputTokens = 0;
    const temperature = this.settings.temperature ?? DEFAULT_LOCAL_TEMPERATURE;
    const response = await chat.generateResponse(history, {
      grammar,
      maxTokens,
      temperature,
      ...(temperature > 0 ? { topP: 0.95 } : {}),
      ...(this.settings.seed === undefined ? {} : { seed: this.settings.seed }),
      ...(signal === undefined ? {} : { signal }),
      onToken: (tokens) => {
        outputTokens += tokens.length;
      },
    });
    const cutOff = response.metadata.stopReason === 'maxTokens';
    logger.debug(
      `${this.spec}: ${inputTokens} prompt tokens (fitted in ${Math.round(fitMs)} ms), ${outputTokens} generated in ${Math.round(performance.now() - started - fitMs)} ms, stop ${response.metadata.stopReason}`,
    );
    const parsed = parseLocalReply(response.response, tools, cutOff, maxTokens);
    const stopReason: StopReason = parsed.toolCalls.length > 0 ? 'tool_calls' : parsed.truncated ? 'max_tokens' : 'end';
    return {
      text: parsed.text,
      toolCalls: parsed.toolCalls,
      usage: { inputTokens, outputTokens },
      stopReason,
      latencyMs: Math.round(performance.now() - started),
      costUsd: 0,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const chat = this.chat;
    const context = this.context;
    this.chat = undefined;
    this.context = undefined;
    await this.queue.catch(() => undefined);
    chat?.dispose();
    if (context !== undefined && !context.disposed) await context.dispose();
  }
}
