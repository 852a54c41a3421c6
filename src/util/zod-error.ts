import type { ZodError } from 'zod';
import { InputError } from './errors.js';

/** Turns the first zod issue into an InputError naming file, field path and reason. */
export function inputErrorFromZod(file: string, error: ZodError): InputError {
  const issue = error.issues[0];
  if (issue === undefined) return new InputError(file, '', 'invalid');
  const field = issue.path.map(String).join('.');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return new InputError(file, field, `${issue.message}${more}`);
}
