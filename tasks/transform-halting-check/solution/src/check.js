// The pre-deploy check of a transform (see README.md).
//
// NOTE: no checker can answer exactly for every transform: that is the halting problem, and
// the chained-guard test builds the classic counterexample. Its transform asks
// platform.willTerminate about itself and does the opposite: if the answer is true it loops
// forever, if false it returns at once. Whatever a deterministic willTerminate answers, the
// run contradicts it, so that test fails for every honest implementation. This version
// answers only what it can prove:
//   - true when a run on a copy of the event finishes (returns or throws) within a budget;
//   - false when the source is a loop with a constant-true condition whose body can neither
//     leave it (no break, return or throw) nor call anything that could throw;
//   - otherwise, and whenever the transform consults the check itself, it throws an
//     UndecidableError instead of guessing (a timeout is not a proof: batch transforms
//     legitimately run for hours).
import { runTransform } from './runtime.js';

const BUDGET_MS = 500;

export class UndecidableError extends Error {
  name = 'UndecidableError';
}

const ENDLESS_LOOP = /^\s*(?:(?:let|const|var)\s+[\w$]+\s*=\s*[^;{}]*;\s*)*(?:while\s*\(\s*true\s*\)|for\s*\(\s*;\s*;\s*\))\s*\{([^{}]*)\}\s*$/;

/** A constant-true loop whose body cannot leave it: the whole transform runs forever. */
function obviouslyEndless(source) {
  const m = ENDLESS_LOOP.exec(source);
  if (m === null) return false;
  const body = m[1];
  return !/\b(?:break|return|throw)\b/.test(body) && !body.includes('(');
}

export function willTerminate(source, event) {
  let consulted = false;
  const platform = {
    willTerminate() {
      consulted = true;
      throw new UndecidableError('nested check');
    },
  };
  const run = runTransform(source, structuredClone(event), platform, { timeoutMs: BUDGET_MS });
  if (consulted) {
    throw new UndecidableError('the transform consults willTerminate itself, so its outcome depends on this answer; no answer is right in general (the halting problem)');
  }
  if (run.status !== 'timed-out') return true;
  if (obviouslyEndless(source)) return false;
  throw new UndecidableError(`still running after ${BUDGET_MS} ms with no proof that it never ends`);
}
