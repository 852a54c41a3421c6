/**
 * Codex CLI (@openai/codex) as a CLI agent. Its npm package is a thin Node launcher; the program is
 * the static (musl) binary of the platform package, an npm alias of @openai/codex@<version>-linux-x64,
 * which is all the image needs. It speaks the Responses API to a provider set in its config.toml
 * (the proxy), runs with its own sandbox and approvals off (the container is the sandbox; Landlock
 * and bubblewrap do not work in it), and keeps its state and sessions under CODEX_HOME.
 * What it found out about itself: /work/briefs/codex-notes.md, summed up in the README.
 */
import type { AgentCommand, AgentCommandInput, AgentLog, CliAgentAdapter } from './adapter.js';
import { readCodexLog } from './codex-log.js';

const VERSION = '0.171.0';
const PACKAGE = '@openai/codex';
const BIN = `node_modules/${PACKAGE}/vendor/x86_64-unknown-linux-musl/bin/codex`;
/** The executable in the agent image (install.bin under /opt/ibench/agents/codex/). */
const codexBin = `/opt/ibench/agents/codex/${BIN}`;
/** Codex sends it as the bearer token; the proxy ignores it (the real key never leaves the harness). */
const KEY_VARIABLE = 'IBENCH_PROXY_KEY';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A TOML basic string. JSON's escapes are TOML's, except that TOML also wants DEL escaped and takes
 * no escaped lone surrogate (replaced, as they are no text).
 */
export function tomlString(text: string): string {
  const wellFormed = text.replace(LONE_SURROGATE, '\uFFFD');
  return JSON.stringify(wellFormed).replaceAll('\u007f', '\\u007F');
}

function codexHome(input: AgentCommandInput): string {
  return `${input.home}/.codex`;
}

/**
 * Its config: the proxy as the one model provider; no update check, analytics or plugin sync (each
 * would try the network at start); no hosted web search (the proxy cannot run it); no retries of
 * its own (the harness's model client retries upstream, and each retry would count as a call).
 * The condition's system prompt goes in `developer_instructions`: a developer message after Codex's
 * own base instructions, which stay (`instructions` would replace them).
 */
export function codexConfig(input: AgentCommandInput): string {
  const system = input.systemPrompt.trim();
  return [
    `model_provider = "ibench"`,
    'check_for_update_on_startup = false',
    'web_search = "disabled"',
    ...(system === '' ? [] : [`developer_instructions = ${tomlString(system)}`]),
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[features]',
    'plugins = false',
    '',
    '[model_providers.ibench]',
    'name = "ibench model proxy"',
    `base_url = ${tomlString(`${input.baseUrl}/v1`)}`,
    'wire_api = "responses"',
    `env_key = "${KEY_VARIABLE}"`,
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n');
}

/**
 * The command line: `codex --version` first (its one line on stdout is how the log learns the
 * version; the --json stream does not say it), then the session, through sh.
 */
function command(input: AgentCommandInput, args: string[]): AgentCommand {
  return {
    argv: ['/bin/sh', '-c', '"$0" --version && exec "$0" "$@"', codexBin, ...args],
    env: { CODEX_HOME: codexHome(input), [KEY_VARIABLE]: 'ibench-proxy-no-key', NO_COLOR: '1' },
    files: [{ path: `${codexHome(input)}/config.toml`, content: codexConfig(input) }],
  };
}

function sessionFlags(input: AgentCommandInput): string[] {
  return ['--json', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', '-m', input.model];
}

const VERSION_LINE = /^codex-cli (\S+)\s*$/;

export const codex: CliAgentAdapter = {
  name: 'codex',
  api: 'openai-responses',
  defaultModel: 'gpt-5.5',
  install: {
    packages: [{ name: PACKAGE, version: `${VERSION}-linux-x64`, integrity: 'sha512-l66NZkQgdk2C3pbcfULDz42yEUB581MVA6I+Y43Wp4OIqEy73HCdmZ0GTjeAHY2ycuH4N00d9VsLrwT1jxshTw==' }],
    bin: BIN,
  },
  command(input: AgentCommandInput): AgentCommand {
    return command(input, ['exec', ...sessionFlags(input), '--', input.instruction]);
  },
  resume(input: AgentCommandInput, message: string): AgentCommand {
    // --last: the newest session of this working directory, the one `command` started.
    return command(input, ['exec', 'resume', '--last', ...sessionFlags(input), '--', message]);
  },
  readLog(stdout: string, firstStep: number): AgentLog {
    const newline = stdout.indexOf('\n');
    const first = newline === -1 ? stdout : stdout.slice(0, newline);
    const version = VERSION_LINE.exec(first)?.[1] ?? null;
    const log = readCodexLog(version === null ? stdout : stdout.slice(newline + 1), firstStep);
    return { ...log, version };
  },
};
