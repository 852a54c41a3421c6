import { statSync } from 'node:fs';
import {
  ANTHROPIC_BASE_URL_VAR,
  ANTHROPIC_KEY_VAR,
  OPENAI_BASE_URL_VAR,
  OPENAI_KEY_VAR_OVERRIDE,
  envValue,
  modelEnv,
  openAIEndpoint,
  type EnvOptions,
} from './env.js';
import { DEFAULT_LOCAL_MODEL_FILE, DEFAULT_LOCAL_MODEL_SIZE, defaultLocalModelPath } from './local-file.js';
import type { ProviderName } from './spec.js';

/** What `ibench models` says about one provider. */
export interface ProviderReadiness {
  provider: ProviderName;
  /** How to name a model of it with --model. */
  forms: string[];
  /** What it needs, in words. */
  needs: string[];
  /** Whether it can run here now. */
  ready: boolean;
  /** Why, or what to do. */
  detail: string;
  /** The key variable looked at, when it takes one. */
  keyVariable?: string;
  keyPresent?: boolean;
  /** The base URL in force, when not the provider's own. */
  baseUrl?: string;
  /** The model file looked at (local). */
  modelFile?: string;
  modelFileBytes?: number;
}

export function localReadiness(path: string = defaultLocalModelPath()): ProviderReadiness {
  const base: ProviderReadiness = {
    provider: 'local',
    forms: ['local', 'local:<path.gguf>'],
    needs: [`the GGUF file ${DEFAULT_LOCAL_MODEL_FILE} (${DEFAULT_LOCAL_MODEL_SIZE} bytes) for \`local\`, or any GGUF for local:<path.gguf>`],
    ready: false,
    detail: '',
    modelFile: path,
  };
  let size: number | undefined;
  try {
    const st = statSync(path);
    size = st.isFile() ? st.size : undefined;
  } catch {
    size = undefined;
  }
  if (size === undefined) return { ...base, detail: 'model file missing: run `npx ibench setup`' };
  if (size !== DEFAULT_LOCAL_MODEL_SIZE) {
    return {
      ...base,
      modelFileBytes: size,
      detail: `model file has ${size} bytes, expected ${DEFAULT_LOCAL_MODEL_SIZE}: run \`npx ibench setup\``,
    };
  }
  return { ...base, modelFileBytes: size, ready: true, detail: 'model file present' };
}

/** Readiness of every provider in this environment (keys from the environment or `.env`). */
export function providerReadiness(options: EnvOptions & { baseUrl?: string; localModelPath?: string } = {}): ProviderReadiness[] {
  const env = modelEnv(options);

  const ep = openAIEndpoint(env, options.baseUrl);
  const openaiKeyPresent = ep.keyVar === undefined ? true : envValue(env, ep.keyVar) !== undefined;
  const openai: ProviderReadiness = {
    provider: 'openai',
    forms: ['openai:<model>'],
    needs: [
      `${ep.keyVar ?? 'no key'} (${ep.keyVarReason})`,
      `optional --base-url or ${OPENAI_BASE_URL_VAR} for an OpenAI-compatible server; ${OPENAI_KEY_VAR_OVERRIDE} names its key variable`,
    ],
    ready: openaiKeyPresent,
    detail:
      ep.keyVar === undefined
        ? `no key needed for ${ep.baseUrl ?? ''}`
        : openaiKeyPresent
          ? `${ep.keyVar} is set`
          : `${ep.keyVar} is not set: export it or add it to .env`,
    ...(ep.keyVar === undefined ? {} : { keyVariable: ep.keyVar, keyPresent: openaiKeyPresent }),
    ...(ep.baseUrl === undefined ? {} : { baseUrl: ep.baseUrl }),
  };

  const anthropicKey = envValue(env, ANTHROPIC_KEY_VAR) !== undefined;
  const anthropicBase = envValue(env, ANTHROPIC_BASE_URL_VAR);
  const anthropic: ProviderReadiness = {
    provider: 'anthropic',
    forms: ['anthropic:<model>'],
    needs: [ANTHROPIC_KEY_VAR],
    ready: anthropicKey,
    detail: anthropicKey ? `${ANTHROPIC_KEY_VAR} is set` : `${ANTHROPIC_KEY_VAR} is not set: export it or add it to .env`,
    keyVariable: ANTHROPIC_KEY_VAR,
    keyPresent: anthropicKey,
    ...(anthropicBase === undefined ? {} : { baseUrl: anthropicBase }),
  };

  const scripted: ProviderReadiness = {
    provider: 'scripted',
    forms: ['scripted:<file>'],
    needs: ['a script file (YAML or JSON)'],
    ready: true,
    detail: 'always available',
  };

  const replay: ProviderReadiness = {
    provider: 'replay',
    forms: ['replay:<file.jsonl>'],
    needs: ['a JSONL file of recorded conversations and responses'],
    ready: true,
    detail: 'always available',
  };

  return [localReadiness(options.localModelPath), openai, anthropic, scripted, replay];
}
