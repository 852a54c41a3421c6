/**
 * Claude Code (@anthropic-ai/claude-code) as a CLI agent. Its npm package is a thin launcher; the
 * program is the native binary of the platform package, which is all the image needs.
 */
import type { AgentCommand, AgentCommandInput, AgentLog, CliAgentAdapter } from './adapter.js';
import { readClaudeCodeStream } from './claude-code-log.js';

const BIN_PACKAGE = '@anthropic-ai/claude-code-linux-x64';

function env(input: AgentCommandInput): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: input.baseUrl,
    // Claude Code refuses to start without a key; the proxy ignores it (the real key never leaves the harness).
    ANTHROPIC_API_KEY: 'ibench-proxy-no-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    // The harness's model has retried already when the proxy answers an error: one failure ends the run.
    CLAUDE_CODE_MAX_RETRIES: '0',
    // --dangerously-skip-permissions is allowed without prompts in a sandbox.
    IS_SANDBOX: '1',
  };
}

function baseArgv(input: AgentCommandInput, bin: string, prompt: string): string[] {
  return [
    bin,
    '-p',
    prompt,
    '--output-format',
    'stream-json',
    '--verbose',
    '--dangerously-skip-permissions',
    '--model',
    input.model,
    ...(input.systemPrompt.trim() === '' ? [] : ['--append-system-prompt', input.systemPrompt.trim()]),
  ];
}

export const claudeCode: CliAgentAdapter = {
  name: 'claude-code',
  api: 'anthropic-messages',
  defaultModel: 'claude-sonnet-4-6',
  install: {
    packages: [
      {
        name: BIN_PACKAGE,
        version: '2.1.332',
        integrity: 'sha512-f4JWhzwYutJIHScC7/dYOPX6s28tt7ZADhsOi8zwOHq5fFPEuUeChh2NMfinSg0GrUckYxaeebC4h0DqiKzLcw==',
      },
    ],
    bin: `node_modules/${BIN_PACKAGE}/claude`,
  },
  command(input: AgentCommandInput): AgentCommand {
    return { argv: baseArgv(input, claudeCodeBin, input.instruction), env: env(input) };
  },
  resume(input: AgentCommandInput, message: string): AgentCommand {
    const argv = baseArgv(input, claudeCodeBin, message);
    return { argv: [...argv.slice(0, 1), '--continue', ...argv.slice(1)], env: env(input) };
  },
  readLog(stdout: string, firstStep: number): AgentLog {
    const run = readClaudeCodeStream(stdout);
    const offset = firstStep - 1;
    const events = run.events.map((e) => ('step' in e ? { ...e, step: e.step + offset } : e));
    return { events, finalText: run.finalText, version: run.version, ended: run.result !== null, skippedLines: run.skippedLines };
  },
};

/** The executable in the agent image (install.bin under /opt/ibench/agents/claude-code/). */
const claudeCodeBin = `/opt/ibench/agents/claude-code/node_modules/${BIN_PACKAGE}/claude`;
