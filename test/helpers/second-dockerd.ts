/**
 * A second Docker daemon on this machine, for tests of several Docker hosts: its own socket,
 * data root, exec root and containerd (dockerd starts one of its own under the exec root), no
 * bridge and no iptables rules (sandboxes run without a network). Needs root.
 *
 *   const d2 = await startSecondDockerd();   // d2.host = unix:///tmp/ibench-dockerd2/docker.sock
 *   ...
 *   await d2.stop();      // SIGTERM, then SIGKILL; its containerd, shims and mounts go too
 *   await d2.cleanup();   // stop + remove the whole folder
 *
 * A daemon left by a crashed earlier test on the same folder is stopped first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';

export interface SecondDockerd {
  /** unix://<root>/docker.sock, for --docker-host. */
  host: string;
  socket: string;
  root: string;
  docker: Docker;
  /** The dockerd process id (null once stopped). */
  pid: number | null;
  /** Stops the daemon: SIGTERM, then SIGKILL after `graceMs`; leaves no process or mount behind. */
  stop(graceMs?: number): Promise<void>;
  /** stop(), then removes the folder. */
  cleanup(): Promise<void>;
  /** The end of the daemon's log, for failure messages. */
  logTail(lines?: number): Promise<string>;
}

export const DEFAULT_ROOT = '/tmp/ibench-dockerd2';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
}

/**
 * Its dockerd, containerd and shims: processes of those programs whose command line names the
 * folder (only those: an ibench given --docker-host unix://<root>/docker.sock names it too).
 */
async function processesOf(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const line = await cmdline(pid);
    const program = basename(line.split(' ')[0] ?? '');
    if (/^(dockerd|containerd|containerd-shim.*)$/.test(program) && line.includes(`${root}/`)) pids.push(pid);
  }
  return pids;
}

/** The processes of the containers the daemon left running (their cgroups, v1 or v2). */
async function containerProcesses(root: string): Promise<number[]> {
  const ids = await readdir(join(root, 'data', 'containers')).catch(() => [] as string[]);
  const pids: number[] = [];
  for (const id of ids) {
    for (const file of [`/sys/fs/cgroup/pids/docker/${id}/cgroup.procs`, `/sys/fs/cgroup/docker/${id}/cgroup.procs`]) {
      const text = await readFile(file, 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line.trim() !== '') pids.push(Number(line));
    }
  }
  return pids;
}

async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some(alive)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Unmounts whatever is still mounted under the folder, deepest first. */
async function unmountUnder(root: string): Promise<void> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((p) => p === root || p.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await execa('umount', ['-l', point], { reject: false });
}

/** Kills every process of a daemon on this folder, gracefully first; unmounts what it left. */
async function stopAll(root: string, child: ChildProcess | null, graceMs: number): Promise<void> {
  const pidfile = join(root, 'docker.pid');
  const daemonPid = child?.pid ?? Number((await readFile(pidfile, 'utf8').catch(() => '')).trim());
  const isOurs = async (pid: number): Promise<boolean> => {
    const line = await cmdline(pid);
    return basename(line.split(' ')[0] ?? '') === 'dockerd' && line.includes(root);
  };
  if (Number.isInteger(daemonPid) && daemonPid > 0 && alive(daemonPid) && (child !== null || (await isOurs(daemonPid)))) {
    process.kill(daemonPid, 'SIGTERM');
    if (!(await waitGone([daemonPid], graceMs))) {
      process.kill(daemonPid, 'SIGKILL');
      await waitGone([daemonPid], 10_000);
    }
  }
  // After a SIGKILL (or a crash) its containerd, the shims and the containers may still run.
  const left = [...(await processesOf(root)), ...(await containerProcesses(root))];
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await waitGone(left, 10_000);
  await unmountUnder(root);
}

async function ping(docker: Docker): Promise<boolean> {
  try {
    await Promise.race([docker.ping(), sleep(2000).then(() => Promise.reject(new Error('timeout')))]);
    return true;
  } catch {
    return false;
  }
}

export async function startSecondDockerd(options: { root?: string; startTimeoutMs?: number } = {}): Promise<SecondDockerd> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new Error('a second dockerd needs root');
  const root = options.root ?? DEFAULT_ROOT;
  await stopAll(root, null, 20_000);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const socket = join(root, 'docker.sock');
  const config = join(root, 'daemon.json');
  // Its own (empty) config: /etc/docker/daemon.json is the first daemon's.
  await writeFile(config, '{}\n');
  const logFile = join(root, 'dockerd.log');
  const log = openSync(logFile, 'a');
  const args = [
    '--host',
    `unix://${socket}`,
    '--data-root',
    join(root, 'data'),
    '--exec-root',
    join(root, 'exec'),
    '--pidfile',
    join(root, 'docker.pid'),
    '--config-file',
    config,
    '--bridge',
    'none',
    '--iptables=false',
    '--ip-masq=false',
    '--ip-forward=false',
    '--shutdown-timeout',
    '5',
  ];
  const child = spawn('dockerd', args, { stdio: ['ignore', log, log], env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
  closeSync(log);
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = `dockerd exited (${signal ?? `code ${String(code)}`})`;
  });
  child.on('error', (err) => {
    exited = `dockerd could not start: ${err.message}`;
  });

  const docker = new Docker({ socketPath: socket });
  const logTail = async (lines = 20): Promise<string> =>
    (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-lines - 1).join('\n');

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== null) throw new Error(`${String(exited)}:\n${await logTail()}`);
    if (existsSync(socket) && (await ping(docker))) break;
    if (Date.now() > deadline) {
      await stopAll(root, child, 5000);
      throw new Error(`the second dockerd did not answer within ${options.startTimeoutMs ?? 60_000} ms:\n${await logTail()}`);
    }
    await sleep(200);
  }

  let stopped: Promise<void> | undefined;
  const handle: SecondDockerd = {
    host: `unix://${socket}`,
    socket,
    root,
    docker,
    pid: child.pid ?? null,
    stop(graceMs = 20_000) {
      stopped ??= stopAll(root, child, graceMs).then(() => {
        handle.pid = null;
      });
      return stopped;
    },
    async cleanup() {
      await handle.stop();
      await rm(root, { recursive: true, force: true });
    },
    logTail,
  };
  return handle;
}
