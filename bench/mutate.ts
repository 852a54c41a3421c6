/**
 * What `ibench tasks mutate` costs per variant, against one plain test run of the source task
 * (its reference solution in a fresh sandbox), all measured in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/mutate.js [--task ID] [--tasks-dir DIR] [--max N] [--reps N]
 * Floor: the median of --reps plain test runs. Measured: the scan of the tests (Python's ast in the
 * sandbox), making the candidates (splices), the validation of each candidate tried (the variant's
 * repo as given and with the reference, as `ibench tasks validate` runs them) and the whole command
 * per variant written.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTestsInFreshSandbox } from '../src/inspect/run-tests.js';
import { mutateTask } from '../src/runs/mutate-task.js';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { overlayTree } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { loadTask, taskRoots } from '../src/tasks/load.js';
import { mutationKinds } from '../src/tasks/mutate/variants.js';
import { logger } from '../src/util/log.js';
import { median, timed } from './measure.js';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

function positive(name: string, fallback: number): number {
  const n = Number(flag(name, String(fallback)));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} expects an integer >= 1`);
  return n;
}

async function main(): Promise<void> {
  const taskId = flag('--task', 'consistent-asserts');
  const tasksDir = flag('--tasks-dir', '');
  const max = positive('--max', 3);
  const reps = positive('--reps', 5);
  logger.level = 'warn';
  const docker = dockerClient();
  await assertDockerReachable(docker);
  const roots = taskRoots(tasksDir === '' ? [] : [tasksDir]);
  const task = await loadTask(taskId, roots);
  const profile = await loadSandboxProfile(task.spec.image);
  await ensureImage(profile, { docker });
  const factory = new DockerSandboxFactory(docker);

  const reference = overlayTree(task.repo, task.solution);
  const plain: number[] = [];
  for (let i = 0; i < reps; i++) {
    plain.push(await timed(() => runTestsInFreshSandbox(factory, profile, reference, task.spec.test_command, task.spec.test_timeout, { 'ibench.bench': 'mutate' }, undefined, task.spec.junit)));
  }
  const floor = median(plain);

  const out = await mkdtemp(join(tmpdir(), 'ibench-bench-mutate-'));
  try {
    let report: Awaited<ReturnType<typeof mutateTask>> | undefined;
    const whole = await timed(async () => {
      report = await mutateTask({ taskId, roots, outDir: out, kinds: mutationKinds, max, seed: 1, factory });
    });
    if (report === undefined) throw new Error('mutateTask gave no report');
    const { timings, written, dropped } = report;
    const tried = timings.validations.length;
    const perValidation = median(timings.validations);
    const ratio = (ms: number): string => `${(ms / floor).toFixed(2)}x`;
    const row = (label: string, ms: number): string => `  ${label.padEnd(48)} ${ms.toFixed(0).padStart(7)} ms   ${ratio(ms).padStart(7)}`;
    process.stdout.write(
      [
        `task ${taskId}: ${written.length} variants written, ${dropped.length} dropped, ${tried} validated (--max ${max} per kind); times against one plain test run`,
        row(`plain test run of the source (median of ${reps}) = floor`, floor),
        row('validation of the source (as given + reference)', timings.sourceValidation),
        row('scan of the tests (ast in the sandbox)', timings.scan),
        row('making every candidate (splices), in all', timings.candidates),
        row('validation per candidate tried (median)', perValidation),
        row('whole command per variant written', written.length > 0 ? whole / written.length : Number.NaN),
        '',
      ].join('\n'),
    );
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

await main();
