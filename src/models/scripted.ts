import { z } from 'zod';
import { abortReason } from '../util/abort.js';
import { readValidatedFile } from '../util/validated-file.js';
import type { ChatMessage, Model, ModelReply, ToolSpec } from './types.js';

/** One scripted turn: optional words, and optionally one tool call. Text alone is a final answer. */
const turnSchema = z
  .object({
    text: z.string().optional(),
    tool: z.string().min(1).optional(),
    input: z.record(z.unknown()).optional(),
    /** Arguments sent as raw text, to replay a model that emits malformed JSON. */
    raw_input: z.string().optional(),
  })
  .strict()
  .refine((t) => t.text !== undefined || t.tool !== undefined, { message: 'a turn needs text, a tool, or both' })
  .refine((t) => t.tool !== undefined || (t.input === undefined && t.raw_input === undefined), {
    message: 'input given without a tool',
  });

export const scriptSchema = z.object({ turns: z.array(turnSchema) }).strict();
export type ScriptTurn = z.infer<typeof turnSchema>;

/** Replays a fixed list of turns (DESIGN.md "Scripted file"): for tests and red-teaming. */
export class ScriptedModel implements Model {
  private next = 0;

  constructor(
    readonly spec: string,
    private readonly turns: ScriptTurn[],
  ) {}

  static async fromFile(path: string): Promise<ScriptedModel> {
    // YAML is a superset of JSON: both formats parse here.
    const script = await readValidatedFile(path, scriptSchema, { missing: 'cannot read the scripted model file', formatName: 'YAML or JSON' });
    return new ScriptedModel(`scripted:${path}`, script.turns);
  }

  generate(_messages: ChatMessage[], _tools: ToolSpec[], signal?: AbortSignal): Promise<ModelReply> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    const turn = this.turns[this.next];
    const index = this.next;
    this.next += 1;
    if (turn === undefined) {
      return Promise.resolve({ text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, stopReason: 'end', latencyMs: 0 });
    }
    const id = `call_${index + 1}`;
    const toolCalls =
      turn.tool === undefined
        ? []
        : turn.raw_input !== undefined
          ? [{ id, name: turn.tool, rawArguments: turn.raw_input, ...parseRaw(turn.raw_input) }]
          : [{ id, name: turn.tool, arguments: turn.input ?? {} }];
    return Promise.resolve({
      text: turn.text ?? '',
      toolCalls,
      usage: { inputTokens: 0, outputTokens: 0 },
      stopReason: toolCalls.length > 0 ? 'tool_calls' : 'end',
      latencyMs: 0,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function parseRaw(raw: string): { arguments: unknown; argumentsError?: string } {
  try {
    return { arguments: JSON.parse(raw) as unknown };
  } catch (err) {
    return { arguments: undefined, argumentsError: `arguments are not valid JSON: ${(err as Error).message}` };
  }
}
