/**
 * What killing a command's leftovers costs per tool call, in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/exec-cleanup.js [--reps N]
 * Floor: one exec round trip of `bash -lc true` through dockerode, no kill at all. Kill after (how
 * it was done before): that exec, then a kill exec of its own (killProcesses). Kill first (how it
 * is done now): a sandbox exec of `true`, whose own shell kills the user's leftovers before it
 * becomes `bash -lc true`. Wall time per call (medians), and machine-wide busy CPU per call over
 * each kind's blocks (/proc/stat: other work on the machine adds to it alike; blocks interleave).
 */
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import type { Sandbox } from '../src/sandbox/types.js';
import { logger } from '../src/util/log.js';
import { median, timed } from './measure.js';

/** USER_HZ: the unit of /proc/stat on Linux. */
const TICKS_PER_SECOND = 100;

async function rawExec(container: Docker.Container, cmd: string[], user: string): Promise<void> {
  const exec = await container.exec({ Cmd: cmd, User: user, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.resume();
  });
  await exec.inspect();
}

/** Busy CPU seconds of the whole machine so far (user, nice, system, irq, softirq, steal). */
function busySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) / TICKS_PER_SECOND;
}

interface Kind {
  name: string;
  call: () => Promise<unknown>;
  wall: number[];
  cpuPerCall: number[];
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
      { name: 'raw exec of bash -lc true (floor)', call: () => rawExec(container, ['bash', '-lc', 'true'], user), wall: [], cpuPerCall: [] },
      {
        name: 'kill after: raw exec, then a kill exec',
        call: async () => {
          await rawExec(container, ['bash', '-lc', 'true'], user);
          await sandbox.killProcesses('agent');
        },
        wall: [],
        cpuPerCall: [],
      },
      { name: 'kill first: sandbox exec of true', call: () => sandbox.exec('true'), wall: [], cpuPerCall: [] },
    ];
    const blocks = 3;
    const perBlock = Math.max(1, Math.ceil(reps / blocks));
    for (let b = 0; b < blocks; b++) {
      for (const kind of kinds) {
        const before = busySeconds();
        for (let i = 0; i < perBlock; i++) kind.wall.push(await timed(kind.call));
        kind.cpuPerCall.push(((busySeconds() - before) / perBlock) * 1000);
      }
    }
    const floor = median(kinds[0]?.wall ?? []);
    const lines = [`${blocks} blocks of ${perBlock} calls per kind, medians:`];
    for (const kind of kinds) {
      const wall = median(kind.wall);
      lines.push(`  ${kind.name.padEnd(42)} ${wall.toFixed(1).padStart(6)} ms wall (${(wall / floor).toFixed(2)}x floor)   ${median(kind.cpuPerCall).toFixed(1).padStart(6)} ms busy CPU`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sandbox.close();
  }
}

await main();
