import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { modelEnv, openAICredentials, openAIEndpoint, parseDotEnv } from '../src/models/env.js';
import { createModel } from '../src/models/factory.js';
import { canonicalModelName, costOf } from '../src/models/prices.js';
import { providerReadiness } from '../src/models/readiness.js';
import { parseModelSpec } from '../src/models/spec.js';
import { HarnessError, UsageError } from '../src/util/errors.js';

const emptyDir = mkdtempSync(join(tmpdir(), 'ibench-spec-test-'));

describe('parseModelSpec', () => {
  it('parses every accepted form', () => {
    expect(parseModelSpec('openai:gpt-4o')).toEqual({ provider: 'openai', model: 'gpt-4o', spec: 'openai:gpt-4o' });
    expect(parseModelSpec('openai:ft:gpt-4o-mini:acme::abc123')).toMatchObject({ provider: 'openai', model: 'ft:gpt-4o-mini:acme::abc123' });
    expect(parseModelSpec('openai:meta-llama/llama-3.1-8b-instruct')).toMatchObject({ model: 'meta-llama/llama-3.1-8b-instruct' });
    expect(parseModelSpec('anthropic:claude-sonnet-4-5')).toEqual({ provider: 'anthropic', model: 'claude-sonnet-4-5', spec: 'anthropic:claude-sonnet-4-5' });
    expect(parseModelSpec('local')).toEqual({ provider: 'local', path: undefined, spec: 'local' });
    expect(parseModelSpec('local:')).toEqual({ provider: 'local', path: undefined, spec: 'local' });
    expect(parseModelSpec('local:models/qwen.Q4_K_M.gguf')).toEqual({ provider: 'local', path: 'models/qwen.Q4_K_M.gguf', spec: 'local:models/qwen.Q4_K_M.gguf' });
    expect(parseModelSpec('scripted:red-team/edit-test.yaml')).toEqual({ provider: 'scripted', file: 'red-team/edit-test.yaml', spec: 'scripted:red-team/edit-test.yaml' });
    expect(parseModelSpec('  OpenAI:gpt-4o ')).toMatchObject({ provider: 'openai', model: 'gpt-4o' });
  });

  it.each([
    ['', /empty model spec/],
    ['gpt-4o', /unknown model "gpt-4o"/],
    ['google:gemini-2.5-pro', /unknown provider "google"/],
    ['openai', /openai needs a model name, e.g. openai:gpt-4o/],
    ['openai:', /openai needs a model name/],
    ['anthropic:', /anthropic needs a model name/],
    ['openai:gpt 4o', /no spaces/],
    ['local:model.bin', /GGUF file ending in \.gguf/],
    ['scripted:', /scripted needs the path of a script file/],
  ])('refuses %j with a UsageError naming --model and the accepted forms', (spec, reason) => {
    let err: unknown;
    try {
      parseModelSpec(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as Error).message;
    expect(message).toMatch(reason);
    expect(message).toMatch(/^--model /);
    expect(message).toContain('Accepted forms: openai:<model>, anthropic:<model>, local, local:<path.gguf>, scripted:<file>');
  });
});

describe('keys from the environment and .env', () => {
  it('parses .env text', () => {
    expect(
      parseDotEnv(
        [
          '# comment',
          'OPENAI_API_KEY=sk-plain',
          'export ANTHROPIC_API_KEY = "sk-ant-quoted"  ',
          "HF_TOKEN='hf_single' # trailing comment",
          'OPENROUTER_API_KEY=sk-or-v1 # inline comment',
          'MULTI="a\\nb"',
          'EMPTY=',
          'not a line',
        ].join('\n'),
      ),
    ).toEqual({
      OPENAI_API_KEY: 'sk-plain',
      ANTHROPIC_API_KEY: 'sk-ant-quoted',
      HF_TOKEN: 'hf_single',
      OPENROUTER_API_KEY: 'sk-or-v1',
      MULTI: 'a\nb',
      EMPTY: '',
    });
  });

  it('reads .env in the working directory, under the real environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibench-dotenv-'));
    writeFileSync(join(dir, '.env'), 'OPENAI_API_KEY=from-file\nANTHROPIC_API_KEY=from-file\n');
    const env = modelEnv({ cwd: dir, env: { ANTHROPIC_API_KEY: 'from-env' } });
    expect(env.OPENAI_API_KEY).toBe('from-file');
    expect(env.ANTHROPIC_API_KEY).toBe('from-env');
  });

  it('names the missing variable in a one-line HarnessError', async () => {
    const err = await createModel('openai:gpt-4o', { env: {}, cwd: emptyDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as Error).message).toBe('OPENAI_API_KEY is not set (needed by --model openai:gpt-4o): export it or add OPENAI_API_KEY=... to .env');
    await expect(createModel('openai:gpt-4o', { env: { OPENAI_API_KEY: '   ' }, cwd: emptyDir })).rejects.toThrow(/OPENAI_API_KEY is not set/);
    await expect(createModel('anthropic:claude-opus-4-1', { env: {}, cwd: emptyDir })).rejects.toThrow(
      /^ANTHROPIC_API_KEY is not set \(needed by --model anthropic:claude-opus-4-1\)/,
    );
  });

  it('takes a key from .env when the environment has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibench-dotenv-'));
    writeFileSync(join(dir, '.env'), 'OPENAI_API_KEY=sk-from-dotenv\n');
    const model = await createModel('openai:gpt-4o', { env: {}, cwd: dir });
    expect(model.spec).toBe('openai:gpt-4o');
  });

  it('picks the key variable of an OpenAI-compatible endpoint by convention', () => {
    expect(openAIEndpoint({}).keyVar).toBe('OPENAI_API_KEY');
    expect(openAIEndpoint({}, 'https://openrouter.ai/api/v1').keyVar).toBe('OPENROUTER_API_KEY');
    expect(openAIEndpoint({ OPENAI_BASE_URL: 'https://router.huggingface.co/v1' }).keyVar).toBe('HF_TOKEN');
    expect(openAIEndpoint({}, 'http://localhost:8000/v1').keyVar).toBeUndefined();
    expect(openAIEndpoint({}, 'http://127.0.0.1:11434/v1').keyVar).toBeUndefined();
    expect(openAIEndpoint({}, 'https://api.together.xyz/v1').keyVar).toBe('OPENAI_API_KEY');
    expect(openAIEndpoint({ IBENCH_OPENAI_KEY_VAR: 'TOGETHER_API_KEY' }, 'https://api.together.xyz/v1').keyVar).toBe('TOGETHER_API_KEY');
    // --base-url wins over OPENAI_BASE_URL
    expect(openAIEndpoint({ OPENAI_BASE_URL: 'https://openrouter.ai/api/v1' }, 'http://localhost:8000/v1').baseUrl).toBe('http://localhost:8000/v1');

    expect(() => openAICredentials({}, 'openai:x', 'https://openrouter.ai/api/v1')).toThrow(/^OPENROUTER_API_KEY is not set/);
    expect(() => openAICredentials({}, 'openai:x', 'https://router.huggingface.co/v1')).toThrow(/^HF_TOKEN is not set/);
    expect(openAICredentials({}, 'openai:x', 'http://localhost:11434/v1')).toEqual({ baseUrl: 'http://localhost:11434/v1', apiKey: 'no-key-needed' });
    expect(openAICredentials({ HF_TOKEN: 'hf_x' }, 'openai:x', 'https://router.huggingface.co/v1').apiKey).toBe('hf_x');
  });
});

describe('createModel', () => {
  it('refuses a bad spec with a UsageError', async () => {
    await expect(createModel('gemini:pro', { env: {}, cwd: emptyDir })).rejects.toBeInstanceOf(UsageError);
  });

  it('makes a scripted model from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibench-scripted-'));
    writeFileSync(join(dir, 'turns.yaml'), 'turns:\n  - tool: submit\n    input: { outcome: impossible, message: "cannot" }\n');
    const model = await createModel('scripted:turns.yaml', { cwd: dir });
    const reply = await model.generate([{ role: 'user', content: 'go' }], []);
    expect(reply.toolCalls[0]).toMatchObject({ name: 'submit', arguments: { outcome: 'impossible', message: 'cannot' } });
  });

  it('reports a missing local:<path.gguf> file', async () => {
    await expect(createModel('local:nowhere/missing.gguf', { cwd: emptyDir })).rejects.toThrow(
      new HarnessError(`no GGUF model file at ${join(emptyDir, 'nowhere/missing.gguf')} (from --model local:<path.gguf>)`),
    );
  });

  describe('with an empty cache directory', () => {
    const saved = process.env.IBENCH_CACHE_DIR;
    afterEach(() => {
      if (saved === undefined) delete process.env.IBENCH_CACHE_DIR;
      else process.env.IBENCH_CACHE_DIR = saved;
      vi.resetModules();
    });

    it('tells how to fetch the default local model', async () => {
      process.env.IBENCH_CACHE_DIR = mkdtempSync(join(tmpdir(), 'ibench-cache-'));
      vi.resetModules();
      const factory = await import('../src/models/factory.js');
      const err = await factory.createModel('local').catch((e: unknown) => e);
      expect((err as Error).name).toBe('HarnessError');
      expect((err as Error).message).toMatch(/the embedded model is not at .*SmolLM2-135M-Instruct\.Q4_1\.gguf/);
      expect((err as Error).message).toContain('npx ibench setup');
      expect((err as Error).message).toContain('--model local:<path.gguf>');
    });
  });
});

describe('prices', () => {
  it('knows a few models and strips dates and vendors', () => {
    expect(canonicalModelName('gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(canonicalModelName('claude-sonnet-4-20250514')).toBe('claude-sonnet-4');
    expect(canonicalModelName('openai/gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(costOf('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBeCloseTo(0.75, 10);
    expect(costOf('claude-opus-4-1-20250805', { inputTokens: 1000, outputTokens: 100 })).toBeCloseTo((1000 * 15 + 100 * 75) / 1e6, 12);
    expect(costOf('llama-3.1-8b', { inputTokens: 1000, outputTokens: 100 })).toBeUndefined();
  });
});

describe('readiness', () => {
  it('says what each provider needs and whether it is ready', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibench-ready-'));
    const gguf = join(dir, 'small.gguf');
    writeFileSync(gguf, 'not the real size');
    const list = providerReadiness({ env: { ANTHROPIC_API_KEY: 'x' }, cwd: emptyDir, localModelPath: gguf });
    const by = Object.fromEntries(list.map((p) => [p.provider, p]));
    expect(Object.keys(by)).toEqual(['local', 'openai', 'anthropic', 'scripted', 'replay']);
    expect(by.local).toMatchObject({ ready: false, modelFile: gguf, modelFileBytes: 17 });
    expect(by.local?.detail).toContain('npx ibench setup');
    expect(by.openai).toMatchObject({ ready: false, keyVariable: 'OPENAI_API_KEY', keyPresent: false });
    expect(by.anthropic).toMatchObject({ ready: true, keyVariable: 'ANTHROPIC_API_KEY', keyPresent: true });
    expect(by.scripted?.ready).toBe(true);

    const local = providerReadiness({ env: { OPENAI_BASE_URL: 'http://localhost:8000/v1' }, cwd: emptyDir, localModelPath: join(dir, 'none.gguf') });
    expect(local[1]).toMatchObject({ provider: 'openai', ready: true, baseUrl: 'http://localhost:8000/v1' });
    expect(local[0]?.detail).toMatch(/model file missing/);
  });
});
