/**
 * The agent as a report dimension: cells, comparisons, categories and usage per agent x model x
 * condition when a run has an agent besides the builtin loop; a builtin-only run (records with
 * `agent: 'builtin'` or none at all) keeps the report it had before agents existed.
 */
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../src/inspect/types.js';
import { evalScores } from '../src/runs/export-inspect.js';
import { episodeRow } from '../src/runs/export-rows.js';
import type { EpisodeRecord } from '../src/runs/record.js';
import { renderCsv, renderMarkdown, renderSvg, summarize } from '../src/runs/report.js';

function record(agent: string | undefined, task: string, condition: string, verdict: Verdict, impossible = true, inputTokens = 100): EpisodeRecord {
  return {
    id: `${task}__${agent ?? 'builtin'}__${condition}`,
    task,
    impossible,
    category: 'contradictory-spec',
    twin: null,
    model: 'anthropic:claude-sonnet-4-5',
    ...(agent === undefined ? {} : { agent }),
    ...(agent === undefined || agent === 'builtin' ? {} : { agentVersion: '2.1.332' }),
    condition,
    conditionText: { system: '', user: '', pushback: [] },
    epoch: 0,
    claim: 'none',
    verdict,
    endReason: 'submit',
    steps: 1,
    submit: null,
    evidence: null,
    usage: { inputTokens, outputTokens: 10 },
    timings: {},
    error: verdict === 'error' ? 'boom' : null,
    startedAt: '2026-11-30T00:00:00.000Z',
    finishedAt: '2026-11-30T00:00:01.000Z',
    harness: { version: '0.1.0', commit: null },
  };
}

/** The same episodes under the builtin loop and under Claude Code. */
function mixed(): EpisodeRecord[] {
  return [
    record('builtin', 'a', 'neutral', 'flagged'),
    record('builtin', 'a', 'must-pass', 'tampered'),
    record('builtin', 'b', 'neutral', 'solved', false),
    record('claude-code', 'a', 'neutral', 'claimed_success', true, 1000),
    record('claude-code', 'a', 'must-pass', 'claimed_success', true, 1000),
    record('claude-code', 'b', 'neutral', 'flagged', false, 1000),
  ];
}

describe('a builtin-only run', () => {
  it('records with agent builtin and records without an agent give the same summary, tables and chart, with no agent anywhere', () => {
    const withAgent = [record('builtin', 'a', 'neutral', 'flagged'), record('builtin', 'a', 'must-pass', 'tampered'), record('builtin', 'b', 'neutral', 'solved', false)];
    const old = withAgent.map((r) => {
      const { agent: _agent, ...rest } = r;
      return rest as EpisodeRecord;
    });
    const now = summarize(withAgent, 'runs/x');
    expect(now).toEqual(summarize(old, 'runs/x'));
    expect(JSON.stringify(now)).not.toContain('"agent"');
    expect(renderMarkdown(now)).toContain('## BS score per model and condition\n');
    expect(renderMarkdown(now)).not.toMatch(/agent/);
    expect(renderCsv(now).split('\n')[0]?.startsWith('model,condition,')).toBe(true);
    expect(renderSvg(now)).not.toContain('data-agent');
  });
});

describe('a run with two agents', () => {
  const s = summarize(mixed(), 'runs/agents');

  it('one cell per agent x model x condition, builtin first', () => {
    expect(s.cells.map((c) => [c.agent, c.condition, c.n, c.bs.rate, c.possible.n])).toEqual([
      ['builtin', 'neutral', 1, 0, 1],
      ['builtin', 'must-pass', 1, 1, 0],
      ['claude-code', 'neutral', 1, 1, 1],
      ['claude-code', 'must-pass', 1, 1, 0],
    ]);
    expect(s.cells[2]?.possible.falseFlag.rate).toBe(1);
  });

  it('comparisons pair within an agent, categories are per agent', () => {
    expect(s.comparisons.map((c) => [c.agent, c.condition, c.pairs, c.table])).toEqual([
      ['builtin', 'must-pass', 1, { a: 0, b: 0, c: 1, d: 0 }],
      ['claude-code', 'must-pass', 1, { a: 1, b: 0, c: 0, d: 0 }],
    ]);
    expect(s.categories.map((c) => [c.agent, c.condition, c.bs.rate])).toEqual([
      ['builtin', 'neutral', 0],
      ['builtin', 'must-pass', 1],
      ['claude-code', 'neutral', 1],
      ['claude-code', 'must-pass', 1],
    ]);
  });

  it('tokens per cell and per agent', () => {
    expect(s.usage.cells.map((c) => [c.agent, c.condition, c.episodes, c.inputTokens])).toEqual([
      ['builtin', 'neutral', 2, 200],
      ['builtin', 'must-pass', 1, 100],
      ['claude-code', 'neutral', 2, 2000],
      ['claude-code', 'must-pass', 1, 1000],
    ]);
    expect(s.usage.agents?.map((a) => [a.agent, a.episodes, a.inputTokens, a.outputTokens])).toEqual([
      ['builtin', 3, 300, 30],
      ['claude-code', 3, 3000, 30],
    ]);
    expect(s.usage.models).toHaveLength(1);
    expect(s.usage.run.inputTokens).toBe(3300);
  });

  it('report.md has an agent column in every table and a row per agent in the usage table', () => {
    const md = renderMarkdown(s);
    expect(md).toContain('## BS score per agent, model and condition');
    expect(md).toContain('| agent | model | condition | n | BS score |');
    expect(md).toContain('| claude-code | anthropic:claude-sonnet-4-5 | must-pass | 1 | 100.0% |');
    expect(md).toContain('Paired on the same agent, model, task and epoch');
    expect(md).toContain('| agent | model | condition | pairs |');
    expect(md).toContain('| builtin | anthropic:claude-sonnet-4-5 | must-pass | 1 | 0 | 0 | 1 | 0 | +100.0 pp |');
    expect(md).toContain('| agent | model | condition | category |');
    expect(md).toContain('| agent · model · condition | episodes |');
    expect(md).toContain('| claude-code · anthropic:claude-sonnet-4-5 · neutral | 2 | 2,000 |');
    expect(md).toContain('| **claude-code** (all models and conditions) | 3 | 3,000 |');
    expect(md).toContain('(all agents and conditions)');
  });

  it('summary.csv leads with the agent; the chart names the agent of each group', () => {
    const lines = renderCsv(s).trim().split('\n');
    expect(lines[0]?.startsWith('agent,model,condition,')).toBe(true);
    expect(lines[3]?.startsWith('claude-code,anthropic:claude-sonnet-4-5,neutral,1,1,')).toBe(true);
    // Each row's usage is its own agent's.
    expect(lines[3]).toContain(',2,2000,');
    const svg = renderSvg(s);
    expect(svg).toContain('data-agent="claude-code" data-model="anthropic:claude-sonnet-4-5" data-condition="must-pass"');
    expect(svg).toContain('claude-code · anthropic:claude-sonnet-4-5');
  });

  it('exports carry the agent and its version; the Inspect metrics are per agent', () => {
    const row = episodeRow(mixed()[3] as EpisodeRecord);
    expect(row['agent']).toBe('claude-code');
    expect(row['agentVersion']).toBe('2.1.332');
    const old = record(undefined, 'a', 'neutral', 'flagged');
    expect(episodeRow(old)['agent']).toBe('builtin');
    const bs = evalScores(s).find((x) => x.name === 'bs');
    expect(bs?.cells.map((c) => c.agent)).toEqual(['builtin', 'builtin', 'claude-code', 'claude-code']);
  });
});
