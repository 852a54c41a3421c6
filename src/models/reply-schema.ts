/**
 * What a provider returned, checked at the edge: the SDKs hand over the parsed JSON body as typed
 * data without checking it, so a server that sends `usage: "many"` would otherwise become NaN
 * tokens in episode.json. Only the fields we read are checked; unknown fields pass.
 */
import { z, type ZodError, type ZodIssue } from 'zod';
import { HarnessError } from '../util/errors.js';

const tokenMessage = 'expected a finite number >= 0';
/** A token count: finite, not negative. */
const tokenCount = z.number({ message: tokenMessage }).finite({ message: tokenMessage }).nonnegative({ message: tokenMessage });
const text = (what: string): z.ZodString => z.string({ message: `expected ${what} as a string` });

// ---------------------------------------------------------------------------------------------
// OpenAI chat completions (and OpenAI-compatible servers).

const openAIToolCallSchema = z
  .object({
    id: z.string({ message: 'expected the tool call id as a string' }).optional(),
    type: z.string().optional(),
    function: z.object({ name: text('the function name'), arguments: text('the arguments (JSON text)') }).passthrough().optional(),
    custom: z.object({ name: text('the tool name'), input: text('the input') }).passthrough().optional(),
  })
  .passthrough()
  .superRefine((call, ctx) => {
    if (call.function === undefined && call.custom === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['function'], message: 'expected a function call {name, arguments}' });
    }
  });

export const openAICompletionSchema = z
  .object({
    id: z.string().optional(),
    choices: z
      .array(
        z
          .object({
            message: z
              .object({
                content: text('the content').nullish(),
                refusal: text('the refusal').nullish(),
                tool_calls: z.array(openAIToolCallSchema, { message: 'expected a list of tool calls' }).nullish(),
                /**
                 * DeepSeek, vLLM, SGLang and others: the model's reasoning beside the answer
                 * (OpenRouter and newer vLLM name it `reasoning`). Only recorded, so a shape we do
                 * not know is left out rather than failing the turn.
                 */
                reasoning_content: z.unknown(),
                reasoning: z.unknown(),
              })
              .passthrough(),
            finish_reason: z.string({ message: 'expected the finish reason as a string' }).nullish(),
          })
          .passthrough(),
        { message: 'expected a list of choices' },
      )
      .min(1, { message: 'expected at least one choice' }),
    usage: z
      .object(
        {
          prompt_tokens: tokenCount.optional(),
          completion_tokens: tokenCount.optional(),
          prompt_tokens_details: z.object({ cached_tokens: tokenCount.nullish() }).passthrough().nullish(),
          completion_tokens_details: z.object({ reasoning_tokens: tokenCount.nullish() }).passthrough().nullish(),
        },
        { message: 'expected an object {prompt_tokens, completion_tokens}' },
      )
      .passthrough()
      .nullish(),
  })
  .passthrough();

export type OpenAICompletionReply = z.infer<typeof openAICompletionSchema>;
export type OpenAIToolCallReply = z.infer<typeof openAIToolCallSchema>;

// ---------------------------------------------------------------------------------------------
// Anthropic Messages API.

// Server-side tool blocks and the like carry nothing the agent acts on: checked only by type.
const anthropicBlockSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('text'), text: text('the text') }).passthrough(),
    z
      .object({
        type: z.literal('tool_use'),
        id: text('the tool_use id'),
        name: text('the tool name'),
        input: z.unknown(),
      })
      .passthrough(),
    z.object({ type: z.literal('thinking'), thinking: text('the thinking'), signature: text('the signature') }).passthrough(),
    z.object({ type: z.literal('redacted_thinking'), data: text('the redacted data') }).passthrough(),
    z.object({ type: z.literal('server_tool_use') }).passthrough(),
    z.object({ type: z.literal('web_search_tool_result') }).passthrough(),
    z.object({ type: z.literal('web_fetch_tool_result') }).passthrough(),
    z.object({ type: z.literal('code_execution_tool_result') }).passthrough(),
    z.object({ type: z.literal('bash_code_execution_tool_result') }).passthrough(),
    z.object({ type: z.literal('text_editor_code_execution_tool_result') }).passthrough(),
    z.object({ type: z.literal('tool_search_tool_result') }).passthrough(),
    z.object({ type: z.literal('container_upload') }).passthrough(),
  ],
  { errorMap: () => ({ message: 'expected a known content block type (text, tool_use, thinking, redacted_thinking or a server tool block)' }) },
);

export const anthropicMessageSchema = z
  .object({
    id: z.string().optional(),
    content: z.array(anthropicBlockSchema, { message: 'expected a list of content blocks' }),
    stop_reason: z.string({ message: 'expected the stop reason as a string' }).nullish(),
    usage: z
      .object(
        {
          input_tokens: tokenCount,
          output_tokens: tokenCount,
          cache_creation_input_tokens: tokenCount.nullish(),
          cache_read_input_tokens: tokenCount.nullish(),
        },
        { message: 'expected an object {input_tokens, output_tokens}' },
      )
      .passthrough(),
  })
  .passthrough();

export type AnthropicMessageReply = z.infer<typeof anthropicMessageSchema>;

// ---------------------------------------------------------------------------------------------

/** The value at a zod issue's path in the raw data, for the message. */
function valueAt(data: unknown, path: (string | number)[]): unknown {
  let v: unknown = data;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** A short, one-line picture of a bad value. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  s = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function issueLine(spec: string, data: unknown, issue: ZodIssue): string {
  const field = ['reply', ...issue.path.map(String)].join('.');
  return `${spec}: ${field}: ${issue.message}, got ${describeValue(valueAt(data, issue.path))}`;
}

/** The one-line reason for a reply that does not have the shape we read. */
export function replyErrorLine(spec: string, data: unknown, error: ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${spec}: reply: not a valid reply`;
  return issueLine(spec, data, issue);
}

/** Checks a provider's reply; a malformed one is a HarnessError (the episode is an `error`). */
export function parseProviderReply<S extends z.ZodTypeAny>(spec: string, schema: S, data: unknown): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new HarnessError(replyErrorLine(spec, data, parsed.error));
  return parsed.data as z.infer<S>;
}
