/**
 * What killing a command's leftovers costs per tool call, in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/exec-cleanup.js [--reps N]
 * Floor: one exec round trip of `bash -lc true` through dockerode, no kill at all. Kill after (how
 * it was done before): that exec, then a kill exec of its own (killProcesses). Kill first (how it
 * is done now): a sandbox exec of `true`, whose own shell kills the user's leftovers before it
 * becomes `bash -lc true`. Per call (medians over interleaved blocks): wall time; the CPU of the
 * container's shim tree (the shim, runc, runc init and the command: every exec's own processes end
 * as children of the shim, so its own and its reaped children's times in /proc/<pid>/stat hold them,
 * and nothing of another container's); and the CPU of dockerd and containerd (shared with whatever
 * else runs on the machine's daemon, so an upper bound while other work runs).
 */
import { readFileSync } from 'node:fs';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import type { Sandbox } from '../src/sandbox/types.js';
import { logger } from '../src/util/log.js';
import { median, pidsNamed, rawExec, timed } from './measure.js';

/** USER_HZ: the unit of /proc/stat on Linux. */
const TICKS_PER_SECOND = 100;


/** The fields of /proc/<pid>/stat after the command name. */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds of a process and of its reaped children (utime, stime, cutime, cstime). */
function treeSeconds(pid: number): number {
  const f = statFields(pid);
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i] ?? 0), 0) / TICKS_PER_SECOND;
}


interface Kind {
  name: string;
  call: () => Promise<unknown>;
  wall: number[];
  shimCpu: number[];
  daemonCpu: number[];
}

async function main(): Promise<void> {
  const repsAt = process.argv.indexOf('--reps');
  const reps = repsAt > 0 ? Number(process.argv[repsAt + 1]) : 30;
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps expects an integer >= 1');
  logger.level = 'warn';
  const docker = dockerClient();
  await assertDockerReachable(docker);
  const profile = await loadSandboxProfile('python');
  await ensureImage(profile, { docker });
  const sandbox: Sandbox = await new DockerSandboxFactory(docker).create(profile, { 'ibench.bench': 'exec-cleanup' });
  try {
    const container = docker.getContainer(sandbox.containerId);
    const user = `${profile.user.uid}:${profile.user.gid}`;
    const kinds: Kind[] = [
      { name: 'raw exec of bash -lc true (floor)', call: () => rawExec(container, ['bash', '-lc', 'true'], user), wall: [], shimCpu: [], daemonCpu: [] },
      {
        name: 'kill after: raw exec, then a kill exec',
        call: async () => {
          await rawExec(container, ['bash', '-lc', 'true'], user);
          await sandbox.killProcesses('agent');
        },
        wall: [],
        shimCpu: [],
        daemonCpu: [],
      },
      { name: 'kill first: sandbox exec of true', call: () => sandbox.exec('true'), wall: [], shimCpu: [], daemonCpu: [] },
    ];
    const initPid = (await container.inspect()).State.Pid;
    const shim = Number(statFields(initPid)[1]);
    const daemons = [...pidsNamed('dockerd'), ...pidsNamed('containerd')];
    const daemonSeconds = (): number => daemons.reduce((sum, pid) => sum + treeSeconds(pid), 0);
    const blocks = 5;
    const perBlock = Math.max(1, Math.ceil(reps / blocks));
    for (let b = 0; b < blocks; b++) {
      for (const kind of kinds) {
        const shimBefore = treeSeconds(shim);
        const daemonBefore = daemonSeconds();
        for (let i = 0; i < perBlock; i++) kind.wall.push(await timed(kind.call));
        kind.shimCpu.push(((treeSeconds(shim) - shimBefore) / perBlock) * 1000);
        kind.daemonCpu.push(((daemonSeconds() - daemonBefore) / perBlock) * 1000);
      }
    }
    const floor = median(kinds[0]?.wall ?? []);
    const lines = [`${blocks} blocks of ${perBlock} calls per kind, medians per call:`];
    for (const kind of kinds) {
      const wall = median(kind.wall);
      const cpu = median(kind.shimCpu);
      const daemon = median(kind.daemonCpu);
      lines.push(
        `  ${kind.name.padEnd(40)} ${wall.toFixed(1).padStart(6)} ms wall (${(wall / floor).toFixed(2)}x floor)  CPU: shim tree ${cpu.toFixed(1).padStart(5)} ms, dockerd+containerd <= ${daemon.toFixed(1).padStart(5)} ms`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sandbox.close();
  }
}

await main();
