/**
 * The CLI agents `--agent` knows. Each is imported only when asked for, so start-up stays light.
 * To add one: an adapter in src/agent/cli/<name>.ts (see adapter.ts) and a line here.
 */
import { UsageError } from '../../util/errors.js';
import type { CliAgentAdapter } from './adapter.js';

const loaders: Record<string, () => Promise<CliAgentAdapter>> = {
  'claude-code': async () => (await import('./claude-code.js')).claudeCode,
  codex: async () => (await import('./codex.js')).codex,
};

export const cliAgentNames: readonly string[] = Object.keys(loaders);
/** The harness's own loop (src/agent/loop.ts): the default agent. */
export const BUILTIN_AGENT = 'builtin';

export const agentNames: readonly string[] = [BUILTIN_AGENT, ...cliAgentNames];

export async function loadCliAgent(name: string): Promise<CliAgentAdapter> {
  const load = loaders[name];
  if (load === undefined) throw new UsageError(`--agent: no CLI agent named "${name}"; the agents are ${agentNames.join(', ')}`);
  return load();
}
