import { randomBytes } from 'node:crypto';
import type { ToolCall, ToolSpec } from './types.js';

/** An id for a tool call when the provider gave none. */
export function newToolCallId(prefix = 'call'): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names of the required top-level arguments that `args` lacks. */
export function missingRequired(spec: ToolSpec | undefined, args: Record<string, unknown>): string[] {
  const required = spec?.parameters.required ?? [];
  return required.filter((k) => !(k in args) || args[k] === undefined);
}

/**
 * Checks parsed arguments: they must be a JSON object holding the tool's required fields.
 * Anything else becomes a ToolCall with `argumentsError` (sent back to the model as a tool error),
 * never an exception.
 */
export function toolCallFromValue(id: string, name: string, value: unknown, spec: ToolSpec | undefined, raw?: string): ToolCall {
  const rawArguments = raw ?? JSON.stringify(value);
  if (!isPlainObject(value)) {
    return { id, name, arguments: undefined, argumentsError: `the arguments of ${name} must be a JSON object, got ${describe(value)}`, rawArguments };
  }
  const missing = missingRequired(spec, value);
  if (missing.length > 0) {
    return {
      id,
      name,
      arguments: undefined,
      argumentsError: `the arguments of ${name} lack required field(s): ${missing.join(', ')}`,
      rawArguments,
    };
  }
  return raw === undefined ? { id, name, arguments: value } : { id, name, arguments: value, rawArguments: raw };
}

/** A ToolCall from arguments sent as JSON text (OpenAI). */
export function toolCallFromText(id: string, name: string, text: string, spec: ToolSpec | undefined): ToolCall {
  const trimmed = text.trim();
  // Some servers send "" for a tool without arguments.
  if (trimmed === '') return toolCallFromValue(id, name, {}, spec, text);
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { id, name, arguments: undefined, argumentsError: `the arguments of ${name} are not valid JSON (${reason})`, rawArguments: text };
  }
  return toolCallFromValue(id, name, value, spec, text);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
