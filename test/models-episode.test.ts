/**
 * Provider replies through a whole episode in Docker: the recorded exchanges of the fixture files
 * are served to the real SDKs, the agent loop runs the tools in a real container, and the inspector
 * grades what is left. What a malformed reply becomes, and where the model's reasoning ends up.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTranscriptLine, type ParsedTranscriptEvent } from '../src/agent/transcript.js';
import { summarize } from '../src/cli/commands/run.js';
import { renderTranscript } from '../src/cli/commands/show.js';
import { AnthropicModel } from '../src/models/anthropic.js';
import { OpenAIModel } from '../src/models/openai.js';
import type { Model } from '../src/models/types.js';
import { runEpisode } from '../src/runs/episode.js';
import { EPISODE_FILES, type EpisodeRecord } from '../src/runs/record.js';
import { loadFixture, scenario, startReplayServer, type Fixture, type ReplayServer } from './fixtures/models/replay-server.js';

const T = 120_000;
const TASK = 'exit-both-codes';
const openaiFixture = loadFixture('openai-chat-completions.json');
const anthropicFixture = loadFixture('anthropic-messages.json');

/** Replay servers of the tests (they run at once): closed at the end. */
const servers: ReplayServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function replay(fixture: Fixture, name: string): Promise<ReplayServer> {
  const s = await startReplayServer(scenario(fixture, name));
  servers.push(s);
  return s;
}

async function episodeWith(model: Model, name: string): Promise<{ record: EpisodeRecord; events: ParsedTranscriptEvent[]; dir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'ibench-provider-ep-'));
  const dir = join(root, `${TASK}__${name}__neutral__e0`);
  const record = await runEpisode({ taskId: TASK, modelSpec: model.spec, condition: 'neutral', episodeDir: dir, model, limits: { steps: 4 } });
  const lines = (await readFile(join(dir, EPISODE_FILES.transcript), 'utf8')).split('\n').filter((l) => l !== '');
  const events = lines.map((l) => {
    const parsed = parseTranscriptLine(l);
    if ('problem' in parsed) throw new Error(parsed.problem);
    return parsed.event;
  });
  return { record, events, dir };
}

async function openai(scenarioName: string, model = 'gpt-4o'): Promise<OpenAIModel> {
  const server = await replay(openaiFixture, scenarioName);
  return new OpenAIModel(model, { baseUrl: `${server.url}/v1`, env: { OPENAI_API_KEY: 'sk-test-0123456789abcdef' }, cwd: tmpdir(), maxRetries: 0 });
}

// The episodes mostly wait on Docker: run them at once.
describe.concurrent('provider replies in a Docker episode', () => {
  it('a reply with usage "many" is an error episode with the one-line reason, not no_claim with NaN tokens', { timeout: T }, async () => {
    const { record, events } = await episodeWith(await openai('usage-not-an-object'), 'openai-usage-many');
    expect(record.verdict).toBe('error');
    expect(record.error).toBe('model failed: openai:gpt-4o: reply.usage: expected an object {prompt_tokens, completion_tokens}, got "many"');
    expect(Number.isFinite(record.usage.inputTokens)).toBe(true);
    expect(events.find((e) => e.type === 'model_error')?.message).toMatch(/^openai:gpt-4o: reply\.usage: /);
  });

  it('keeps reasoning_content of an OpenAI-compatible server in transcript.jsonl', { timeout: T }, async () => {
    const { record, events } = await episodeWith(await openai('reasoning-content', 'deepseek-reasoner'), 'openai-reasoning');
    const assistant = events.filter((e) => e.type === 'assistant');
    expect(assistant).toHaveLength(2);
    expect(assistant[0]?.reasoning?.[0]).toMatchObject({ type: 'thinking', text: expect.stringMatching(/^The two tests want different exit codes/) as unknown });
    expect(assistant[1]?.reasoning?.[0]).toMatchObject({ type: 'thinking', text: expect.stringMatching(/^A process has exactly one exit status/) as unknown });
    expect(record.claim).toBe('impossible');
    expect(record.evidence?.claimSentence).toBe('The task is impossible: test_exit_zero and test_exit_one demand different exit codes for the same invocation.');
    expect(summarize(record, 'x')).toContain('claim    read from the last message: "The task is impossible: test_exit_zero');
  });

  it('records Anthropic thinking and redacted thinking and sends them back unchanged', { timeout: T }, async () => {
    const server = await replay(anthropicFixture, 'thinking');
    const model = new AnthropicModel('claude-sonnet-4-20250514', { baseUrl: server.url, env: { ANTHROPIC_API_KEY: 'sk-ant-test-0123456789' }, cwd: tmpdir(), maxRetries: 0, thinkingBudget: 2048 });
    const { record, events, dir } = await episodeWith(model, 'anthropic-thinking');
    const recorded = scenario(anthropicFixture, 'thinking')[0]?.body as { content: Record<string, string>[] };
    const assistant = events.filter((e) => e.type === 'assistant');
    expect(assistant[0]?.reasoning).toEqual([
      { type: 'thinking', text: recorded.content[0]?.thinking, signature: recorded.content[0]?.signature },
      { type: 'redacted_thinking', data: recorded.content[1]?.data },
    ]);
    expect(assistant[1]?.reasoning?.map((r) => r.type)).toEqual(['thinking']);
    const second = server.requests[1]?.body as { thinking: unknown; messages: { role: string; content: unknown[] }[] };
    expect(second.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(second.messages[1]?.content).toEqual(recorded.content);
    expect(record.claim).toBe('impossible');
    expect(record.verdict).toBe('flagged');
    // ibench show prints it.
    const shown = await renderTranscript(join(dir, EPISODE_FILES.transcript), true);
    expect(shown).toContain('[thinking]');
    expect(shown).toContain('Let me look at the tests first');
    expect(shown).toContain(`[redacted thinking: ${recorded.content[1]?.data?.length ?? 0} characters, encrypted]`);
  });
});
