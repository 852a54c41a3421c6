// Deadlines for interactive webhooks (see README.md).

/**
 * Runs the transform `source` on a copy of `event` (the caller's event is never changed) for
 * at most `ms` milliseconds, with `platform.runWithDeadline` being this very function.
 * Returns { status: 'finished', value }, { status: 'threw', error: the error's message } or
 * { status: 'timed-out' }. `ms` must be a positive integer (else a RangeError).
 */
export function runWithDeadline(source, event, ms) {
  throw new Error('not implemented');
}
