import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { fileEntry, type FileTree } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile, type SandboxProfile } from '../src/sandbox/profile.js';
import { sweepLeftovers } from '../src/sandbox/sweep.js';
import { tarToTree, treeToTar } from '../src/sandbox/tar.js';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { SandboxFileError, type Sandbox } from '../src/sandbox/types.js';

const docker = dockerClient();
const factory = new DockerSandboxFactory(docker);
/** Marks everything this test file creates, to list it by label afterwards. */
const runLabel = { 'ibench.test': `sandbox-${process.pid}-${Date.now()}` };

let base: SandboxProfile;
let sb: Sandbox;
const opened: Sandbox[] = [];

function withLimits(limits: Partial<SandboxProfile['limits']>): SandboxProfile {
  return { ...base, limits: { ...base.limits, ...limits } };
}

/** The container's processes as `uid args` lines, read by the daemon (`docker top`), not by an exec. */
async function processes(s: Sandbox): Promise<string[]> {
  const top = (await docker.getContainer(s.containerId).top({ ps_args: '-eo pid,uid,args' })) as { Processes: string[][] };
  return top.Processes.map((p) => p.slice(1).join(' '));
}

async function open(profile: SandboxProfile, labels: Record<string, string> = {}): Promise<Sandbox> {
  const s = await factory.create(profile, { ...runLabel, ...labels });
  opened.push(s);
  return s;
}

beforeAll(async () => {
  await assertDockerReachable(docker);
  base = await loadSandboxProfile('python');
  await ensureImage(base, { mode: 'auto', pullTimeoutMs: 20_000 });
  sb = await open(withLimits({ memory: '512m', pids: 128, work: '64m' }));
}, 900_000);

afterAll(async () => {
  for (const s of opened) await s.close();
}, 120_000);

describe('exec', () => {
  it('keeps stdout and stderr apart and returns the exit code', async () => {
    const r = await sb.exec('echo out; echo err >&2; exit 3');
    expect(r.exitCode).toBe(3);
    expect(r.stdout.text).toBe('out\n');
    expect(r.stderr.text).toBe('err\n');
    expect(r.stdout.totalBytes).toBe(4);
    expect(r.stdout.omittedBytes).toBe(0);
    expect(r.timedOut).toBe(false);
    expect(r.oomKilled).toBe(false);
    expect(r.outputLimitHit).toBe(false);
    expect((await sb.exec('true')).exitCode).toBe(0);
    expect((await sb.exec('false')).exitCode).toBe(1);
  }, 60_000);

  it('runs as the agent in /work by default, as root when asked, with env, cwd and stdin', async () => {
    const agent = await sb.exec('id -u; id -g; pwd; echo "$HOME"; echo "$FOO"', { env: { FOO: 'bar baz' } });
    expect(agent.stdout.text).toBe(`${base.user.uid}\n${base.user.gid}\n/work\n/home/agent\nbar baz\n`);
    const root = await sb.exec('id -u; pwd', { user: 'root', cwd: '/tmp' });
    expect(root.stdout.text).toBe('0\n/tmp\n');
    const stdin = await sb.exec('tr a-z A-Z', { stdin: 'hello\nworld\n' });
    expect(stdin.exitCode).toBe(0);
    expect(stdin.stdout.text).toBe('HELLO\nWORLD\n');
  }, 60_000);

  it('runs concurrent calls one after the other, neither killing the other', async () => {
    const [a, b] = await Promise.all([sb.exec('sleep 0.5; echo a'), sb.exec('echo b')]);
    expect(a.exitCode).toBe(0);
    expect(a.stdout.text).toBe('a\n');
    expect(b.stdout.text).toBe('b\n');
  }, 60_000);

  it('kills a command at its timeout and reports timedOut', async () => {
    const started = Date.now();
    const r = await sb.exec('echo begun; sleep 60; echo never', { timeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(137);
    expect(r.oomKilled).toBe(false);
    expect(r.stdout.text).toBe('begun\n');
    expect(Date.now() - started).toBeLessThan(15_000);
    // Killed at once, not by a later command's kill-first shell: seen by the daemon, not by an exec.
    expect((await processes(sb)).filter((p) => p.startsWith(`${base.user.uid} `))).toEqual([]);
  }, 60_000);

  it("kills what a command left in the background in the next command's own shell, before its script runs", async () => {
    // Appends to a file every 10 ms, detached from the command in every way it can be.
    const ticker = (file: string): string => `nohup setsid bash -c 'while :; do echo t >> ${file}; sleep 0.01; done' >/dev/null 2>&1 &`;
    const r = await sb.exec(`rm -f /tmp/tick; ${ticker('/tmp/tick')} sleep 1000 >/dev/null 2>&1 & sleep 0.2; echo started`);
    expect(r.stdout.text).toBe('started\n');
    // No kill ran after the command: what it left still runs (read by the daemon, not by an exec).
    expect((await processes(sb)).some((p) => /sleep 1000$/.test(p))).toBe(true);
    // The next command's first byte runs after the ticker died: the file stops growing at once.
    const next = await sb.exec('a=$(wc -l < /tmp/tick); sleep 0.3; b=$(wc -l < /tmp/tick); echo "$a $b"; ps -eo user=,args=');
    const [counts, ...ps] = next.stdout.text.trim().split('\n');
    const [a, b] = (counts ?? '').split(' ').map(Number);
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a);
    expect(ps.join('\n')).not.toMatch(/sleep 1000|while :/);
    // pid 1 and the keeper survive every agent kill.
    expect(ps.join('\n')).toMatch(/nobody\s+\/sbin\/docker-init -- sleep infinity/);
  }, 60_000);

  it('kills the leftovers of a command that killed its parent or every process of its user', async () => {
    const ticker = "nohup setsid bash -c 'while :; do echo t >> /tmp/tick2; sleep 0.01; done' >/dev/null 2>&1 &";
    for (const suicide of ['kill -9 $PPID; kill -9 $$', 'kill -9 -1; ' + ticker + ' sleep 0.1; kill -9 $$']) {
      const r = await sb.exec(`rm -f /tmp/tick2; ${ticker} sleep 0.1; ${suicide}`);
      expect(r.exitCode, suicide).toBe(137);
      const next = await sb.exec('a=$(wc -l < /tmp/tick2); sleep 0.3; b=$(wc -l < /tmp/tick2); echo "$a $b"');
      const [a, b] = next.stdout.text.trim().split(' ').map(Number);
      expect(a, suicide).toBeGreaterThan(0);
      expect(b, suicide).toBe(a);
    }
  }, 60_000);

  it('kills only the processes of its own user: root commands leave the agent, nobody and pid 1 alone', async () => {
    const own = await open(base);
    await own.startService?.(['sleep', '997']);
    await own.exec('nohup sleep 998 >/dev/null 2>&1 &');
    const asRoot = await own.exec('nohup sleep 996 >/dev/null 2>&1 & ps -eo user=,args=', { user: 'root', cwd: '/' });
    expect(asRoot.stdout.text).toMatch(/agent\s+sleep 998/);
    expect(asRoot.stdout.text).toMatch(/nobody\s+sleep 997/);
    const asAgent = await own.exec('ps -eo user=,args=');
    expect(asAgent.stdout.text).not.toMatch(/sleep 998/);
    expect(asAgent.stdout.text).toMatch(/root\s+sleep 996/);
    expect(asAgent.stdout.text).toMatch(/nobody\s+sleep 997/);
    expect(asAgent.stdout.text).toMatch(/nobody\s+\/sbin\/docker-init -- sleep infinity/);
    // killProcesses ends the user's processes at once, from an exec of its own.
    await own.exec('nohup sleep 995 >/dev/null 2>&1 &');
    await own.killProcesses('agent');
    expect((await processes(own)).filter((p) => p.startsWith(`${base.user.uid} `))).toEqual([]);
  }, 60_000);

  it("runs a sandbox's last command without a kill after it, and refuses anything after it", async () => {
    const last = await open(base);
    const r = await last.exec('sleep 1000 & echo ran', { last: true });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.text).toBe('ran\n');
    // No kill ran after it: what it left behind is still there for close() to end with the container.
    expect(await processes(last)).toContainEqual(expect.stringMatching(new RegExp(`^${base.user.uid}\\s+sleep 1000$`)));
    await expect(last.exec('true')).rejects.toThrow(/ran its last command/);
    await expect(last.readFile('/work/x')).rejects.toThrow(/ran its last command/);
    await last.close();
    await expect(docker.getContainer(last.containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);

  it('caps a long output to head and tail and counts what it left out', async () => {
    const r = await sb.exec(`printf 'H%.0s' $(seq 600); head -c 100000 /dev/zero | tr '\\0' m; printf 'T%.0s' $(seq 600)`, {
      keepBytes: 1000,
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.totalBytes).toBe(101_200);
    expect(r.stdout.omittedBytes).toBe(100_200);
    expect(r.stdout.text).toBe(`${'H'.repeat(500)}\n[... 100200 bytes omitted ...]\n${'T'.repeat(500)}`);
  }, 60_000);

  it('kills a command whose output passes killAfterBytes', async () => {
    const started = Date.now();
    const r = await sb.exec('yes | head -c 200000000', { keepBytes: 4096, killAfterBytes: 5_000_000, timeoutMs: 60_000 });
    expect(r.outputLimitHit).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(137);
    expect(r.stdout.totalBytes).toBeGreaterThan(5_000_000);
    expect(r.stdout.totalBytes).toBeLessThan(200_000_000);
    expect(r.stdout.omittedBytes).toBe(r.stdout.totalBytes - 4096);
    expect(r.stdout.text).toContain(`[... ${r.stdout.omittedBytes} bytes omitted ...]`);
    expect(r.stdout.text.length).toBeLessThan(4096 + 100);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await processes(sb)).filter((p) => p.startsWith(`${base.user.uid} `))).toEqual([]);
  }, 60_000);
});

describe('limits', () => {
  it('reports an out-of-memory kill as oomKilled, not timedOut', async () => {
    const small = await open(withLimits({ memory: '256m' }));
    const r = await small.exec('python3 -c "x = bytearray(2 * 1024**3); print(len(x))"', { timeoutMs: 60_000 });
    expect(r.exitCode).toBe(137);
    expect(r.oomKilled).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.stdout.text).toBe('');
    const next = await small.exec('echo fine');
    expect(next.stdout.text).toBe('fine\n');
    expect(next.oomKilled).toBe(false);
    // A later kill that is not the OOM killer's is not reported as one.
    const later = await small.exec('sleep 30', { timeoutMs: 500 });
    expect(later.timedOut).toBe(true);
    expect(later.oomKilled).toBe(false);
  }, 120_000);

  it('ends a fork bomb at its timeout, and the next command works', async () => {
    const bombed = await open(withLimits({ pids: 64 }));
    const r = await bombed.exec(':(){ :|:& };:; sleep 30', { timeoutMs: 3000 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(137);
    expect(r.stderr.text).toMatch(/fork|Resource temporarily unavailable/);
    const next = await bombed.exec('echo alive; ps -e --no-headers | wc -l; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max');
    expect(next.exitCode).toBe(0);
    const [alive, count, max] = next.stdout.text.trim().split('\n');
    expect(alive).toBe('alive');
    expect(Number(count)).toBeLessThan(10);
    expect(max).toBe('64');
  }, 120_000);

  it('runs the next command past a fork bomb a command left at the pids limit', async () => {
    const bombed = await open(withLimits({ pids: 64 }));
    // Every pid held by sleepers and a loop that takes each one freed. The next command's shell kills
    // them with builtins (no pid of their own); when not even that shell can start, the kill with
    // the pids headroom runs first and the command is tried again.
    const r = await bombed.exec("nohup setsid bash -c 'while :; do sleep 1000 & done' >/dev/null 2>&1 & echo left");
    expect(r.stdout.text).toBe('left\n');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await processes(bombed)).filter((p) => p.startsWith(`${base.user.uid} `)).length).toBeGreaterThan(60);
    const next = await bombed.exec('echo alive; ps -e --no-headers | wc -l; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max');
    expect(next.exitCode).toBe(0);
    const [alive, count, max] = next.stdout.text.trim().split('\n');
    expect(alive).toBe('alive');
    expect(Number(count)).toBeLessThan(10);
    expect(max).toBe('64');
  }, 120_000);

  it('copies out past a fork bomb at the pids limit, every process of the agent killed first', async () => {
    const bombed = await open(withLimits({ pids: 64 }));
    await bombed.putTree('/work', new Map([['kept.txt', fileEntry('kept\n')]]));
    // Started beside the sandbox's own execs, as an escaped process would be: the copy-out's scan
    // kills it before it lists anything (or, when not even its shell can start, the kill with the
    // pids headroom does).
    const exec = await docker.getContainer(bombed.containerId).exec({ Cmd: ['bash', '-c', 'cd /work && :(){ :|:& };:'], User: `${base.user.uid}:${base.user.gid}` });
    await exec.start({ Detach: true });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const copy = await bombed.copyOut('/work');
    expect(copy.problems).toEqual([]);
    expect(copy.complete).toBe(true);
    expect(copy.tree.get('kept.txt')).toEqual(fileEntry('kept\n'));
    expect((await processes(bombed)).filter((p) => p.startsWith(`${base.user.uid} `))).toEqual([]);
  }, 120_000);

  it("kills what the agent's last command left running before the copy-out lists anything", async () => {
    const left = await open(base);
    await left.exec("nohup setsid bash -c 'while :; do echo t >> /work/tick; sleep 0.01; done' >/dev/null 2>&1 & sleep 0.2");
    const copy = await left.copyOut('/work');
    expect(copy.problems).toEqual([]);
    expect((await processes(left)).filter((p) => p.startsWith(`${base.user.uid} `))).toEqual([]);
    const copied = copy.tree.get('tick');
    expect(copied?.kind).toBe('file');
    // Nothing wrote to it after the copy: the copy is the file as it stays.
    const now = await left.getTree('/work');
    expect(now.get('tick')).toEqual(copied);
  }, 60_000);

  it('copies out past a kill loop a command left behind only as sabotage: it could not be stopped first', async () => {
    const looped = await open(base);
    const r = await looped.exec("nohup setsid bash -c 'while :; do kill -9 -1; echo x >> /work/f; done' >/dev/null 2>&1 & echo left");
    expect(r.stdout.text).toBe('left\n');
    // The loop kills the next command's shell before that shell kills the loop (most times): only
    // the agent's own commands suffer.
    await looped.exec('echo ran');
    const copy = await looped.copyOut('/work');
    // Never a copy taken beside a live agent process without the sabotage recorded.
    const agentLeft = (await processes(looped)).filter((p) => p.startsWith(`${base.user.uid} `));
    const unstoppable = { path: '.', reason: expect.stringMatching(/could not be stopped before the copy-out/) as unknown, sabotage: true };
    if (agentLeft.length > 0) expect(copy.problems).toContainEqual(unstoppable);
    else expect(copy.problems).toEqual([]);
  }, 120_000);

  it('stops a disk fill of /work at ENOSPC without touching the host disk', async () => {
    const filler = await open(withLimits({ work: '32m' }));
    const r = await filler.exec('dd if=/dev/zero of=/work/big bs=1M count=200; stat -c %s /work/big', { timeoutMs: 60_000 });
    expect(r.stderr.text).toContain('No space left on device');
    expect(Number(r.stdout.text.trim())).toBeLessThanOrEqual(32 * 1024 * 1024);
    // The container's writable layer on the host stays empty: /work is a tmpfs.
    const [info] = await docker.listContainers({ all: true, size: true, filters: JSON.stringify({ id: [filler.containerId] }) });
    expect(info).toBeDefined();
    expect((info as { SizeRw?: number } | undefined)?.SizeRw ?? 0).toBeLessThan(1024 * 1024);
    const next = await filler.exec('rm /work/big && echo freed');
    expect(next.stdout.text).toBe('freed\n');
  }, 120_000);
});

describe('isolation', () => {
  it('has no network but loopback', async () => {
    const ifaces = await sb.exec("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    expect(ifaces.stdout.text.trim().split('\n')).toEqual(['lo']);
    const connect = await sb.exec(
      'python3 -c "import socket; socket.create_connection((\'1.1.1.1\', 80), timeout=3)"',
      { timeoutMs: 30_000 },
    );
    expect(connect.exitCode).not.toBe(0);
    expect(connect.stderr.text).toMatch(/Network is unreachable|No route to host/);
  }, 60_000);

  it('has no docker socket, a read-only root, no capabilities and no new privileges', async () => {
    const r = await sb.exec(
      'test -e /var/run/docker.sock && echo sock; touch /usr/x 2>&1; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status',
      { user: 'root' },
    );
    expect(r.stdout.text).not.toContain('sock');
    expect(r.stdout.text).toContain('Read-only file system');
    expect(r.stdout.text).toMatch(/CapEff:\s+0000000000000000/);
    expect(r.stdout.text).toMatch(/NoNewPrivs:\s+1/);
  }, 60_000);

  it('lets the agent write only to /work, /tmp and /home/agent', async () => {
    const r = await sb.exec(
      'for d in / /etc /usr /usr/local /var /var/tmp /opt /root /srv /home /work /tmp /home/agent; do ' +
        'if touch "$d/probe-$$" 2>/dev/null; then echo "$d ok"; rm -f "$d/probe-$$"; else echo "$d no"; fi; done',
    );
    const writable = r.stdout.text
      .trim()
      .split('\n')
      .filter((l) => l.endsWith(' ok'))
      .map((l) => l.slice(0, -3));
    expect(writable).toEqual(['/work', '/tmp', '/home/agent']);
  }, 60_000);
});

describe('files', () => {
  it('round-trips a tree with contents, modes, symlinks and directories', async () => {
    const tree: FileTree = new Map();
    tree.set('README.md', fileEntry('# hi\n'));
    tree.set('bin/run.sh', fileEntry('#!/bin/sh\necho run\n', 0o755));
    tree.set('secret.txt', fileEntry('s3cret', 0o600));
    tree.set('data.bin', fileEntry(Buffer.from(Array.from({ length: 256 }, (_, i) => i))));
    tree.set('empty', { kind: 'dir', mode: 0o700 });
    tree.set('pkg/deep/mod.py', fileEntry('X = 1\n'));
    tree.set('link', { kind: 'symlink', target: 'pkg/deep/mod.py' });
    await sb.putTree('/work/rt/inner', tree);

    const owners = await sb.exec('stat -c "%U %a %n" /work/rt /work/rt/inner /work/rt/inner/pkg/deep /work/rt/inner/bin/run.sh && ./bin/run.sh', {
      cwd: '/work/rt/inner',
    });
    expect(owners.exitCode).toBe(0);
    expect(owners.stdout.text).toBe(
      'agent 755 /work/rt\nagent 755 /work/rt/inner\nagent 755 /work/rt/inner/pkg/deep\nagent 755 /work/rt/inner/bin/run.sh\nrun\n',
    );

    const back = await sb.getTree('/work/rt/inner');
    expect([...back.keys()].sort()).toEqual(['README.md', 'bin', 'bin/run.sh', 'data.bin', 'empty', 'link', 'pkg', 'pkg/deep', 'pkg/deep/mod.py', 'secret.txt']);
    for (const [path, entry] of tree) expect(back.get(path)).toEqual(entry);
    expect(back.get('pkg')).toEqual({ kind: 'dir', mode: 0o755 });
  }, 60_000);

  it('copies out files whatever their mode', async () => {
    await sb.exec('mkdir -p /work/locked && echo hidden > /work/locked/f && chmod 000 /work/locked/f');
    const tree = await sb.getTree('/work/locked');
    expect(tree.get('f')).toEqual({ kind: 'file', content: Buffer.from('hidden\n'), mode: 0 });
  }, 60_000);

  it('reads and writes files with the permissions of the user', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    await sb.writeFile('/work/w/sub/dir/file.bin', bytes);
    expect(await sb.readFile('/work/w/sub/dir/file.bin')).toEqual(bytes);
    await sb.writeFile('relative.txt', 'in workdir\n');
    expect((await sb.readFile('/work/relative.txt')).toString()).toBe('in workdir\n');
    const owner = await sb.exec('stat -c %U /work/w/sub/dir/file.bin');
    expect(owner.stdout.text).toBe('agent\n');

    await expect(sb.readFile('/etc/shadow')).rejects.toThrow(/Permission denied/);
    await expect(sb.readFile('/work/nope')).rejects.toBeInstanceOf(SandboxFileError);
    expect((await sb.readFile('/etc/shadow', { user: 'root' })).toString()).toMatch(/^root:/);
    await expect(sb.writeFile('/etc/evil', 'x')).rejects.toThrow(/Permission denied|Read-only/);
    // Root without capabilities cannot write into the agent's /work (0755, agent-owned) either.
    await expect(sb.writeFile('/work/by-root', 'x', { user: 'root' })).rejects.toThrow(/Permission denied/);
    await sb.exec('echo keep > /work/ro.txt && chmod 444 /work/ro.txt');
    await expect(sb.writeFile('/work/ro.txt', 'changed')).rejects.toThrow(/Permission denied/);
    expect((await sb.readFile('/work/ro.txt')).toString()).toBe('keep\n');
  }, 60_000);
});

describe('tar', () => {
  it('writes owned parent directories and a prefix, and reads them back stripped', async () => {
    const tree: FileTree = new Map([['a/b/c.txt', fileEntry('c', 0o640)], ['l', { kind: 'symlink', target: 'a/b/c.txt' }]]);
    const archive = await treeToTar(tree, { uid: 1000, gid: 1001, prefix: 'top' });
    const headers: Array<[string, string, number, number, number]> = [];
    const ex = extract();
    const done = (async () => {
      for await (const entry of ex) {
        headers.push([entry.header.name, entry.header.type, entry.header.mode, entry.header.uid, entry.header.gid]);
        entry.resume();
      }
    })();
    ex.end(archive);
    await done;
    expect(headers).toEqual([
      ['top/', 'directory', 0o755, 1000, 1001],
      ['top/a/', 'directory', 0o755, 1000, 1001],
      ['top/a/b/', 'directory', 0o755, 1000, 1001],
      ['top/a/b/c.txt', 'file', 0o640, 1000, 1001],
      ['top/l', 'symlink', 0o777, 1000, 1001],
    ]);
    const back = await tarToTree(Readable.from([archive]), { stripTop: true });
    expect(back.get('a/b/c.txt')).toEqual(fileEntry('c', 0o640));
    expect(back.get('l')).toEqual({ kind: 'symlink', target: 'a/b/c.txt' });
    expect(back.get('a')).toEqual({ kind: 'dir', mode: 0o755 });
    expect(back.has('')).toBe(false);
  });
});

describe('lifecycle', () => {
  async function labelled(label: string): Promise<{ containers: number; volumes: number }> {
    const filters = JSON.stringify({ label: [label] });
    const containers = await docker.listContainers({ all: true, filters });
    const { Volumes } = await docker.listVolumes({ filters });
    return { containers: containers.length, volumes: (Volumes ?? []).length };
  }

  it('close() removes the container and its volume, and may be called twice', async () => {
    const tag = `close-${Date.now()}`;
    const s = await factory.create(base, { ...runLabel, 'ibench.case': tag });
    expect(await labelled(`ibench.case=${tag}`)).toEqual({ containers: 1, volumes: 1 });
    await s.close();
    await s.close();
    expect(await labelled(`ibench.case=${tag}`)).toEqual({ containers: 0, volumes: 0 });
    await expect(s.exec('true')).rejects.toThrow(/closed/);
  }, 60_000);

  it('sweep removes what a dead process left and keeps what a live one owns', async () => {
    const child = spawnSync('true');
    const deadPid = child.pid ?? 999_999;
    const tag = `sweep-${Date.now()}`;
    const deadLabels = { ibench: '1', 'ibench.pid': String(deadPid), 'ibench.host': hostname(), 'ibench.created': String(Date.now()), 'ibench.case': tag };
    const volume = `ibench-test-dead-${process.pid}-${Date.now()}`;
    await docker.createVolume({ Name: volume, Labels: deadLabels });
    const dead = await docker.createContainer({
      Image: base.image,
      Cmd: ['sleep', 'infinity'],
      Labels: deadLabels,
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: '/work' }] },
    });
    await dead.start();
    const live = await open(base, { 'ibench.case': tag });

    // Another test file's process may sweep the same leftovers first (its own `ibench run`):
    // what counts is that they are gone and the live sandbox is not.
    await sweepLeftovers(docker);
    expect(await labelled(`ibench.case=${tag}`)).toEqual({ containers: 1, volumes: 1 });
    const alive = await live.exec('echo still here');
    expect(alive.stdout.text).toBe('still here\n');
    await expect(docker.getContainer(dead.id).inspect()).rejects.toThrow();
  }, 60_000);
});
