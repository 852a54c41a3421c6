/**
 * The CPU one copy-out costs, in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/copy-out-cpu.js [--reps N] [--batch B] [--make SCRIPT]
 * A sandbox holds the repository of exit-both-codes as an episode leaves it (after a test run);
 * --make runs a bash script as the agent in /work first (e.g. a larger tree:
 * --make 'head -c 50000000 /dev/urandom > blob; mkdir many; for i in $(seq 5000); do echo $i > many/$i; done').
 * Measured around a batch of B calls, per call, median over N batches: the CPU of the processes a
 * copy-out makes work, read from /proc and the cgroup, so that other load on a shared machine
 * counts as little as it can: this node process, dockerd and containerd with the children they
 * reaped (docker-tar is dockerd re-executed), the container's shim with its children (runc), and
 * the container's own processes (its cpuacct cgroup). dockerd and containerd also serve others'
 * containers: repeat and compare medians. Two things are measured, interleaved:
 *   - copyOut: the sandbox's copy-out as it is;
 *   - reference: what the copy-out did before its fast path, rebuilt from the same parts (the exec
 *     of the kill-then-scan shell, then the archive read through getArchive).
 */
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { SCAN_FORMAT } from '../src/sandbox/copy-out.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { loadTask } from '../src/tasks/load.js';
import { logger } from '../src/util/log.js';
import { median, pidsNamed, rawExec } from './measure.js';

const TASK = 'exit-both-codes';

const TICK_MS = 10;

/** utime + stime + cutime + cstime of a process, in ms. */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // Fields 14-17 of stat(5), counted here from field 3 (state).
  return ((fields[11] ?? 0) + (fields[12] ?? 0) + (fields[13] ?? 0) + (fields[14] ?? 0)) * TICK_MS;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}


/** The CPU, in ms, of what a copy-out of this container makes work (see the head of this file). */
async function cpuMeter(docker: Docker, containerId: string): Promise<() => number> {
  const daemons = [...pidsNamed('dockerd'), ...pidsNamed('containerd')];
  if (daemons.length < 2) throw new Error('dockerd and containerd are not visible in /proc: run this on the Docker host');
  const init = (await docker.getContainer(containerId).inspect()).State.Pid;
  const shim = parentOf(init);
  const cgroups = ['/sys/fs/cgroup/cpuacct/docker', '/sys/fs/cgroup/system.slice'].map((root) => `${root}/${root.endsWith('docker') ? containerId : `docker-${containerId}.scope`}`);
  const container = (): number => {
    for (const dir of cgroups) {
      try {
        return Number(readFileSync(`${dir}/cpuacct.usage`, 'utf8')) / 1e6;
      } catch {
        try {
          const usec = /usage_usec (\d+)/.exec(readFileSync(`${dir}/cpu.stat`, 'utf8'));
          if (usec !== null) return Number(usec[1]) / 1000;
        } catch {
          // the other cgroup layout
        }
      }
    }
    throw new Error(`no cpu accounting found for container ${containerId.slice(0, 12)}`);
  };
  return () => {
    const own = process.cpuUsage();
    return (own.user + own.system) / 1000 + [...daemons, shim].reduce((sum, pid) => sum + processCpuMs(pid), 0) + container();
  };
}

/** What one batch of calls cost, in milliseconds of CPU per call. */
async function cpuPerCall(meter: () => number, batch: number, fn: () => Promise<unknown>): Promise<number> {
  const before = meter();
  for (let i = 0; i < batch; i++) await fn();
  return (meter() - before) / batch;
}


function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} expects an integer >= 1`);
  return value;
}

async function main(): Promise<void> {
  const reps = flag('--reps', 15);
  const batch = flag('--batch', 10);
  logger.level = 'warn';
  const docker = dockerClient();
  await assertDockerReachable(docker);
  const profile = await loadSandboxProfile('python');
  await ensureImage(profile, { docker });
  const task = await loadTask(TASK);
  const sandbox = await new DockerSandboxFactory(docker).create(profile, { 'ibench.bench': 'copy-out-cpu' });
  try {
    await sandbox.putTree(profile.workdir, task.repo);
    const makeAt = process.argv.indexOf('--make');
    const extra = makeAt > 0 ? `; ${process.argv[makeAt + 1] ?? 'true'}` : '';
    const made = await sandbox.exec(`python3 -m pytest -q >/dev/null 2>&1; true${extra}`, { timeoutMs: 300_000 });
    if (made.exitCode !== 0) throw new Error(`the test run before the copy-outs failed: ${made.stderr.text}`);
    const container = docker.getContainer(sandbox.containerId);
    const user = `${profile.user.uid}:${profile.user.gid}`;
    const scan = ['bash', '-c', 'for i in 1 2 3 4 5 6 7 8; do kill -KILL -1 2>/dev/null || break; done; exec "$@"', 'bash', 'find', '.', '-mindepth', '1', '-maxdepth', '65', '-printf', SCAN_FORMAT];
    const meter = await cpuMeter(docker, sandbox.containerId);
    const first = await sandbox.copyOut(profile.workdir);
    const entries = first.tree.size;
    let bytes = 0;
    for (const entry of first.tree.values()) if (entry.kind === 'file' && entry.linkTo === undefined) bytes += entry.content.length;
    const fast: number[] = [];
    const reference: number[] = [];
    for (let i = 0; i < reps; i++) {
      fast.push(await cpuPerCall(meter, batch, () => sandbox.copyOut(profile.workdir)));
      reference.push(
        await cpuPerCall(meter, batch, async () => {
          await rawExec(container, scan, user, profile.workdir);
          await sandbox.getTree(profile.workdir);
        }),
      );
    }
    const f = median(fast);
    const r = median(reference);
    process.stdout.write(
      [
        `${TASK} after a test run${extra === '' ? '' : ' and --make'}: ${entries} entries, ${(bytes / 1e6).toFixed(1)} MB; ${reps} batches of ${batch}; CPU per call (harness, daemons, shim, container), median:`,
        `  copyOut                                   ${f.toFixed(1)} ms`,
        `  reference (scan exec, then getArchive)    ${r.toFixed(1)} ms`,
        `  ratio copyOut / reference                 ${(f / r).toFixed(2)}x`,
        '',
      ].join('\n'),
    );
  } finally {
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
