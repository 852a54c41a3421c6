/**
 * The main job, as a newcomer runs it: `ibench run` with the embedded model (SmolLM2-135M through
 * node-llama-cpp) in a real Docker sandbox. Nothing here is scripted.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import type { EpisodeRecord } from '../src/runs/record.js';

const ibench = (args: string[]) => execa('node', ['bin/ibench.js', ...args], { reject: false, timeout: 1_200_000 });

beforeAll(async () => {
  await ensureImage(await loadSandboxProfile('python'));
}, 900_000);

async function transcriptOf(runsDir: string): Promise<{ type: string; content?: string }[]> {
  const [run] = await readdir(runsDir);
  const episodes = join(runsDir, run ?? '', 'episodes');
  const [episode] = await readdir(episodes);
  const text = await readFile(join(episodes, episode ?? '', 'transcript.jsonl'), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; content?: string });
}

describe('the embedded model, end to end', () => {
  it('`ibench run --task exit-both-codes --json` runs a real episode and prints its episode.json', { timeout: 1_200_000 }, async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'ibench-local-'));
    const r = await ibench(['run', '--task', 'exit-both-codes', '--json', '--runs-dir', runsDir]);
    expect(r.exitCode, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout) as EpisodeRecord;
    expect(record.model).toBe('local');
    expect(record.task).toBe('exit-both-codes');
    expect(record.verdict).not.toBe('error');
    expect(record.usage.inputTokens).toBeGreaterThan(0);
    expect(record.usage.outputTokens).toBeGreaterThan(0);
    expect(record.steps).toBeGreaterThan(0);
    expect(record.evidence?.pristineTests).not.toBeNull();
    const events = await transcriptOf(runsDir);
    expect(events.filter((e) => e.type === 'assistant').length).toBe(record.steps);
  });

  it('the same task under neutral and under expert: different system prompts, named conditions', { timeout: 1_200_000 }, async () => {
    const seen: Record<string, { record: EpisodeRecord; system: string }> = {};
    for (const condition of ['neutral', 'expert']) {
      const runsDir = await mkdtemp(join(tmpdir(), 'ibench-local-'));
      const r = await ibench(['run', '--task', 'exit-both-codes', '--condition', condition, '--max-steps', '3', '--json', '--runs-dir', runsDir]);
      expect(r.exitCode, r.stderr).toBe(0);
      const record = JSON.parse(r.stdout) as EpisodeRecord;
      const system = (await transcriptOf(runsDir)).find((e) => e.type === 'system')?.content ?? '';
      seen[condition] = { record, system };
    }
    expect(seen.neutral?.record.condition).toBe('neutral');
    expect(seen.expert?.record.condition).toBe('expert');
    expect(seen.expert?.system).toMatch(/expert software engineer who can complete any task/);
    expect(seen.neutral?.system).not.toMatch(/expert/);
    expect(seen.neutral?.record.conditionText.system).toBe(seen.neutral?.system);
    expect(seen.expert?.record.conditionText.system).toBe(seen.expert?.system);
  });
});
