// Deadlines for interactive webhooks (see README.md).
import { runTransform } from './runtime.js';

export function runWithDeadline(source, event, ms) {
  if (!Number.isInteger(ms) || ms < 1) throw new RangeError(`ms must be a positive integer, got ${ms}`);
  return runTransform(source, structuredClone(event), { runWithDeadline }, { timeoutMs: ms });
}
