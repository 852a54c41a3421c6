/**
 * The sandbox's overhead against the raw Docker floor, in one run (under a minute):
 *   npx tsc -p tsconfig.json && node dist/bench/overhead.js [--reps N]
 * Floor: a plain container create+start+remove, and one exec round trip of `true`, through dockerode.
 * Harness: sandbox create (volume included), putTree of a 30-file repo, the baseline git commit,
 * getTree, close, and a sandbox exec of `true` (the tool-call path).
 * Grade: inspectEpisode on the task exit-both-codes (diff, rules, the pristine and the as-left test
 * runs, each in a fresh sandbox) against the floor of two bare containers that run the same tests.
 */
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { fileEntry, type FileTree } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { logger } from '../src/util/log.js';
import { inspectEpisode } from '../src/inspect/index.js';
import { loadTask } from '../src/tasks/load.js';
import { treeToTar } from '../src/sandbox/tar.js';
import { median, rawExec, timed } from './measure.js';

function repoTree(): FileTree {
  const tree: FileTree = new Map();
  tree.set('README.md', fileEntry('# Sample\n\nA small repository for the overhead bench.\n'));
  tree.set('pytest.ini', fileEntry('[pytest]\ntestpaths = tests\n'));
  for (let i = 0; i < 14; i++) {
    tree.set(`src/pkg/mod${i}.py`, fileEntry(`def f${i}(x):\n    return x + ${i}\n`.repeat(20)));
    tree.set(`tests/test_mod${i}.py`, fileEntry(`from pkg.mod${i} import f${i}\n\ndef test_f${i}():\n    assert f${i}(1) == ${i + 1}\n`));
  }
  return tree; // 30 files
}


/** The floor of one test run: a bare container with the repo, running the tests, then removed. */
async function rawTestRun(docker: Docker, image: string, command: string, tar: Buffer, labels: Record<string, string>): Promise<void> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['bash', '-lc', command],
    WorkingDir: '/work',
    User: '1000:1000',
    Labels: { ibench: '1', 'ibench.pid': String(process.pid), 'ibench.host': hostname(), ...labels },
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.putArchive(tar, { path: '/' });
    await container.start();
    await container.wait();
  } finally {
    await container.remove({ force: true });
  }
}

async function main(): Promise<void> {
  const repsArg = process.argv.indexOf('--reps');
  const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 10;
  const docker = dockerClient();
  await assertDockerReachable(docker);
  const profile = await loadSandboxProfile('python');
  await ensureImage(profile);
  const factory = new DockerSandboxFactory(docker);
  const labels = { 'ibench.bench': 'overhead' };
  const tree = repoTree();

  const raw = { create: [] as number[], remove: [] as number[], exec: [] as number[] };
  const harness = {
    create: [] as number[],
    putTree: [] as number[],
    baseline: [] as number[],
    exec: [] as number[],
    getTree: [] as number[],
    close: [] as number[],
  };

  const task = await loadTask('exit-both-codes');
  const taskTar = await treeToTar(task.repo, { uid: profile.user.uid, gid: profile.user.gid, prefix: 'work' });
  const rawTests: number[] = [];
  const grade: number[] = [];

  // Warm-up: the first container of an image pays for its layers.
  await factory.create(profile, labels).then((s) => s.close());

  for (let rep = 0; rep < reps; rep++) {
    let container: Docker.Container | undefined;
    raw.create.push(
      await timed(async () => {
        container = await docker.createContainer({
          Image: profile.image,
          Cmd: ['sleep', 'infinity'],
          Labels: { ibench: '1', 'ibench.pid': String(process.pid), 'ibench.host': hostname(), ...labels },
          // Plain, but without a network like the sandbox: NetworkDisabled alone saves ~50 ms a start.
          NetworkDisabled: true,
          HostConfig: { NetworkMode: 'none' },
        });
        await container.start();
      }),
    );
    const keep = container;
    if (keep === undefined) throw new Error('no container');
    await rawExec(keep); // warm
    for (let i = 0; i < 3; i++) raw.exec.push(await timed(() => rawExec(keep)));
    raw.remove.push(await timed(() => keep.remove({ force: true })));

    let sandbox: Awaited<ReturnType<DockerSandboxFactory['create']>> | undefined;
    harness.create.push(
      await timed(async () => {
        sandbox = await factory.create(profile, labels);
      }),
    );
    if (sandbox === undefined) throw new Error('no sandbox');
    const s = sandbox;
    harness.putTree.push(await timed(() => s.putTree(profile.workdir, tree)));
    harness.baseline.push(
      await timed(async () => {
        const r = await s.exec(
          'git init -q && git add -A && git -c user.name=ibench -c user.email=ibench@localhost commit -q -m baseline',
        );
        if (r.exitCode !== 0) throw new Error(`baseline commit failed: ${r.stderr.text}`);
      }),
    );
    for (let i = 0; i < 3; i++) harness.exec.push(await timed(() => s.exec('true')));
    harness.getTree.push(
      await timed(async () => {
        const back = await s.getTree(profile.workdir);
        if (back.size < 30) throw new Error(`getTree returned ${back.size} entries`);
      }),
    );
    harness.close.push(await timed(() => s.close()));

    rawTests.push(await timed(() => rawTestRun(docker, profile.image, task.spec.test_command, taskTar, labels)));
    grade.push(
      await timed(() =>
        inspectEpisode({
          task: { impossible: true, testCommand: task.spec.test_command, protectedGlobs: task.spec.protected, testTimeoutSec: 120 },
          profile,
          factory,
          baseline: task.repo,
          final: task.repo,
          submit: { outcome: 'impossible', message: 'The tests contradict each other.' },
          lastAssistantText: '',
          endReason: 'submit',
          labels,
        }),
      ),
    );
  }

  const floorCreate = median(raw.create);
  const floorRemove = median(raw.remove);
  const floorExec = median(raw.exec);
  const floorLife = floorCreate + floorRemove;
  const rows: Array<[string, number, number, string]> = [
    ['raw: create+start', floorCreate, floorCreate, 'raw create+start'],
    ['raw: remove (force)', floorRemove, floorRemove, 'raw remove'],
    ['raw: exec `true`', floorExec, floorExec, 'raw exec'],
    ['sandbox create (+volume)', median(harness.create), floorCreate, 'raw create+start'],
    ['putTree (30 files)', median(harness.putTree), floorExec, 'raw exec'],
    ['baseline git commit', median(harness.baseline), floorExec, 'raw exec'],
    ['sandbox exec `true`', median(harness.exec), floorExec, 'raw exec'],
    ['getTree /work', median(harness.getTree), floorExec, 'raw exec'],
    ['close (container+volume)', median(harness.close), floorRemove, 'raw remove'],
  ];
  const total = median(harness.create) + median(harness.putTree) + median(harness.baseline) + median(harness.getTree) + median(harness.close);
  const lines = [
    `sandbox overhead, median of ${reps} reps (${profile.image})`,
    `${'step'.padEnd(28)} ${'ms'.padStart(8)} ${'ratio'.padStart(7)}  vs`,
    ...rows.map(([name, ms, floor, vs]) => `${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ${(ms / floor).toFixed(2).padStart(7)}  ${vs}`),
    `${'episode setup+teardown'.padEnd(28)} ${total.toFixed(1).padStart(8)} ${(total / floorLife).toFixed(2).padStart(7)}  raw create+start+remove`,
    `${'raw: one test run'.padEnd(28)} ${median(rawTests).toFixed(1).padStart(8)} ${'1.00'.padStart(7)}  bare container running the tests`,
    `${'grade (2 test runs + diff)'.padEnd(28)} ${median(grade).toFixed(1).padStart(8)} ${(median(grade) / (2 * median(rawTests))).toFixed(2).padStart(7)}  two bare test runs`,
    `${'tool call (bash `true`)'.padEnd(28)} ${median(harness.exec).toFixed(1).padStart(8)} ${(median(harness.exec) / floorExec).toFixed(2).padStart(7)}  raw exec`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  logger.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
