/**
 * The CLI agents' pieces that need no container: the registry and --agent's errors, the Claude Code
 * adapter's command lines and log reading, the agent image's name and build hash, the model name
 * an agent is started with, and the pinned package cache.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { claudeCode } from '../src/agent/cli/claude-code.js';
import { codex } from '../src/agent/cli/codex.js';
import { agentBuildHash, agentImageName } from '../src/agent/cli/image.js';
import { fetchPinnedPackage, integrityMatches, tarballName } from '../src/agent/cli/packages.js';
import { agentNames, cliAgentNames, loadCliAgent } from '../src/agent/cli/registry.js';
import { agentModelName } from '../src/agent/cli/run.js';
import type { AgentCommandInput } from '../src/agent/cli/adapter.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { UsageError } from '../src/util/errors.js';
import Docker from 'dockerode';
import { daemonIsLocal } from '../src/sandbox/docker.js';

const input: AgentCommandInput = {
  instruction: 'Make the tests pass.',
  systemPrompt: 'You are careful.',
  model: 'claude-sonnet-4-6',
  baseUrl: 'http://127.0.0.1:4000',
  home: '/home/agent',
  workdir: '/work',
};

describe('the agent registry', () => {
  it('lists builtin and the CLI agents, loads an adapter by name, refuses an unknown one naming the flag', async () => {
    expect(agentNames[0]).toBe('builtin');
    expect(cliAgentNames).toContain('claude-code');
    expect((await loadCliAgent('claude-code')).name).toBe('claude-code');
    await expect(loadCliAgent('nope')).rejects.toThrow(UsageError);
    await expect(loadCliAgent('nope')).rejects.toThrow(/^--agent: no CLI agent named "nope"; the agents are builtin, claude-code/);
  });

  it('ibench run --agent with an unknown name: one line naming the flag and the agents, exit 2', async () => {
    const r = await execa('node', ['bin/ibench.js', 'run', '--agent', 'nope', '--model', 'scripted:test/fixtures/scripts/flag.yaml'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--agent: no agent "nope"; the agents are builtin, claude-code/);
  });
});

describe('the Claude Code adapter', () => {
  it('starts claude -p on the instruction with stream-json, the model, the system prompt appended, and no real key', () => {
    const cmd = claudeCode.command(input);
    expect(cmd.argv[0]).toBe('/opt/ibench/agents/claude-code/node_modules/@anthropic-ai/claude-code-linux-x64/claude');
    expect(cmd.argv.slice(1)).toEqual([
      '-p',
      'Make the tests pass.',
      '--output-format',
      'stream-json',
      '--verbose',
      '--dangerously-skip-permissions',
      '--model',
      'claude-sonnet-4-6',
      '--append-system-prompt',
      'You are careful.',
    ]);
    expect(cmd.env.ANTHROPIC_BASE_URL).toBe('http://127.0.0.1:4000');
    expect(cmd.env.ANTHROPIC_API_KEY).toBe('ibench-proxy-no-key');
    expect(claudeCode.command({ ...input, systemPrompt: '  ' }).argv).not.toContain('--append-system-prompt');
  });

  it('resumes the last session with --continue and the pushback as the prompt', () => {
    const argv = claudeCode.resume?.(input, 'Try again.').argv ?? [];
    expect(argv.slice(1, 4)).toEqual(['--continue', '-p', 'Try again.']);
  });

  it('reads its stream-json log with steps continuing from firstStep', async () => {
    const log = await readFile('test/fixtures/agents/claude-code-2.1.332-stream.jsonl', 'utf8');
    const first = claudeCode.readLog(log, 1);
    const later = claudeCode.readLog(log, 5);
    expect(first.version).toBe('2.1.332');
    expect(first.ended).toBe(true);
    const steps = (l: typeof first) => l.events.flatMap((e) => ('step' in e ? [e.step] : []));
    expect(steps(later)).toEqual(steps(first).map((s) => s + 4));
    expect(claudeCode.readLog(log.split('\n').slice(0, 3).join('\n'), 1).ended).toBe(false);
  });
});

describe('the agent image', () => {
  it('is named after the profile image and the agent; its hash follows the pins, the base image and nothing else', async () => {
    const profile = await loadSandboxProfile('python');
    expect(agentImageName(profile, 'claude-code')).toBe('ibench-python-claude-code:latest');
    const base = agentBuildHash(claudeCode, 'sha256:aaa');
    expect(agentBuildHash(claudeCode, 'sha256:aaa')).toBe(base);
    expect(agentBuildHash(claudeCode, 'sha256:bbb')).not.toBe(base);
    const repinned = { ...claudeCode, install: { ...claudeCode.install, packages: claudeCode.install.packages.map((p) => ({ ...p, version: '9.9.9' })) } };
    expect(agentBuildHash(repinned, 'sha256:aaa')).not.toBe(base);
  });

  it('takes a pinned package from the cache when its integrity matches (no registry)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ibench-pkgs-'));
    const content = Buffer.from('not really a tarball');
    const integrity = `sha512-${createHash('sha512').update(content).digest('base64')}`;
    const pkg = { name: '@example/tool-linux-x64', version: '1.2.3', integrity };
    expect(tarballName(pkg)).toBe('example-tool-linux-x64-1.2.3.tgz');
    await writeFile(join(dir, tarballName(pkg)), content);
    expect(await fetchPinnedPackage(pkg, dir)).toBe(join(dir, 'example-tool-linux-x64-1.2.3.tgz'));
    expect(await integrityMatches(join(dir, tarballName(pkg)), integrity)).toBe(true);
    expect(await integrityMatches(join(dir, tarballName(pkg)), `sha512-${createHash('sha512').update('other').digest('base64')}`)).toBe(false);
    expect(await integrityMatches(join(dir, 'missing.tgz'), integrity)).toBe(false);
  });
});

describe('the model name an agent is started with', () => {
  it("is the provider's own name when it speaks the agent's API, else a name the agent accepts", () => {
    expect(agentModelName('anthropic:claude-opus-4-1', claudeCode)).toBe('claude-opus-4-1');
    expect(agentModelName('scripted:/x/y.yaml', claudeCode)).toBe('claude-sonnet-4-6');
    expect(agentModelName('openai:gpt-5', claudeCode)).toBe('claude-sonnet-4-6');
    expect(agentModelName('openai:gpt-5.6-mini', codex)).toBe('gpt-5.6-mini');
    expect(agentModelName('scripted:/x/y.yaml', codex)).toBe('gpt-5.5');
    expect(agentModelName('anthropic:claude-opus-4-1', codex)).toBe('gpt-5.5');
  });
});

describe('where a CLI agent can run', () => {
  it('on a daemon of this machine (its socket, or loopback TCP), not on a remote one (the proxy folder is mounted)', () => {
    expect(daemonIsLocal(new Docker({ socketPath: '/var/run/docker.sock' }))).toBe(true);
    expect(daemonIsLocal(new Docker({ protocol: 'http', host: '127.0.0.1', port: 2375 }))).toBe(true);
    expect(daemonIsLocal(new Docker({ protocol: 'http', host: '10.0.0.5', port: 2375 }))).toBe(false);
    expect(daemonIsLocal(new Docker({ protocol: 'ssh', host: 'box', username: 'me' }))).toBe(false);
  });
});

describe('a condition as a CLI agent reads it', () => {
  it('every built-in condition names the builtin tools for the builtin loop and nothing of them for a CLI agent', async () => {
    const { listConditionNames, loadCondition, renderSystem } = await import('../src/agent/condition.js');
    const { BUILTIN_TOOLS_TEXT } = await import('../src/agent/tools.js');
    const names = await listConditionNames();
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const name of names) {
      const condition = await loadCondition(name);
      const builtin = renderSystem(condition, BUILTIN_TOOLS_TEXT);
      const cli = renderSystem(condition, '');
      expect(builtin, name).toContain(BUILTIN_TOOLS_TEXT);
      expect(cli, name).not.toMatch(/three tools|submit|\{\{/);
      expect(cli, name).toMatch(/^You are /);
      expect(cli.endsWith('.'), name).toBe(true);
    }
  });
});
