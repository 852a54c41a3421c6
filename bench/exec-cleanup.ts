/**
 * The cost of the clean-up exec that kills what a command left running, per tool call, in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/exec-cleanup.js [--reps N]
 * Floor: one exec round trip of `bash -lc true` through dockerode (what a tool call cost before the
 * clean-up became an exec of its own). Harness: a sandbox exec of `true` (the command, then the
 * clean-up exec), and a sandbox exec of a short Python run, to set the cost beside a real tool call.
 */
import type Docker from 'dockerode';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { logger } from '../src/util/log.js';
import { median, timed } from './measure.js';

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

async function main(): Promise<void> {
  const repsAt = process.argv.indexOf('--reps');
  const reps = repsAt > 0 ? Number(process.argv[repsAt + 1]) : 30;
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps expects an integer >= 1');
  logger.level = 'warn';
  const docker = dockerClient();
  await assertDockerReachable(docker);
  const profile = await loadSandboxProfile('python');
  await ensureImage(profile, { docker });
  const sandbox = await new DockerSandboxFactory(docker).create(profile, { 'ibench.bench': 'exec-cleanup' });
  try {
    const container = docker.getContainer(sandbox.containerId);
    const user = `${profile.user.uid}:${profile.user.gid}`;
    const floor: number[] = [];
    const harness: number[] = [];
    const python: number[] = [];
    for (let i = 0; i < reps; i++) {
      // Interleaved, so that drift of the machine touches all three alike.
      floor.push(await timed(() => rawExec(container, ['bash', '-lc', 'true'], user)));
      harness.push(await timed(() => sandbox.exec('true')));
      python.push(await timed(() => sandbox.exec('python3 -c pass')));
    }
    const f = median(floor);
    const h = median(harness);
    const p = median(python);
    const cleanup = Math.max(0, h - f);
    process.stdout.write(
      [
        `reps ${reps}, medians:`,
        `  raw exec of bash -lc true (floor)           ${f.toFixed(1)} ms`,
        `  sandbox exec of true (command + clean-up)   ${h.toFixed(1)} ms   ratio to floor ${(h / f).toFixed(2)}x`,
        `  clean-up exec per tool call                 ${cleanup.toFixed(1)} ms`,
        `  sandbox exec of python3 -c pass             ${p.toFixed(1)} ms   clean-up share ${((cleanup / p) * 100).toFixed(0)}%`,
        '',
      ].join('\n'),
    );
  } finally {
    await sandbox.close();
  }
}

await main();
