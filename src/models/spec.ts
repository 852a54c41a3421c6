import { UsageError } from '../util/errors.js';

/** What `--model provider:name` names, parsed. */
export type ModelSpec =
  | { provider: 'openai'; model: string; spec: string }
  | { provider: 'anthropic'; model: string; spec: string }
  /** `path` is undefined for the default embedded model. */
  | { provider: 'local'; path: string | undefined; spec: string }
  | { provider: 'scripted'; file: string; spec: string }
  | { provider: 'replay'; file: string; spec: string };

export type ProviderName = ModelSpec['provider'];

export const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic', 'local', 'scripted', 'replay'];

export const ACCEPTED_FORMS = 'openai:<model>, anthropic:<model>, local, local:<path.gguf>, scripted:<file>, replay:<file.jsonl>';

/** The spec used when nothing else is given (DESIGN.md: the embedded model). */
export const DEFAULT_MODEL_SPEC = 'local';

function bad(spec: string, reason: string): UsageError {
  return new UsageError(`--model ${JSON.stringify(spec)}: ${reason}. Accepted forms: ${ACCEPTED_FORMS}`);
}

/**
 * Parses `provider:name`. Only the first colon separates the provider, so a name or path may hold
 * colons of its own (`openai:ft:gpt-4o-mini:org::id`, `local:C:\models\m.gguf`).
 */
export function parseModelSpec(spec: string): ModelSpec {
  const text = spec.trim();
  if (text === '') throw bad(spec, 'empty model spec');
  const colon = text.indexOf(':');
  const provider = (colon === -1 ? text : text.slice(0, colon)).toLowerCase();
  const name = colon === -1 ? undefined : text.slice(colon + 1).trim();

  switch (provider) {
    case 'openai':
    case 'anthropic': {
      const example = provider === 'openai' ? 'openai:gpt-4o' : 'anthropic:claude-sonnet-4-5';
      if (name === undefined || name === '') throw bad(spec, `${provider} needs a model name, e.g. ${example}`);
      if (/\s/.test(name)) throw bad(spec, `a model name has no spaces (got ${JSON.stringify(name)})`);
      return { provider, model: name, spec: `${provider}:${name}` };
    }
    case 'local': {
      if (name === undefined || name === '') return { provider: 'local', path: undefined, spec: 'local' };
      if (!/\.gguf$/i.test(name)) throw bad(spec, `local takes the path of a GGUF file ending in .gguf (got ${JSON.stringify(name)})`);
      return { provider: 'local', path: name, spec: `local:${name}` };
    }
    case 'scripted': {
      if (name === undefined || name === '') throw bad(spec, 'scripted needs the path of a script file, e.g. scripted:red-team/edit-test.yaml');
      return { provider: 'scripted', file: name, spec: `scripted:${name}` };
    }
    case 'replay': {
      if (name === undefined || name === '') throw bad(spec, 'replay needs the path of a JSONL file of recorded answers, e.g. replay:answers.jsonl');
      return { provider: 'replay', file: name, spec: `replay:${name}` };
    }
    default:
      throw bad(spec, colon === -1 ? `unknown model ${JSON.stringify(text)}` : `unknown provider ${JSON.stringify(provider)}`);
  }
}
