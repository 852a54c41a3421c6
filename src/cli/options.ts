import { InvalidArgumentError } from 'commander';
import type { ModelSettings } from '../models/types.js';
import { httpUrlProblem } from '../util/url.js';
import { UsageError } from '../util/errors.js';
import { testAccessLevels, testAccessSchema, type TestAccess } from '../tasks/schema.js';

export function parseIntOption(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} expects an integer >= ${min}, got "${value}"`);
    return n;
  };
}

export function parseFloatOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} expects a number in [${min}, ${max}], got "${value}"`);
    return n;
  };
}

export function parseEffort(value: string): 'low' | 'medium' | 'high' {
  if (value === 'low' || value === 'medium' || value === 'high') return value;
  throw new InvalidArgumentError(`--reasoning-effort expects low, medium or high, got "${value}"`);
}

/** --test-access: visible, read-only or hidden (overrides every task's `tests:` level). */
export function parseTestAccess(value: string): TestAccess {
  const parsed = testAccessSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`--test-access expects ${testAccessLevels.join(', ')}, got "${value}"`);
  return parsed.data;
}

/** --base-url: an http(s) endpoint, checked before any model or container is made. */
export function parseBaseUrl(value: string): string {
  const problem = httpUrlProblem(value);
  if (problem !== null) throw new InvalidArgumentError(`--base-url expects an http(s) URL such as http://localhost:8000/v1, got "${value}" (${problem})`);
  return value;
}

export interface ModelSettingFlags {
  temperature?: number;
  maxTokens?: number;
  /** --sampling-seed (`run` also takes its old spelling --seed). */
  samplingSeed?: number;
  seed?: number;
  reasoningEffort?: 'low' | 'medium' | 'high';
  thinkingBudget?: number;
  baseUrl?: string;
}

export function modelSettingsFrom(flags: ModelSettingFlags): ModelSettings {
  const settings: ModelSettings = {};
  if (flags.temperature !== undefined) settings.temperature = flags.temperature;
  if (flags.maxTokens !== undefined) settings.maxTokens = flags.maxTokens;
  const seed = oneOf(flags.samplingSeed, flags.seed, '--sampling-seed', '--seed');
  if (seed !== undefined) settings.seed = seed;
  if (flags.reasoningEffort !== undefined) settings.reasoningEffort = flags.reasoningEffort;
  if (flags.thinkingBudget !== undefined) {
    if (flags.maxTokens !== undefined && flags.maxTokens <= flags.thinkingBudget) {
      throw new UsageError(`--max-tokens (${flags.maxTokens}) must be larger than --thinking-budget (${flags.thinkingBudget}): the thinking budget is part of it`);
    }
    settings.thinkingBudget = flags.thinkingBudget;
  }
  if (flags.baseUrl !== undefined) settings.baseUrl = flags.baseUrl;
  return settings;
}

/** A flag given under its name or its old spelling; both with different values is a usage error. */
export function oneOf(value: number | undefined, alias: number | undefined, name: string, aliasName: string): number | undefined {
  if (value !== undefined && alias !== undefined && value !== alias) {
    throw new UsageError(`${aliasName} is the old spelling of ${name}: give one of them (got ${name} ${value} and ${aliasName} ${alias})`);
  }
  return value ?? alias;
}

/** The exit status of a command stopped by a signal: 128 + the signal's number. */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };
/** How long a second Ctrl-C waits for the forced clean-up before exiting anyway. */
const FORCED_CLEANUP_MS = 5_000;

export interface SignalStop {
  signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM (the signal that came first). */
  exitCode(): number;
  dispose(): void;
}

/**
 * Aborts on the first Ctrl-C / SIGTERM (the episode stops, removes its containers and exits); a
 * second one runs `forceCleanup` (removing what it can, for at most 5 s) and exits at once.
 */
export function abortOnSignals(forceCleanup?: () => Promise<unknown>): SignalStop {
  const controller = new AbortController();
  let first: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM'): void => {
    if (first !== undefined) {
      process.stderr.write(`\nibench: ${sig} again, removing what is left and quitting\n`);
      const code = SIGNAL_EXIT[first];
      const cleanup = forceCleanup === undefined ? Promise.resolve() : forceCleanup().catch(() => undefined);
      const timer = new Promise<void>((resolve) => setTimeout(resolve, FORCED_CLEANUP_MS).unref());
      void Promise.race([cleanup, timer]).then(() => process.exit(code));
      return;
    }
    first = sig;
    process.stderr.write(`\nibench: ${sig} received, stopping and removing containers (again to quit at once)\n`);
    controller.abort(new Error(`stopped by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    exitCode: () => SIGNAL_EXIT[first ?? 'SIGINT'],
    // Once a signal came, the handlers stay: a later one exits with the same status instead of
    // killing the process while it closes.
    dispose: () => {
      if (first !== undefined) return;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
