import { resolve } from 'node:path';
import { parseModelSpec } from './spec.js';
import type { Model, ModelSettings } from './types.js';

export type CreateModelOptions = ModelSettings & {
  /** Stands in for process.env when looking up keys (tests). `.env` in `cwd` is read under it. */
  env?: NodeJS.ProcessEnv;
  /** Where `.env` is looked for, and relative paths resolved; default the working directory. */
  cwd?: string;
  /** Context window of a local model in tokens (default 4096). */
  contextSize?: number;
};

/**
 * A model from `--model provider:name`. Bad specs are UsageErrors; a missing key or model file is
 * a one-line HarnessError naming what to set or fetch. A local model is loaded here, so that its
 * absence is reported before any sandbox starts.
 */
export async function createModel(spec: string, settings: CreateModelOptions = {}): Promise<Model> {
  const parsed = parseModelSpec(spec);
  const { contextSize, ...rest } = settings;
  // Each provider's module (its SDK, or node-llama-cpp for `local`) is loaded only when it is used:
  // start-up pays for none of them.
  switch (parsed.provider) {
    case 'openai': {
      const { OpenAIModel } = await import('./openai.js');
      return new OpenAIModel(parsed.model, rest);
    }
    case 'anthropic': {
      const { AnthropicModel } = await import('./anthropic.js');
      return new AnthropicModel(parsed.model, rest);
    }
    case 'local': {
      const { LocalModel } = await import('./local.js');
      return LocalModel.create(parsed.path, contextSize === undefined ? rest : { ...rest, contextSize });
    }
    case 'scripted': {
      const { ScriptedModel } = await import('./scripted.js');
      return ScriptedModel.fromFile(settings.cwd === undefined ? parsed.file : resolve(settings.cwd, parsed.file));
    }
    case 'replay': {
      const { ReplayModel } = await import('./replay.js');
      return ReplayModel.fromFile(settings.cwd === undefined ? parsed.file : resolve(settings.cwd, parsed.file));
    }
  }
}
