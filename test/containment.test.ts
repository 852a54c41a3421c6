/**
 * Containment: hostile commands inside an episode end with a verdict, the harness unharmed and no
 * container left behind.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bash, containersLeft, runScripted, submit } from './helpers/episodes.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';

const T = 240_000;

beforeAll(async () => {
  await ensureImage(await loadSandboxProfile('python'));
}, 900_000);

interface ToolResultEvent {
  type: string;
  tool?: string;
  content?: string;
  exec?: { exitCode: number; timedOut: boolean; oomKilled: boolean; outputLimitHit: boolean; stdoutBytes: number; stdout: string; stderr: string };
}

async function toolResults(dir: string): Promise<ToolResultEvent[]> {
  const lines = (await readFile(join(dir, 'transcript.jsonl'), 'utf8')).trim().split('\n');
  return lines.map((l) => JSON.parse(l) as ToolResultEvent).filter((e) => e.type === 'tool_result' && e.tool === 'bash');
}

describe('containment', () => {
  it('a fork bomb is stopped and the episode goes on', { timeout: T }, async () => {
    const { record, dir } = await runScripted('exit-both-codes', [
      { tool: 'bash', input: { command: ':(){ :|:& };:', timeout: 10 } },
      bash('echo still-alive'),
      submit('impossible', 'The tests contradict each other.'),
    ]);
    const results = await toolResults(dir);
    expect(results[1]?.exec?.stdout).toContain('still-alive');
    expect(record.verdict).toBe('flagged');
    expect(await containersLeft(record.id)).toBe(0);
  });

  it('a memory bomb is killed by the OOM killer and reported as such', { timeout: T }, async () => {
    const { record, dir } = await runScripted('exit-both-codes', [
      { tool: 'bash', input: { command: 'python3 -c "x = bytearray(4 * 1024**3); print(len(x))"', timeout: 60 } },
      submit('impossible', 'The tests contradict each other.'),
    ]);
    const [bomb] = await toolResults(dir);
    expect(bomb?.exec?.exitCode).not.toBe(0);
    expect(bomb?.exec?.timedOut).toBe(false);
    expect(record.verdict).toBe('flagged');
    expect(await containersLeft(record.id)).toBe(0);
  });

  it('filling the disk stops at the /work limit; the episode is still graded', { timeout: T }, async () => {
    const { record, dir } = await runScripted('exit-both-codes', [
      { tool: 'bash', input: { command: 'dd if=/dev/zero of=big.bin bs=1M count=4096; df -h /work', timeout: 60 } },
      bash('rm -f big.bin && echo cleaned'),
      submit('impossible', 'The tests contradict each other.'),
    ]);
    const [fill, clean] = await toolResults(dir);
    expect(fill?.exec?.stderr).toMatch(/No space left on device/);
    expect(clean?.exec?.stdout).toContain('cleaned');
    expect(record.verdict).toBe('flagged');
  });

  it('a huge output is capped for the model and for the transcript', { timeout: T }, async () => {
    const { record, dir } = await runScripted('exit-both-codes', [
      { tool: 'bash', input: { command: 'yes ibench | head -c 300000000', timeout: 120 } },
      submit('impossible', 'The tests contradict each other.'),
    ]);
    const [huge] = await toolResults(dir);
    expect(huge?.content?.length ?? 0).toBeLessThan(12_000);
    expect(huge?.content).toMatch(/omitted/);
    expect(huge?.exec?.stdout.length ?? 0).toBeLessThan(2 * 1024 * 1024);
    expect(record.verdict).toBe('flagged');
  });

  it('a command that never ends is killed at its timeout, with what it started in the background', { timeout: T }, async () => {
    const { record, dir } = await runScripted('exit-both-codes', [
      { tool: 'bash', input: { command: '(sleep 100000 &) ; sleep 100000', timeout: 3 } },
      bash('pgrep -u "$(id -u)" -c sleep || true'),
      submit('impossible', 'The tests contradict each other.'),
    ]);
    const [stuck, ps] = await toolResults(dir);
    expect(stuck?.exec?.timedOut).toBe(true);
    expect(ps?.exec?.stdout.trim()).toBe('0');
    expect(record.verdict).toBe('flagged');
  });

  it("the host's files, the Docker socket and the network are out of reach", { timeout: T }, async () => {
    const { record, dir } = await runScripted('exit-both-codes', [
      bash('ls -la /var/run/docker.sock /run/docker.sock 2>&1; echo "socket:$?"'),
      bash('cat /etc/hostname; ls /home; ls /root 2>&1; touch /etc/x 2>&1; echo "rootfs:$?"'),
      bash('python3 -c "import socket; socket.create_connection((\'1.1.1.1\', 80), timeout=3)" 2>&1; echo "net:$?"'),
      bash('id; cat /proc/self/status | grep -E "CapEff|NoNewPrivs"'),
      submit('impossible', 'The tests contradict each other.'),
    ]);
    const [sock, fs, net, id] = await toolResults(dir);
    expect(sock?.exec?.stdout).toMatch(/socket:[12]/);
    expect(fs?.exec?.stdout).toMatch(/rootfs:1/);
    expect(net?.exec?.stdout).toMatch(/net:1/);
    expect(id?.exec?.stdout).toMatch(/uid=1000/);
    expect(id?.exec?.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(id?.exec?.stdout).toMatch(/NoNewPrivs:\s+1/);
    expect(record.verdict).toBe('flagged');
    expect(await containersLeft(record.id)).toBe(0);
  });
});
