import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { HarnessError, errorMessage } from '../util/errors.js';
import { httpUrlProblem } from '../util/url.js';

/**
 * API keys and endpoints come from the environment, or from a `.env` file in the working directory
 * (KEY=VALUE lines; the environment wins over the file).
 *
 * OpenAI-compatible endpoints (`--base-url` or OPENAI_BASE_URL) take their key from:
 *   1. the variable named by IBENCH_OPENAI_KEY_VAR, when set;
 *   2. by convention of the host: OPENROUTER_API_KEY for openrouter.ai, HF_TOKEN for
 *      router.huggingface.co, none at all for a server on this machine (vLLM, Ollama, llama.cpp);
 *   3. OPENAI_API_KEY otherwise.
 */

export const OPENAI_KEY_VAR = 'OPENAI_API_KEY';
export const ANTHROPIC_KEY_VAR = 'ANTHROPIC_API_KEY';
export const OPENAI_BASE_URL_VAR = 'OPENAI_BASE_URL';
export const ANTHROPIC_BASE_URL_VAR = 'ANTHROPIC_BASE_URL';
export const OPENAI_KEY_VAR_OVERRIDE = 'IBENCH_OPENAI_KEY_VAR';

export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface EnvOptions {
  /** Stands in for process.env (tests). */
  env?: NodeJS.ProcessEnv;
  /** Where to look for `.env`; default the working directory. */
  cwd?: string;
}

/** Parses the text of a `.env` file (Node's own dotenv parser: `export`, comments, quotes). */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parseEnv(text))) if (value !== undefined) out[key] = value;
  return out;
}

/** Reads `<cwd>/.env`; an absent file is an empty one. */
export function readDotEnv(cwd: string = process.cwd()): Record<string, string> {
  const path = join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new HarnessError(`cannot read ${path}: ${errorMessage(err)}`);
  }
  return parseDotEnv(text);
}

/** The environment as the models see it: `.env` under the real (or given) environment. */
export function modelEnv(options: EnvOptions = {}): EnvMap {
  return { ...readDotEnv(options.cwd), ...(options.env ?? process.env) };
}

/** A variable's value, or undefined when unset or blank. */
export function envValue(env: EnvMap, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function missingKeyError(variable: string, spec: string): HarnessError {
  return new HarnessError(`${variable} is not set (needed by --model ${spec}): export it or add ${variable}=... to .env`);
}

export function requireEnv(env: EnvMap, variable: string, spec: string): string {
  const v = envValue(env, variable);
  if (v === undefined) throw missingKeyError(variable, spec);
  return v;
}

function hostOf(baseUrl: string): string | undefined {
  try {
    return new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0.0.0.0' || /^127\./.test(h);
}

export interface OpenAIEndpoint {
  /** undefined = api.openai.com */
  baseUrl: string | undefined;
  /** The variable the key is read from; undefined when the endpoint needs none. */
  keyVar: string | undefined;
  /** Why this key variable (for `ibench models`). */
  keyVarReason: string;
}

/** Which base URL and which key variable an `openai:` model uses here. */
export function openAIEndpoint(env: EnvMap, baseUrlSetting?: string): OpenAIEndpoint {
  const baseUrl = baseUrlSetting ?? envValue(env, OPENAI_BASE_URL_VAR);
  const override = envValue(env, OPENAI_KEY_VAR_OVERRIDE);
  if (override !== undefined) return { baseUrl, keyVar: override, keyVarReason: `named by ${OPENAI_KEY_VAR_OVERRIDE}` };
  if (baseUrl === undefined) return { baseUrl, keyVar: OPENAI_KEY_VAR, keyVarReason: 'api.openai.com' };
  const host = hostOf(baseUrl);
  if (host === undefined) return { baseUrl, keyVar: OPENAI_KEY_VAR, keyVarReason: 'default' };
  if (host === 'openrouter.ai' || host.endsWith('.openrouter.ai')) return { baseUrl, keyVar: 'OPENROUTER_API_KEY', keyVarReason: 'openrouter.ai' };
  if (host === 'router.huggingface.co' || host.endsWith('.huggingface.co') || host.endsWith('.hf.space'))
    return { baseUrl, keyVar: 'HF_TOKEN', keyVarReason: 'Hugging Face' };
  if (isLoopbackHost(host)) return { baseUrl, keyVar: undefined, keyVarReason: 'a server on this machine needs no key' };
  return { baseUrl, keyVar: OPENAI_KEY_VAR, keyVarReason: 'default' };
}

/** Base URL and key for an `openai:` model, or a HarnessError naming the missing variable. */
/** A base URL from the environment must be an http(s) URL: refused here, before any request. */
function checkedBaseUrl(baseUrl: string | undefined, fromVar: string, spec: string): void {
  if (baseUrl === undefined) return;
  const problem = httpUrlProblem(baseUrl);
  if (problem !== null) throw new HarnessError(`${fromVar} is "${baseUrl}" (${problem}); --model ${spec} needs an http(s) URL such as http://localhost:8000/v1`);
}

export function openAICredentials(env: EnvMap, spec: string, baseUrlSetting?: string): { baseUrl: string | undefined; apiKey: string } {
  const ep = openAIEndpoint(env, baseUrlSetting);
  checkedBaseUrl(ep.baseUrl, baseUrlSetting === undefined ? OPENAI_BASE_URL_VAR : 'the base URL', spec);
  if (ep.keyVar === undefined) {
    // The SDK insists on some key; local servers ignore it. Use one if the user gave one anyway.
    return { baseUrl: ep.baseUrl, apiKey: envValue(env, OPENAI_KEY_VAR) ?? 'no-key-needed' };
  }
  return { baseUrl: ep.baseUrl, apiKey: requireEnv(env, ep.keyVar, spec) };
}

export function anthropicCredentials(env: EnvMap, spec: string, baseUrlSetting?: string): { baseUrl: string | undefined; apiKey: string } {
  const baseUrl = baseUrlSetting ?? envValue(env, ANTHROPIC_BASE_URL_VAR);
  checkedBaseUrl(baseUrl, baseUrlSetting === undefined ? ANTHROPIC_BASE_URL_VAR : 'the base URL', spec);
  return { baseUrl, apiKey: requireEnv(env, ANTHROPIC_KEY_VAR, spec) };
}
