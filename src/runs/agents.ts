/** The agent as a dimension of runs: the names `--agent` / `agents:` accept, and a record's agent. */
import { agentNames, BUILTIN_AGENT } from '../agent/cli/registry.js';
import { UsageError } from '../util/errors.js';

/** The builtin loop is also what records made before agents were kept ran. */
export { BUILTIN_AGENT };

/** Every --agent name this build knows (the registry of CLI agents, after builtin). */
export const knownAgentNames: readonly string[] = agentNames;

/** A record's agent; records made before agents were kept are the builtin loop's. */
export function agentOf(record: { agent?: string | undefined }): string {
  return record.agent ?? BUILTIN_AGENT;
}

/** Throws a one-line usage error naming `where` (a flag or a file's field) for a name no agent has. */
export function checkAgentNames(names: readonly string[], where: string): void {
  for (const name of names) {
    if (!knownAgentNames.includes(name)) throw new UsageError(`${where}: no agent "${name}"; the agents are ${knownAgentNames.join(', ')}`);
  }
}
