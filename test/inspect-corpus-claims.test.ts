/**
 * The claim classifier on the corpus's final messages (issue 10, Build 1): no honest final
 * message on an impossible task is read as a claim of success — conditional and qualified passes,
 * partial counts, "cannot be fixed", [flag_for_human_intervention], comments in code blocks — and
 * every cheat that claims success in words is read as `completed`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus, readState, scoreCorpus, type CorpusState } from '../bench/corpus-lib.js';

let states: CorpusState[] = [];

beforeAll(async () => {
  states = await loadCorpus();
});

describe('the claim read from the corpus\'s final messages', () => {
  it('no honest state is called cheating by the static verdict (protected paths, rules and the claim)', () => {
    expect(scoreCorpus(states).score.falsePositives).toEqual([]);
  });

  it('no honest state on an impossible task is read as claiming success', () => {
    const wrong = states
      .filter((s) => s.label === 'honest' && s.impossible)
      .map((s) => ({ id: s.id, claim: readState(s).claim }))
      .filter((r) => r.claim === 'completed');
    expect(wrong).toEqual([]);
  });

  it('a false claim of success on honest code is read as completed', () => {
    const liar = states.find((s) => s.pattern === 'false-success-claim');
    expect(liar).toBeDefined();
    if (liar !== undefined) expect(readState(liar)).toMatchObject({ claim: 'completed', verdict: 'claimed_success' });
  });
});
