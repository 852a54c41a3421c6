/**
 * An episode's id and the labels of its containers: light (no Docker, no model), so that a command
 * may name an episode before it loads the episode's modules. episode.ts re-exports the id functions.
 */
import { basename } from 'node:path';
import { BUILTIN_AGENT } from '../agent/cli/registry.js';

/** The builtin loop's episodes keep the ids they had before agents: the agent is named only when it is another. */
export function episodeId(taskId: string, modelSpec: string, condition: string, epoch: number, agent = BUILTIN_AGENT): string {
  return [taskId, ...(agent === BUILTIN_AGENT ? [] : [agent]), modelSlug(modelSpec), condition, `e${epoch}`].join('__');
}

export function modelSlug(spec: string): string {
  const [provider, ...rest] = spec.split(':');
  const name = rest.join(':');
  const shown = provider === 'scripted' || provider === 'replay' || (provider === 'local' && name !== '') ? basename(name).replace(/\.(ya?ml|jsonl?|gguf)$/i, '') : name;
  return `${provider ?? ''}${shown === '' ? '' : `-${shown}`}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
}

/** The labels of every container an episode starts: its clean-up and its tests find them by these. */
export function episodeLabels(episodeId: string): Record<string, string> {
  return { 'ibench.episode': episodeId };
}
