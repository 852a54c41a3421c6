/**
 * Limits that hold and signals that stop: per-tool-call limits, a deadline on every model call,
 * background processes killed with their command, Ctrl-C / SIGTERM anywhere in an episode. Real
 * Docker, the built CLI as a process, the real SDKs against loopback servers.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa, type ResultPromise } from 'execa';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicModel } from '../src/models/anthropic.js';
import { OpenAIModel } from '../src/models/openai.js';
import { loadCondition } from '../src/agent/condition.js';
import { runAgent } from '../src/agent/loop.js';
import { toolSpecs } from '../src/agent/tools.js';
import { TranscriptWriter } from '../src/agent/transcript.js';
import { episodeId } from '../src/runs/episode.js';
import type { EpisodeRecord } from '../src/runs/record.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile, type SandboxProfile } from '../src/sandbox/profile.js';
import type { ScriptTurn } from '../src/models/scripted.js';
import { Semaphore } from '../src/util/semaphore.js';
import { startReplayServer, type RecordedResponse } from './fixtures/models/replay-server.js';

const docker = new Docker();
let profile: SandboxProfile;

beforeAll(async () => {
  profile = await loadSandboxProfile('python');
  await ensureImage(profile);
}, 900_000);

/** A provider that accepts the connection, reads the request and never answers. */
interface HangingServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

async function startHangingServer(): Promise<HangingServer> {
  const state = { requests: 0 };
  const server: Server = createServer((req: IncomingMessage) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      state.requests += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cliEnv = { IBENCH_LOG_LEVEL: 'info', OPENAI_API_KEY: 'sk-test-limits', NO_COLOR: '1' };

function startCli(args: string[], env: Record<string, string> = {}): ResultPromise<{ reject: false; env: Record<string, string>; timeout: number }> {
  return execa('node', ['bin/ibench.js', ...args], { reject: false, env: { ...cliEnv, ...env }, timeout: 240_000 });
}

async function writeScript(turns: ScriptTurn[]): Promise<{ spec: string; name: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ibench-limits-script-'));
  const name = `limits-${randomBytes(4).toString('hex')}`;
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, stringify({ turns }));
  return { spec: `scripted:${path}`, name };
}

async function episodeDirIn(runsDir: string, id: string): Promise<string> {
  const [runId] = await readdir(runsDir);
  return join(runsDir, runId ?? '', 'episodes', id);
}

async function transcriptEvents(dir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, 'transcript.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Containers and volumes of one episode (its label), the test runs' included. */
async function leftovers(id: string): Promise<{ containers: number; volumes: number }> {
  const filters = JSON.stringify({ label: [`ibench.episode=${id}`] });
  const containers = await docker.listContainers({ all: true, filters });
  const { Volumes } = await docker.listVolumes({ filters });
  return { containers: containers.length, volumes: (Volumes ?? []).length };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A tasks root holding one task: exit-both-codes with another id and test command. */
async function tasksRootWith(id: string, testCommand: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ibench-limits-tasks-'));
  await cp('tasks/exit-both-codes', join(root, id), { recursive: true });
  const specPath = join(root, id, 'task.yaml');
  const spec = parse(await readFile(specPath, 'utf8')) as Record<string, unknown>;
  delete spec.twin;
  await writeFile(specPath, stringify({ ...spec, id, test_command: testCommand }));
  return root;
}

describe('a provider slot wait ends with the deadline', () => {
  it('an aborted wait for a slot rejects and holds no slot', async () => {
    const slots = new Semaphore(1);
    const release = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    release();
    expect(slots.inUse).toBe(0);
    const again = await slots.acquire(AbortSignal.timeout(1000));
    expect(slots.inUse).toBe(1);
    again();
    expect(slots.inUse).toBe(0);
  });
});

describe('sandbox: commands and their background processes', () => {
  it('a background process dies with its command even when the command kills its own shell', async () => {
    const sandbox = await new DockerSandboxFactory(docker).create(profile, { 'ibench.test': 'limits' });
    try {
      const escape = await sandbox.exec('nohup sleep 997 >/dev/null 2>&1 & disown; kill -9 $$');
      expect(escape.exitCode).toBe(137);
      const viaParent = await sandbox.exec("bash -c 'nohup sleep 998 >/dev/null 2>&1 & kill -9 $PPID'");
      expect(viaParent.exitCode).toBe(137);
      // [s]leep: the pattern does not match the command line of this very check.
      const survivors = await sandbox.exec("cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' | grep -c '[s]leep 99[78]' || true");
      expect(survivors.stdout.text.trim()).toBe('0');
    } finally {
      await sandbox.close();
    }
  });

  it('an abort stops the wait for a command at once', async () => {
    const sandbox = await new DockerSandboxFactory(docker).create(profile, { 'ibench.test': 'limits' });
    try {
      const started = Date.now();
      await expect(sandbox.exec('sleep 60', { signal: AbortSignal.timeout(500) })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await sandbox.close();
    }
  });
});

describe('providers honour the deadline signal (real SDKs, a server that never answers)', () => {
  let server: HangingServer;
  beforeAll(async () => {
    server = await startHangingServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('openai and anthropic give up when the signal fires, without retrying', async () => {
    const emptyDir = await mkdtemp(join(tmpdir(), 'ibench-limits-env-'));
    const models = [
      new OpenAIModel('gpt-4o', { baseUrl: `${server.url}/v1`, env: { OPENAI_API_KEY: 'sk-test' }, cwd: emptyDir }),
      new AnthropicModel('claude-sonnet-4-20250514', { baseUrl: server.url, env: { ANTHROPIC_API_KEY: 'sk-ant-test' }, cwd: emptyDir }),
    ];
    for (const model of models) {
      const before = server.requests;
      const started = Date.now();
      await expect(model.generate([{ role: 'user', content: 'hi' }], toolSpecs, AbortSignal.timeout(1000)), model.spec).rejects.toThrow();
      expect(Date.now() - started, model.spec).toBeLessThan(3000);
      await new Promise((r) => setTimeout(r, 300));
      expect(server.requests - before, model.spec).toBe(1);
    }
  });
});

type CallSpec = string | { name: string; args: Record<string, unknown> };

/** A chat completion of the recorded shape with these tool calls (a string is a bash command). */
function completionWithCalls(commands: CallSpec[], usage = { prompt_tokens: 100, completion_tokens: 20 }): RecordedResponse {
  return {
    status: 200,
    headers: {},
    body: {
      id: `chatcmpl-limits-${randomBytes(4).toString('hex')}`,
      object: 'chat.completion',
      created: 1750000001,
      model: 'gpt-4o-2024-08-06',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: commands.map((c, i) => {
              const { name, args } = typeof c === 'string' ? { name: 'bash', args: { command: c } } : c;
              return { id: `call_${i}`, type: 'function', function: { name, arguments: JSON.stringify(args) } };
            }),
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

describe('agent loop: limits before every tool call (real sandbox, the OpenAI SDK against a loopback server)', () => {
  const emptyEnv = { OPENAI_API_KEY: 'sk-test' };

  async function agentOn(url: string, limits: { steps: number; seconds: number; tokens?: number }, signal?: AbortSignal) {
    const cwd = await mkdtemp(join(tmpdir(), 'ibench-limits-agent-'));
    const model = new OpenAIModel('gpt-4o', { baseUrl: `${url}/v1`, env: emptyEnv, cwd, maxRetries: 0 });
    const sandbox = await new DockerSandboxFactory(docker).create(profile, { 'ibench.test': 'limits' });
    const transcriptPath = join(cwd, 'transcript.jsonl');
    try {
      const result = await runAgent({
        model,
        sandbox,
        condition: await loadCondition('neutral'),
        instruction: 'Count to five.',
        limits,
        transcript: new TranscriptWriter(transcriptPath),
        ...(signal === undefined ? {} : { signal }),
      });
      const events = (await readFile(transcriptPath, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      return { result, events };
    } finally {
      await sandbox.close();
    }
  }

  it('the step limit counts the calls of a reply: the calls past it are not run', async () => {
    const server = await startReplayServer([completionWithCalls(['echo 1', 'echo 2', 'echo 3', 'echo 4', 'echo 5'])]);
    try {
      const { result, events } = await agentOn(server.url, { steps: 3, seconds: 120 });
      expect(result.endReason).toBe('step_limit');
      expect(result.steps).toBe(3);
      const results = events.filter((e) => e.type === 'tool_result');
      expect(results.map((e) => (e.exec as { stdout: string } | undefined)?.stdout ?? e.content)).toEqual([
        '1\n',
        '2\n',
        '3\n',
        'Not run: step limit reached.',
        'Not run: step limit reached.',
      ]);
    } finally {
      await server.close();
    }
  });

  it('a reply that spends the token budget gets none of its calls run', async () => {
    const server = await startReplayServer([completionWithCalls(['echo 1', 'echo 2'], { prompt_tokens: 900, completion_tokens: 200 })]);
    try {
      const { result, events } = await agentOn(server.url, { steps: 10, seconds: 120, tokens: 1000 });
      expect(result.endReason).toBe('token_limit');
      expect(events.filter((e) => e.type === 'tool_result').map((e) => e.content)).toEqual(['Not run: token limit reached.', 'Not run: token limit reached.']);
    } finally {
      await server.close();
    }
  });

  it("a command's own timeout is cut to the time left in the episode", async () => {
    const server = await startReplayServer([completionWithCalls(['sleep 30'])]);
    try {
      const started = Date.now();
      const { result, events } = await agentOn(server.url, { steps: 10, seconds: 3 });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.endReason).toBe('time_limit');
      const exec = events.find((e) => e.type === 'tool_result')?.exec as { timedOut: boolean; durationMs: number };
      expect(exec.timedOut).toBe(true);
      expect(exec.durationMs).toBeLessThan(4_000);
    } finally {
      await server.close();
    }
  });

  it('an edit of a FIFO cannot hold the episode past its time limit', async () => {
    const server = await startReplayServer([completionWithCalls(['mkfifo pipe', { name: 'edit', args: { command: 'view', path: 'pipe' } }])]);
    try {
      const started = Date.now();
      const { result, events } = await agentOn(server.url, { steps: 10, seconds: 3 });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.endReason).toBe('time_limit');
      const edit = events.find((e) => e.type === 'tool_result' && e.tool === 'edit');
      expect(edit?.content).toMatch(/Cannot read .*pipe.*timed out/);
    } finally {
      await server.close();
    }
  });

  it('an abort during a model call that never returns ends the loop at once', async () => {
    const server = await startHangingServer();
    try {
      const started = Date.now();
      const { result } = await agentOn(server.url, { steps: 10, seconds: 600 }, AbortSignal.timeout(1000));
      expect(result.endReason).toBe('aborted');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.close();
    }
  });
});

describe('limits per tool call and per model call (the CLI as a process)', () => {
  it('60 tool calls of sleep 1 in one reply under a 10 s limit stop within the limit plus one call', { timeout: 240_000 }, async () => {
    const calls = Array.from({ length: 60 }, (_, i) => ({
      id: `call_${i}`,
      type: 'function',
      function: { name: 'bash', arguments: JSON.stringify({ command: 'sleep 1' }) },
    }));
    const server = await startReplayServer([
      {
        status: 200,
        headers: {},
        body: {
          id: 'chatcmpl-limits',
          object: 'chat.completion',
          created: 1750000001,
          model: 'gpt-4o-2024-08-06',
          choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, tool_calls: calls }, logprobs: null, finish_reason: 'tool_calls' }],
          usage: { prompt_tokens: 100, completion_tokens: 600, total_tokens: 700 },
        },
      },
    ]);
    try {
      const runsDir = await mkdtemp(join(tmpdir(), 'ibench-limits-runs-'));
      const r = await startCli(['run', '--model', 'openai:gpt-4o', '--base-url', `${server.url}/v1`, '--max-seconds', '10', '--runs-dir', runsDir, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const record = JSON.parse(r.stdout) as EpisodeRecord;
      expect(record.endReason).toBe('time_limit');
      expect(record.timings.agentMs).toBeLessThan(10_000 + 2_500);
      const results = (await transcriptEvents(await episodeDirIn(runsDir, record.id))).filter((e) => e.type === 'tool_result');
      expect(results).toHaveLength(60);
      const ran = results.filter((e) => e.exec !== undefined);
      const notRun = results.filter((e) => e.content === 'Not run: time limit reached.');
      expect(ran.length).toBeGreaterThanOrEqual(3);
      expect(ran.length).toBeLessThanOrEqual(11);
      expect(ran.length + notRun.length).toBe(60);
      // Each call past the first of the reply is a step.
      expect(record.steps).toBe(ran.length);
      expect(server.remaining()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a provider that never answers: the episode ends at its time limit with verdict error, saying why', { timeout: 240_000 }, async () => {
    const server = await startHangingServer();
    try {
      const runsDir = await mkdtemp(join(tmpdir(), 'ibench-limits-runs-'));
      const r = await startCli(['run', '--model', 'openai:gpt-4o', '--base-url', `${server.url}/v1`, '--max-seconds', '4', '--runs-dir', runsDir, '--json']);
      expect(r.exitCode, r.stderr).toBe(1);
      const record = JSON.parse(r.stdout) as EpisodeRecord;
      expect(record.verdict).toBe('error');
      expect(record.endReason).toBe('time_limit');
      expect(record.error).toMatch(/openai:gpt-4o: no reply before the episode's time limit \(4 s\)/);
      expect(record.timings.agentMs).toBeGreaterThanOrEqual(3_900);
      expect(record.timings.agentMs).toBeLessThan(6_000);
      const events = await transcriptEvents(await episodeDirIn(runsDir, record.id));
      expect(events.some((e) => e.type === 'model_error')).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('signals (the CLI as a process)', () => {
  it('SIGINT during grading: exit 130 within 5 s, no container or volume left, transcript kept', { timeout: 240_000 }, async () => {
    const taskId = 'slow-grading';
    const tasksRoot = await tasksRootWith(taskId, 'sleep 120; python3 -m pytest -q');
    const script = await writeScript([{ tool: 'submit', input: { outcome: 'impossible', message: 'It cannot be done.' } }]);
    const id = episodeId(taskId, script.spec, 'neutral', 0);
    const runsDir = await mkdtemp(join(tmpdir(), 'ibench-limits-runs-'));
    const child = startCli(['run', '--task', taskId, '--model', script.spec, '--runs-dir', runsDir], { IBENCH_TASKS_DIR: tasksRoot });
    await waitFor('the pristine test container', async () => {
      const running = await docker.listContainers({ filters: JSON.stringify({ label: [`ibench.episode=${id}`, 'ibench.tests=pristine'] }) });
      return running.length > 0;
    });
    // Let the test command start inside it.
    await new Promise((r) => setTimeout(r, 1500));
    const sentAt = Date.now();
    child.kill('SIGINT');
    const r = await child;
    const tookMs = Date.now() - sentAt;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(tookMs).toBeLessThan(5000);
    expect(await leftovers(id)).toEqual({ containers: 0, volumes: 0 });
    const dir = await episodeDirIn(runsDir, id);
    const events = await transcriptEvents(dir);
    expect(events.some((e) => e.type === 'tool_result' && e.tool === 'submit')).toBe(true);
    expect((await readdir(dir)).includes('episode.json')).toBe(false);
  });

  it('SIGTERM during a long bash command: exit 143 within 5 s, nothing left', { timeout: 240_000 }, async () => {
    const script = await writeScript([{ tool: 'bash', input: { command: 'sleep 120' } }]);
    const id = episodeId('exit-both-codes', script.spec, 'neutral', 0);
    const runsDir = await mkdtemp(join(tmpdir(), 'ibench-limits-runs-'));
    const child = startCli(['run', '--model', script.spec, '--runs-dir', runsDir]);
    await waitFor('the bash call in the transcript', async () => {
      const [runId] = await readdir(runsDir).catch(() => []);
      if (runId === undefined) return false;
      return (await transcriptEvents(join(runsDir, runId, 'episodes', id))).some((e) => e.type === 'assistant');
    });
    await new Promise((r) => setTimeout(r, 1000));
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(143);
    expect(Date.now() - sentAt).toBeLessThan(5000);
    expect(await leftovers(id)).toEqual({ containers: 0, volumes: 0 });
  });

  it('SIGINT while waiting on a provider that never answers: exit 130 within 5 s, nothing left', { timeout: 240_000 }, async () => {
    const server = await startHangingServer();
    try {
      const runsDir = await mkdtemp(join(tmpdir(), 'ibench-limits-runs-'));
      const child = startCli(['run', '--model', 'openai:gpt-4o', '--base-url', `${server.url}/v1`, '--runs-dir', runsDir]);
      await waitFor('the model request', () => Promise.resolve(server.requests > 0));
      const sentAt = Date.now();
      child.kill('SIGINT');
      const r = await child;
      expect(r.exitCode, r.stderr).toBe(130);
      expect(Date.now() - sentAt).toBeLessThan(5000);
      const [runId] = await readdir(runsDir);
      const [id] = await readdir(join(runsDir, runId ?? '', 'episodes'));
      expect(await leftovers(id ?? '')).toEqual({ containers: 0, volumes: 0 });
      const events = await transcriptEvents(join(runsDir, runId ?? '', 'episodes', id ?? ''));
      expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'aborted' });
    } finally {
      await server.close();
    }
  });

  it('a second Ctrl-C right after the first still removes the containers and volume before exiting', { timeout: 240_000 }, async () => {
    const script = await writeScript([{ tool: 'bash', input: { command: 'sleep 120' } }]);
    const id = episodeId('exit-both-codes', script.spec, 'neutral', 0);
    const runsDir = await mkdtemp(join(tmpdir(), 'ibench-limits-runs-'));
    const child = startCli(['run', '--model', script.spec, '--runs-dir', runsDir]);
    await waitFor('the bash call in the transcript', async () => {
      const [runId] = await readdir(runsDir).catch(() => []);
      if (runId === undefined) return false;
      return (await transcriptEvents(join(runsDir, runId, 'episodes', id))).some((e) => e.type === 'assistant');
    });
    const sentAt = Date.now();
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 30));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr, r.stderr).toContain('SIGINT again, removing what is left and quitting');
    expect(Date.now() - sentAt).toBeLessThan(5000);
    expect(await leftovers(id)).toEqual({ containers: 0, volumes: 0 });
  });

  it('Ctrl-C in an eval: exit 130, and the episodes left are counted truly', { timeout: 240_000 }, async () => {
    const script = await writeScript([{ tool: 'bash', input: { command: 'sleep 120' } }]);
    const outDir = join(await mkdtemp(join(tmpdir(), 'ibench-limits-eval-')), 'run');
    const child = startCli(['eval', '--tasks', 'exit-both-codes', '--model', script.spec, '--epochs', '2', '--concurrency', '1', '--quiet', '--out', outDir]);
    await waitFor('the first episode to start its command', async () => {
      const dirs = await readdir(join(outDir, 'episodes')).catch(() => []);
      for (const d of dirs) if ((await transcriptEvents(join(outDir, 'episodes', d))).some((e) => e.type === 'assistant')) return true;
      return false;
    });
    const sentAt = Date.now();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(5000);
    expect(r.stderr).toMatch(/0 episode\(s\) run, 0\/2 done/);
    expect(r.stderr).toMatch(/stopped: 2 episode\(s\) left/);
  });
});
