import { addUsage, type ChatMessage, type Model, type ToolCall, type Usage } from '../models/types.js';
import type { Sandbox } from '../sandbox/types.js';
import { deadlineSignal, raceSignal } from '../util/abort.js';
import { errorMessage } from '../util/errors.js';
import { renderSystem, renderUserTurn, type Condition } from './condition.js';
import { EditToolError, runEdit, sandboxEditFs } from './edit-tool.js';
import { headTail } from './shell.js';
import { BUILTIN_TOOLS_TEXT, bashInputSchema, editInputSchema, submitInputSchema, toolSpecs, type SubmitInput } from './tools.js';
import type { TranscriptWriter } from './transcript.js';

export interface AgentLimits {
  steps: number;
  seconds: number;
  tokens?: number;
}

export interface AgentRunInput {
  model: Model;
  sandbox: Sandbox;
  condition: Condition;
  instruction: string;
  limits: AgentLimits;
  transcript: TranscriptWriter;
  signal?: AbortSignal;
  /** Read-only test access: the test paths (relative to the workdir) the edit tool refuses to write. */
  readOnlyPaths?: ReadonlySet<string>;
}

/** exited: a CLI agent's process ended by itself (it has no submit). */
export type EndReason = 'submit' | 'no_tool_call' | 'exited' | 'step_limit' | 'time_limit' | 'token_limit' | 'aborted' | 'model_error';

export interface AgentRunResult {
  submit: SubmitInput | null;
  lastAssistantText: string;
  endReason: EndReason;
  steps: number;
  usage: Usage & { costUsd?: number };
  /**
   * Set when the provider failed: after its retries (endReason model_error), or with no reply
   * before the episode's time limit (endReason time_limit).
   */
  modelError?: string;
}

type LimitReason = Extract<EndReason, 'step_limit' | 'time_limit' | 'token_limit'>;

const LIMIT_NAMES: Record<LimitReason, string> = {
  step_limit: 'step limit',
  time_limit: 'time limit',
  token_limit: 'token limit',
};

/** What the model sees of a command's output: head and tail of about 10 KB. */
export const MODEL_OUTPUT_CHARS = 10_000;
const DEFAULT_COMMAND_SECONDS = 120;

/**
 * The agent loop: ask the model, run its tool calls in the sandbox, repeat until it submits,
 * stops calling tools, or hits a limit. Every event goes to the transcript as it happens.
 *
 * A step is a model turn, and each tool call after the first of a reply is a step of its own. The
 * limits are checked before every model call and every tool call: the calls of a reply past a
 * limit are answered "Not run: <limit> reached" and the episode ends there. A model call gets a
 * signal that fires at the episode's deadline (and on abort) and is abandoned when it fires, so a
 * provider that never answers cannot hold the episode past its time limit.
 */
export async function runAgent(input: AgentRunInput): Promise<AgentRunResult> {
  const { model, sandbox, condition, transcript, limits } = input;
  const deadline = Date.now() + limits.seconds * 1000;
  const pushbacks = [...condition.pushback];
  const usage: AgentRunResult['usage'] = { inputTokens: 0, outputTokens: 0 };
  const userTurn = renderUserTurn(condition, input.instruction);
  const system = renderSystem(condition, BUILTIN_TOOLS_TEXT);
  const messages: ChatMessage[] = [
    { role: 'system', content: system },
    { role: 'user', content: userTurn },
  ];
  await transcript.record({ type: 'system', content: system });
  await transcript.record({ type: 'user', content: userTurn });

  let submit: SubmitInput | null = null;
  let lastAssistantText = '';
  let steps = 0;

  const finish = async (endReason: EndReason, modelError?: string): Promise<AgentRunResult> => {
    await transcript.record({ type: 'end', reason: endReason, steps });
    return { submit, lastAssistantText, endReason, steps, usage, ...(modelError === undefined ? {} : { modelError }) };
  };
  /** The user's pushback, if the condition has one left: the episode goes on. */
  const pushBack = async (): Promise<boolean> => {
    const text = pushbacks.shift();
    if (text === undefined) return false;
    messages.push({ role: 'user', content: text });
    await transcript.record({ type: 'user', content: text, pushback: true });
    return true;
  };

  const aborted = (): boolean => input.signal?.aborted === true;
  /** The limit that stops what comes next, if one does; `newStep`: what comes next is a step of its own. */
  const limitReached = (newStep = true): LimitReason | undefined => {
    if (newStep && steps >= limits.steps) return 'step_limit';
    if (Date.now() >= deadline) return 'time_limit';
    if (limits.tokens !== undefined && usage.inputTokens + usage.outputTokens >= limits.tokens) return 'token_limit';
    return undefined;
  };
  while (true) {
    if (aborted()) return finish('aborted');
    const limit = limitReached();
    if (limit !== undefined) return finish(limit);

    steps += 1;
    let reply;
    const call = deadlineSignal(
      input.signal,
      deadline,
      () => new Error(`${model.spec}: no reply before the episode's time limit (${limits.seconds} s); the request was abandoned`),
    );
    try {
      reply = await raceSignal(model.generate(messages, toolSpecs, call.signal), call.signal);
    } catch (err) {
      if (aborted()) return finish('aborted');
      await transcript.record({ type: 'model_error', step: steps, message: errorMessage(err) });
      return finish(call.expired ? 'time_limit' : 'model_error', errorMessage(err));
    } finally {
      call.dispose();
    }
    addUsage(usage, reply.usage);
    if (reply.costUsd !== undefined) usage.costUsd = (usage.costUsd ?? 0) + reply.costUsd;
    await transcript.record({
      type: 'assistant',
      step: steps,
      text: reply.text,
      toolCalls: reply.toolCalls,
      usage: reply.usage,
      stopReason: reply.stopReason,
      latencyMs: reply.latencyMs,
      ...(reply.costUsd === undefined ? {} : { costUsd: reply.costUsd }),
      ...(reply.refusal === undefined ? {} : { refusal: reply.refusal }),
      ...(reply.reasoning === undefined ? {} : { reasoning: reply.reasoning }),
    });
    messages.push({ role: 'assistant', content: reply.text, toolCalls: reply.toolCalls, ...(reply.reasoning === undefined ? {} : { reasoning: reply.reasoning }) });
    const words = reply.text.trim() !== '' ? reply.text : (reply.refusal ?? '');
    if (words.trim() !== '') lastAssistantText = words;

    if (reply.toolCalls.length === 0) {
      if (await pushBack()) continue;
      return finish('no_tool_call');
    }

    let submitted = false;
    let stoppedBy: LimitReason | undefined;
    for (const [index, call] of reply.toolCalls.entries()) {
      if (submitted) {
        await answer(call, 'Not run: the episode ended with submit.', true);
        continue;
      }
      if (aborted()) return finish('aborted');
      // The reply's first call belongs to the step of the model turn; each further call is a step.
      stoppedBy ??= limitReached(index > 0);
      if (stoppedBy !== undefined) {
        await answer(call, `Not run: ${LIMIT_NAMES[stoppedBy]} reached.`, true);
        continue;
      }
      if (index > 0) steps += 1;
      if (call.name === 'submit') {
        const parsed = submitInputSchema.safeParse(call.arguments);
        if (call.argumentsError !== undefined || !parsed.success) {
          await answer(call, `Invalid submit arguments: ${call.argumentsError ?? parsed.error?.issues[0]?.message ?? ''}. Expected {outcome: completed|impossible|partial, message}.`, true);
          continue;
        }
        submit = parsed.data;
        if (parsed.data.message.trim() !== '') lastAssistantText = parsed.data.message;
        await answer(call, 'Submission received.', false);
        submitted = true;
      } else {
        const { content, isError, exec } = await runTool(call, sandbox, deadline, input.signal, input.readOnlyPaths);
        await answer(call, content, isError, exec);
      }
    }
    if (stoppedBy !== undefined) return finish(stoppedBy);
    if (submitted && submit !== null) {
      if (submit.outcome !== 'completed' && (await pushBack())) continue;
      return finish('submit');
    }
  }

  async function answer(call: ToolCall, content: string, isError: boolean, exec?: ExecRecord): Promise<void> {
    messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content, isError });
    await transcript.record({
      type: 'tool_result',
      step: steps,
      toolCallId: call.id,
      tool: call.name,
      isError,
      content,
      ...(exec === undefined ? {} : { exec }),
    });
  }
}

type ExecRecord = NonNullable<Extract<Parameters<TranscriptWriter['record']>[0], { type: 'tool_result' }>['exec']>;

async function runTool(
  call: ToolCall,
  sandbox: Sandbox,
  deadline: number,
  signal: AbortSignal | undefined,
  readOnly: ReadonlySet<string> | undefined,
): Promise<{ content: string; isError: boolean; exec?: ExecRecord }> {
  if (call.argumentsError !== undefined) {
    return { content: `Your call to ${call.name} was not run: ${call.argumentsError}`, isError: true };
  }
  if (call.name === 'bash') {
    const parsed = bashInputSchema.safeParse(call.arguments);
    if (!parsed.success) return { content: `Invalid bash arguments: ${describeIssue(parsed.error.issues)}. Expected {command: string, timeout?: seconds}.`, isError: true };
    // The command's own timeout never outlasts the episode's time limit.
    const timeoutMs = Math.max(1, Math.min((parsed.data.timeout ?? DEFAULT_COMMAND_SECONDS) * 1000, deadline - Date.now()));
    const result = await sandbox.exec(parsed.data.command, { timeoutMs, ...(signal === undefined ? {} : { signal }) });
    const exec: ExecRecord = {
      exitCode: result.exitCode,
      stdout: result.stdout.text,
      stderr: result.stderr.text,
      stdoutBytes: result.stdout.totalBytes,
      stderrBytes: result.stderr.totalBytes,
      timedOut: result.timedOut,
      oomKilled: result.oomKilled,
      outputLimitHit: result.outputLimitHit,
      durationMs: result.durationMs,
    };
    const notes = [
      result.timedOut ? `The command was killed after ${formatSeconds(timeoutMs)} s (timeout).` : '',
      result.oomKilled ? 'The command was killed: out of memory.' : '',
      result.outputLimitHit ? 'The command was killed: it wrote too much output.' : '',
    ].filter((n) => n !== '');
    const content = [
      `exit code: ${result.exitCode}`,
      ...notes,
      `[stdout]\n${headTail(result.stdout.text, MODEL_OUTPUT_CHARS / 2)}`,
      `[stderr]\n${headTail(result.stderr.text, MODEL_OUTPUT_CHARS / 2)}`,
    ].join('\n');
    return { content, isError: false, exec };
  }
  if (call.name === 'edit') {
    const parsed = editInputSchema.safeParse(call.arguments);
    if (!parsed.success) return { content: `Invalid edit arguments: ${describeIssue(parsed.error.issues)}.`, isError: true };
    try {
      return { content: headTail(await runEdit(sandboxEditFs(sandbox, { deadline, ...(signal === undefined ? {} : { signal }) }), parsed.data, sandbox.profile.workdir, readOnly), MODEL_OUTPUT_CHARS), isError: false };
    } catch (err) {
      if (err instanceof EditToolError) return { content: err.message, isError: true };
      throw err;
    }
  }
  return { content: `Unknown tool "${call.name}". The tools are bash, edit and submit.`, isError: true };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(1);
}

function describeIssue(issues: { path: (string | number)[]; message: string }[]): string {
  const issue = issues[0];
  if (issue === undefined) return 'invalid';
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}
