import type { ToolSpec } from './types.js';
import { isPlainObject } from './tool-args.js';

/**
 * The reply format of the embedded model, and the JSON schema (node-llama-cpp's GBNF subset) that
 * forces it. One branch per tool, and a final answer when allowed (or when there is no tool):
 *
 *   {"thought": "...", "tool": "bash", "input": {"command": "..."}}
 *   {"thought": "...", "tool": "none", "answer": "..."}
 *
 * By default the final answer is not allowed while there are tools: the episode then ends through
 * `submit` or a limit. SmolLM2-135M otherwise ended most episodes on its first turn with a
 * one-word answer (it took "none" even unadvertised, in about 1 reply of 4).
 *
 * node-llama-cpp's JSON-schema grammar makes every listed property required, so the input of a
 * tool keeps only its required arguments; a tool shaped like our `edit` (a `command` enum of
 * view / create / str_replace / insert) gets one branch per command with the fields that command
 * needs. Strings get a maximum length so that a reply fits in the token limit.
 */

/** The subset of JSON schema that node-llama-cpp turns into a grammar. */
export type GrammarSchema =
  | { type: 'string'; maxLength?: number; minLength?: number }
  | { type: 'number' | 'integer' | 'boolean' | 'null' }
  | { type: ('string' | 'number' | 'integer' | 'boolean' | 'null')[] }
  | { const: string | number | boolean | null }
  | { enum: (string | number | boolean | null)[] }
  | { oneOf: GrammarSchema[] }
  | { type: 'array'; items?: GrammarSchema; maxItems?: number; minItems?: number }
  | { type: 'object'; properties: Record<string, GrammarSchema>; additionalProperties?: false };

export const FINAL_ANSWER_TOOL = 'none';

/** Fields each command of an editor-shaped tool needs (Anthropic's text-editor semantics). */
export const EDIT_COMMAND_FIELDS: Readonly<Record<string, readonly string[]>> = {
  view: ['path'],
  create: ['path', 'file_text'],
  str_replace: ['path', 'old_str', 'new_str'],
  insert: ['path', 'insert_line', 'new_str'],
};

export interface StringBudget {
  /** Longest thought, in characters. */
  thought: number;
  /** Characters shared by the string arguments of one branch. */
  arguments: number;
}

/** Rough characters per token of a small model's tokenizer, on the pessimistic side. */
const CHARS_PER_TOKEN = 3;
/** Tokens the JSON punctuation, keys and whitespace of a reply take. */
const STRUCTURE_TOKENS = 48;

export function stringBudget(maxTokens: number): StringBudget {
  const chars = Math.max(96, (maxTokens - STRUCTURE_TOKENS) * CHARS_PER_TOKEN);
  const thought = Math.max(16, Math.min(400, Math.floor(maxTokens * 0.6)));
  return { thought, arguments: Math.max(32, chars - thought) };
}

function isStringType(schema: Record<string, unknown>): boolean {
  return schema.type === 'string' && !Array.isArray(schema.enum) && !('const' in schema);
}

/** One JSON-schema node as a grammar node; string lengths capped at `maxLength`. */
export function toGrammarSchema(schema: unknown, maxLength: number): GrammarSchema {
  if (!isPlainObject(schema)) return { type: 'string', maxLength };
  if ('const' in schema) {
    const c = schema.const;
    if (c === null || typeof c === 'string' || typeof c === 'number' || typeof c === 'boolean') return { const: c };
  }
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter(
      (v): v is string | number | boolean | null => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
    );
    if (values.length > 0) return { enum: values };
  }
  const alternatives = Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : undefined;
  if (alternatives !== undefined && alternatives.length > 0) return { oneOf: alternatives.map((s) => toGrammarSchema(s, maxLength)) };
  const type = schema.type;
  if (Array.isArray(type)) {
    const basic = type.filter((t): t is 'string' | 'number' | 'integer' | 'boolean' | 'null' =>
      ['string', 'number', 'integer', 'boolean', 'null'].includes(String(t)),
    );
    if (basic.length === 1 && basic[0] === 'string') return { type: 'string', maxLength };
    if (basic.length > 0) return { type: basic };
  }
  switch (type) {
    case 'string':
      return { type: 'string', maxLength };
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type };
    case 'array':
      return { type: 'array', items: toGrammarSchema(schema.items, Math.max(16, Math.floor(maxLength / 4))), maxItems: 8 };
    case 'object':
      return objectOf(schema, requiredKeys(schema), maxLength);
    default:
      return { type: 'string', maxLength };
  }
}

function requiredKeys(schema: Record<string, unknown>): string[] {
  const props = isPlainObject(schema.properties) ? schema.properties : {};
  const req = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
  return req.filter((k) => k in props);
}

/** An object node holding `keys` of `schema`, string fields sharing `budget` characters. */
function objectOf(schema: Record<string, unknown>, keys: string[], budget: number, fixed: Record<string, GrammarSchema> = {}): GrammarSchema {
  const props = isPlainObject(schema.properties) ? schema.properties : {};
  const stringKeys = keys.filter((k) => !(k in fixed) && isPlainObject(props[k]) && isStringType(props[k] as Record<string, unknown>));
  const each = Math.max(16, Math.floor(budget / Math.max(1, stringKeys.length)));
  const properties: Record<string, GrammarSchema> = {};
  for (const k of keys) properties[k] = fixed[k] ?? toGrammarSchema(props[k], each);
  return { type: 'object', properties, additionalProperties: false };
}

/** The `command` values of an editor-shaped tool, or undefined when the tool has another shape. */
export function editorCommands(spec: ToolSpec): string[] | undefined {
  const props = spec.parameters.properties;
  const command = props.command;
  if (!isPlainObject(command) || !Array.isArray(command.enum)) return undefined;
  const commands = command.enum.filter((c): c is string => typeof c === 'string');
  if (commands.length === 0) return undefined;
  for (const c of commands) {
    const fields = EDIT_COMMAND_FIELDS[c];
    if (fields === undefined || fields.some((f) => !(f in props))) return undefined;
  }
  return commands;
}

/** The possible `input` objects of one tool. */
export function toolInputVariants(spec: ToolSpec, budget: number): GrammarSchema[] {
  const schema = spec.parameters as Record<string, unknown>;
  const commands = editorCommands(spec);
  if (commands !== undefined) {
    const required = requiredKeys(schema);
    return commands.map((c) => {
      const fields = ['command', ...(EDIT_COMMAND_FIELDS[c] ?? [])];
      for (const r of required) if (!fields.includes(r)) fields.push(r);
      return objectOf(schema, fields, budget, { command: { const: c } });
    });
  }
  return [objectOf(schema, requiredKeys(schema), budget)];
}

/** The whole reply schema for a set of tools. */
export function replySchema(tools: ToolSpec[], budget: StringBudget, allowFinalAnswer = false): GrammarSchema {
  const thought: GrammarSchema = { type: 'string', maxLength: budget.thought };
  const branches: GrammarSchema[] = [];
  for (const t of tools) {
    if (t.name === FINAL_ANSWER_TOOL) continue;
    for (const input of toolInputVariants(t, budget.arguments)) {
      branches.push({ type: 'object', properties: { thought, tool: { const: t.name }, input }, additionalProperties: false });
    }
  }
  if (allowFinalAnswer || branches.length === 0) {
    branches.push({
      type: 'object',
      properties: { thought, tool: { const: FINAL_ANSWER_TOOL }, answer: { type: 'string', maxLength: budget.arguments } },
      additionalProperties: false,
    });
  }
  return branches.length === 1 ? (branches[0] as GrammarSchema) : { oneOf: branches };
}

function describeSchema(s: GrammarSchema): string {
  if ('const' in s) return JSON.stringify(s.const);
  if ('enum' in s) return s.enum.map((v) => JSON.stringify(v)).join('|');
  if ('oneOf' in s) return s.oneOf.map(describeSchema).join(' | ');
  if (Array.isArray(s.type)) return s.type.join('|');
  if (s.type === 'object' && 'properties' in s) {
    return `{${Object.entries(s.properties)
      .map(([k, v]) => `"${k}": ${describeSchema(v)}`)
      .join(', ')}}`;
  }
  if (s.type === 'array' && 'items' in s && s.items !== undefined) return `[${describeSchema(s.items)}, ...]`;
  return s.type;
}

function exampleValue(s: GrammarSchema): unknown {
  if ('const' in s) return s.const;
  if ('enum' in s) return s.enum[0];
  if ('oneOf' in s) return s.oneOf[0] === undefined ? null : exampleValue(s.oneOf[0]);
  if (Array.isArray(s.type)) return null;
  switch (s.type) {
    case 'object':
      return 'properties' in s ? Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, exampleValue(v)])) : {};
    case 'array':
      return [];
    case 'string':
      return '...';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

/** One example call, so that even a tiny model sees the shape of a tool call. */
export function exampleCall(tools: ToolSpec[], budget: StringBudget): string | undefined {
  const bash = tools.find((t) => t.name === 'bash' && 'command' in t.parameters.properties);
  if (bash !== undefined) return JSON.stringify({ thought: 'First I look at the files.', tool: 'bash', input: { command: 'ls' } });
  const first = tools.find((t) => t.name !== FINAL_ANSWER_TOOL);
  if (first === undefined) return undefined;
  const input = toolInputVariants(first, budget.arguments)[0];
  return JSON.stringify({ thought: '...', tool: first.name, input: input === undefined ? {} : exampleValue(input) });
}

/**
 * The instructions appended to the system prompt: the tools, the reply format, one example call.
 * The final answer is described only when it is allowed: with it in the prompt, SmolLM2-135M
 * answered "none" to 7 of 8 coding tasks; without it and with the example, it called a tool in 6
 * of 8 even when the grammar still allowed "none".
 */
export function toolInstructions(tools: ToolSpec[], budget: StringBudget, allowFinalAnswer = false): string {
  const real = tools.filter((t) => t.name !== FINAL_ANSWER_TOOL);
  const answer = `{"thought": "<one short sentence>", "tool": "${FINAL_ANSWER_TOOL}", "answer": "<your reply>"}`;
  if (real.length === 0) return `Reply with exactly one JSON object and nothing else:\n${answer}`;
  const lines = [
    'Reply with exactly one JSON object and nothing else:',
    '{"thought": "<one short sentence>", "tool": "<tool name>", "input": {<the arguments>}}',
    '',
    'Tools:',
  ];
  for (const t of real) {
    const inputs = toolInputVariants(t, budget.arguments).map(describeSchema).join(' or ');
    lines.push(`- ${t.name}: ${t.description}`, `  input: ${inputs}`);
  }
  const example = exampleCall(real, budget);
  if (example !== undefined) lines.push('', `Example: ${example}`);
  if (allowFinalAnswer) lines.push(`To answer without a tool: ${answer}`);
  return lines.join('\n');
}

/**
 * Closes a JSON text that was cut off (the grammar guarantees it is a prefix of a valid reply):
 * ends an open string, drops a dangling key or comma, closes the open brackets. Returns the parsed
 * value, or undefined when nothing sensible can be made of it.
 */
export function completeTruncatedJson(text: string): unknown {
  const stack: string[] = [];
  let inString = false;
  let escape = false;
  let lastStringStart = -1;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (escape) escape = false;
      else if (ch === '\\') escape = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      lastStringStart = i;
    } else if (ch === '{' || ch === '[') stack.push(ch);
    else if (ch === '}' || ch === ']') stack.pop();
  }
  let base = text;
  if (inString) {
    if (escape) base = base.slice(0, -1);
    base = base.replace(/\\u[0-9a-fA-F]{0,3}$/, '');
    base += '"';
  }
  const closers = stack
    .slice()
    .reverse()
    .map((c) => (c === '{' ? '}' : ']'))
    .join('');
  const trimmed = base.replace(/\s+$/, '');
  const candidates = [
    trimmed + closers,
    trimmed.replace(/,$/, '') + closers,
    trimmed.replace(/:$/, ': null') + closers,
    // a key that was being written, with no value yet
    (lastStringStart >= 0 ? trimmed.slice(0, lastStringStart).replace(/[,\s]+$/, '') : trimmed) + closers,
    trimmed + ': null' + closers,
  ];
  for (const c of candidates) {
    try {
      return JSON.parse(c) as unknown;
    } catch {
      // next
    }
  }
  return undefined;
}
