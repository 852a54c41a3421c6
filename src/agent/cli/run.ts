/**
 * One episode's run of an installed CLI agent: the same shape as the builtin loop (runAgent), but
 * the agent's own program works in the sandbox and its model calls go through the per-episode
 * model proxy, which answers them with the harness's model, records them, and holds the limits.
 */
import { appendFile, chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model } from '../../models/types.js';
import type { Sandbox } from '../../sandbox/types.js';
import { errorMessage, HarnessError } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import { shellQuote } from '../../util/shell-quote.js';
import { renderSystem, renderUserTurn, type Condition } from '../condition.js';
import type { AgentLimits, AgentRunResult, EndReason } from '../loop.js';
import { startModelProxy, type ModelProxy, type ProxyLimits, type ProxyRecord } from '../proxy/server.js';
import type { TranscriptWriter } from '../transcript.js';
import type { AgentCommand, AgentCommandInput, CliAgentAdapter } from './adapter.js';
import { FORWARDER_PORT, PROXY_SOCKET_NAME, forwarderArgv } from './forwarder.js';

export interface CliAgentRunInput {
  adapter: CliAgentAdapter;
  model: Model;
  /** A sandbox of the agent's image, created with `proxyDir` mounted (SandboxCreateOptions). */
  sandbox: Sandbox;
  /** The host folder mounted at /run/ibench-proxy: the proxy's socket is made in it. */
  proxyDir: string;
  condition: Condition;
  instruction: string;
  limits: AgentLimits;
  transcript: TranscriptWriter;
  signal?: AbortSignal;
  /** Where the agent's own stdout is kept (each session appended, capped), e.g. <episode>/agent-log.jsonl. */
  logPath?: string;
}

export interface CliAgentRunResult extends AgentRunResult {
  /** The agent's version as its log reports it. */
  agentVersion: string | null;
}

/** Bytes of the agent's stdout kept per session (head and tail). */
const AGENT_LOG_KEEP_BYTES = 32 * 1024 * 1024;

/** A fresh host folder for the proxy's socket (0755: the container's users reach the socket in it). */
export async function makeProxyDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'ibench-proxy-'));
  await chmod(path, 0o755);
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * The model name the agent is started with. A provider's own name where the spec has one; for the
 * harness's other models (scripted, replay, local) a name the agent accepts as its own provider's.
 */
export function agentModelName(spec: string, adapter: CliAgentAdapter): string {
  const [provider, ...rest] = spec.split(':');
  const name = rest.join(':');
  if ((provider === 'anthropic' && adapter.api === 'anthropic-messages') || (provider === 'openai' && adapter.api !== 'anthropic-messages')) {
    if (name !== '') return name;
  }
  return adapter.defaultModel;
}

export async function runCliAgent(input: CliAgentRunInput): Promise<CliAgentRunResult> {
  const { adapter, sandbox, transcript, limits, condition } = input;
  const deadline = Date.now() + limits.seconds * 1000;
  const pushbacks = [...condition.pushback];
  const userTurn = renderUserTurn(condition, input.instruction);
  // The agent names its own tools; the condition's words about the builtin loop's are left out.
  const system = renderSystem(condition, '');
  await transcript.record({ type: 'system', content: system });
  await transcript.record({ type: 'user', content: userTurn });

  let calls = 0;
  let recording: Promise<void> = Promise.resolve();
  const proxy = await openProxyRoute({
    sandbox,
    proxyDir: input.proxyDir,
    model: input.model,
    limits: { calls: limits.steps, deadline, ...(limits.tokens === undefined ? {} : { tokens: limits.tokens }) },
    onRecord: (record) => {
      calls += 1;
      const step = calls;
      recording = recording.then(() => transcript.record({ type: 'model_call', step, ...record }));
    },
    ...(input.signal === undefined ? {} : { signal: input.signal }),
  });

  let lastText = '';
  let version: string | null = null;
  let endReason: EndReason = 'exited';
  let modelError: string | undefined;
  let nextStep = 1;
  try {
    const commandInput: AgentCommandInput = {
      instruction: userTurn,
      systemPrompt: system,
      model: agentModelName(input.model.spec, adapter),
      baseUrl: `http://127.0.0.1:${FORWARDER_PORT}`,
      home: `/home/${sandbox.profile.user.name}`,
      workdir: sandbox.profile.workdir,
    };
    let command: AgentCommand = adapter.command(commandInput);
    for (;;) {
      for (const file of command.files ?? []) await sandbox.writeFile(file.path, file.content);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        endReason = 'time_limit';
        break;
      }
      const result = await sandbox.exec(`exec ${command.argv.map(shellQuote).join(' ')} </dev/null`, {
        env: command.env,
        timeoutMs: remaining,
        keepBytes: AGENT_LOG_KEEP_BYTES,
        ...(input.signal === undefined ? {} : { signal: input.signal }),
      });
      await recording;
      if (input.logPath !== undefined) await appendFile(input.logPath, result.stdout.text);
      const log = adapter.readLog(result.stdout.text, nextStep);
      if (result.exitCode !== 0 && !result.timedOut && log.events.length === 0 && log.version === null && proxy.records.length === 0 && input.signal?.aborted !== true) {
        // It never got going (a broken image, too little memory, a bad flag): the harness's failure, not the agent's.
        throw new HarnessError(`${adapter.name} exited ${result.exitCode} before it started: ${(result.stderr.text.trim() || result.stdout.text.trim()).slice(-500)}`);
      }
      for (const event of log.events) {
        await transcript.record(event);
        if ('step' in event) nextStep = Math.max(nextStep, event.step + 1);
      }
      version ??= log.version;
      if (log.finalText !== null && log.finalText.trim() !== '') lastText = log.finalText;
      if (log.skippedLines > 0) logger.debug(`${adapter.name}: ${log.skippedLines} line(s) of its log were not events`);
      if (!log.ended) logger.debug(`${adapter.name} exited ${result.exitCode} without its end record: ${result.stderr.text.trim().slice(-2000)}`);

      const ended = classify(proxy, limits, deadline, result.timedOut);
      endReason = ended.reason;
      modelError = ended.modelError;
      if (endReason !== 'exited' || input.signal?.aborted === true) break;
      const text = pushbacks.shift();
      if (text === undefined || adapter.resume === undefined) break;
      await transcript.record({ type: 'user', content: text, pushback: true });
      command = adapter.resume(commandInput, text);
    }
  } catch (err) {
    if (input.signal?.aborted !== true) throw err;
  } finally {
    await proxy.close();
    await recording;
  }
  if (input.signal?.aborted === true) endReason = 'aborted';
  const used = proxy.usage();
  const costs = proxy.records.flatMap((r) => (r.reply?.costUsd === undefined ? [] : [r.reply.costUsd]));
  if (used.unrecorded > 0) {
    await transcript.record({ type: 'model_error', step: used.calls, message: `the proxy refused ${used.unrecorded} more requests (bad, or past a limit) than it records; they are counted, not kept` });
  }
  await transcript.record({ type: 'end', reason: endReason, steps: used.calls });
  return {
    submit: null,
    lastAssistantText: lastText,
    endReason,
    steps: used.calls,
    usage: { inputTokens: used.inputTokens, outputTokens: used.outputTokens, ...(costs.length === 0 ? {} : { costUsd: costs.reduce((x, y) => x + y, 0) }) },
    agentVersion: version,
    ...(modelError === undefined ? {} : { modelError }),
  };
}

/** Why the agent's process ended: a limit the proxy or the exec held, the upstream model failing, or by itself. */
function classify(proxy: ModelProxy, limits: AgentLimits, deadline: number, timedOut: boolean): { reason: EndReason; modelError?: string } {
  if (timedOut) return { reason: 'time_limit' };
  if (proxy.stoppedBy() !== null) {
    const used = proxy.usage();
    if (used.calls >= limits.steps) return { reason: 'step_limit' };
    if (limits.tokens !== undefined && used.inputTokens + used.outputTokens >= limits.tokens) return { reason: 'token_limit' };
    if (Date.now() >= deadline) return { reason: 'time_limit' };
  }
  const last = proxy.records[proxy.records.length - 1];
  if (last !== undefined && last.status >= 500) {
    return { reason: 'model_error', modelError: (last.error ?? `the proxy answered ${last.status}`).replace(/^the model failed: /, '') };
  }
  return { reason: 'exited' };
}

/**
 * The agent's one route out: the model proxy on a socket in `proxyDir` (mounted in the sandbox at
 * /run/ibench-proxy) and the forwarder from the container's loopback port to it.
 */
export async function openProxyRoute(input: {
  sandbox: Sandbox;
  proxyDir: string;
  model: Model;
  limits: ProxyLimits;
  onRecord?: (record: ProxyRecord) => void;
  signal?: AbortSignal;
}): Promise<ModelProxy> {
  const proxy = await startModelProxy({
    model: input.model,
    listen: { socketPath: join(input.proxyDir, PROXY_SOCKET_NAME) },
    limits: input.limits,
    ...(input.onRecord === undefined ? {} : { onRecord: input.onRecord }),
  });
  try {
    await startForwarder(input.sandbox, input.signal);
    return proxy;
  } catch (err) {
    await proxy.close();
    throw err;
  }
}

/** Starts the forwarder (as nobody, detached) and waits until its port takes connections. */
async function startForwarder(sandbox: Sandbox, signal: AbortSignal | undefined): Promise<void> {
  if (sandbox.startService === undefined) throw new HarnessError('this sandbox cannot run the forwarder to the model proxy (no startService)');
  await sandbox.startService(forwarderArgv());
  const wait = await sandbox.exec(
    `for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/${FORWARDER_PORT}) 2>/dev/null && exit 0; sleep 0.05; done; exit 1`,
    { cwd: '/', timeoutMs: 20_000, ...(signal === undefined ? {} : { signal }) },
  );
  if (wait.exitCode !== 0) throw new HarnessError(`the forwarder to the model proxy did not start in the sandbox: ${errorMessage(wait.stderr.text.trim() || `exit ${wait.exitCode}`)}`);
}
