/** Bad usage of the command line: exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Outside data that does not have the expected shape: a task file, a condition file, a scripted
 * model, a run config. Always names the file, the field and what was expected.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}: ${field === '' ? '' : `${field}: `}${reason}`);
  }
}

/** The harness itself cannot go on (no Docker daemon, image missing, ...): the episode is an `error`. */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
