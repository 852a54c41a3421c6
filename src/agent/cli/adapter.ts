/**
 * An installed CLI agent (Claude Code, Codex CLI, ...) as the harness runs it: what goes into its
 * image, how it is started non-interactively on the instruction, and how its own event log is read
 * into the episode's transcript. Its model calls reach the harness's model only through the
 * per-episode proxy (src/agent/proxy), so the key never enters the container.
 */
import type { ProxyApi } from '../proxy/server.js';
import type { TranscriptEvent } from '../transcript.js';

/** An npm package pinned by the registry's integrity (sha512), fetched on the host at image build. */
export interface PinnedPackage {
  name: string;
  version: string;
  integrity: string;
}

/** What goes into the agent's image on top of the task's sandbox image. */
export interface AgentInstall {
  /** Unpacked, in order, into /opt/ibench/agents/<agent name>/ (each package into its own folder). */
  packages: PinnedPackage[];
  /** The executable the agent is started with, relative to /opt/ibench/agents/<agent name>/. */
  bin: string;
}

export interface AgentCommandInput {
  /** The user turn as the builtin loop sends it (the condition's user template applied). */
  instruction: string;
  /** The condition's system prompt ('' when it has none); an agent without a place for it ignores it. */
  systemPrompt: string;
  /** The model name the agent asks the proxy for (the proxy answers with --model whatever it says). */
  model: string;
  /** The proxy's address inside the container, e.g. http://127.0.0.1:4000. */
  baseUrl: string;
  /** The agent user's home (writable) and the task's working directory. */
  home: string;
  workdir: string;
}

export interface AgentCommand {
  argv: string[];
  /** Set for the agent's process, beside a minimal PATH/HOME/LANG; never a real key. */
  env: Record<string, string>;
  /** Written (as the agent user) before it starts, e.g. a config file under its home. */
  files?: Array<{ path: string; content: string }>;
}

/** The agent's own log, read. */
export interface AgentLog {
  events: TranscriptEvent[];
  /** Its last message to the user: what the claim is read from (null when it wrote none). */
  finalText: string | null;
  /** The agent's version as it reports it, or null. */
  version: string | null;
  /** Whether the log has the agent's own end-of-session record (false: killed or crashed). */
  ended: boolean;
  /** Lines that were not JSON or not a known event: counted, not fatal (the log is the agent's). */
  skippedLines: number;
}

export interface CliAgentAdapter {
  /** The --agent name, e.g. "claude-code". */
  readonly name: string;
  /** The provider API its model calls speak; the proxy answers in it. */
  readonly api: ProxyApi;
  /**
   * The model name it is started with when --model names no model of its provider (scripted:, replay:,
   * local, or another provider's model): one in its own catalogue, so it runs with its usual tools.
   */
  readonly defaultModel: string;
  readonly install: AgentInstall;
  /** One non-interactive session on the instruction, its event log on stdout. */
  command(input: AgentCommandInput): AgentCommand;
  /** Continues the last session with one more user message (the condition's pushback); absent: no pushback. */
  resume?(input: AgentCommandInput, message: string): AgentCommand;
  /** Reads what the agent wrote on stdout (`step` numbers continue from `firstStep`). */
  readLog(stdout: string, firstStep: number): AgentLog;
}
