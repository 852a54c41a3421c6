import { InvalidArgumentError } from 'commander';
import type { ModelSettings } from '../models/types.js';
import { UsageError } from '../util/errors.js';

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

export interface ModelSettingFlags {
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  reasoningEffort?: 'low' | 'medium' | 'high';
  thinkingBudget?: number;
  baseUrl?: string;
}

export function modelSettingsFrom(flags: ModelSettingFlags): ModelSettings {
  const settings: ModelSettings = {};
  if (flags.temperature !== undefined) settings.temperature = flags.temperature;
  if (flags.maxTokens !== undefined) settings.maxTokens = flags.maxTokens;
  if (flags.seed !== undefined) settings.seed = flags.seed;
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

/** Aborts on the first Ctrl-C / SIGTERM (clean-up runs); a second one exits at once. */
export function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\nibench: ${sig} received, stopping and removing containers (again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
