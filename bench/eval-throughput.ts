/**
 * Throughput of `ibench eval` against the raw Docker floor, in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/eval-throughput.js [--episodes N] [--concurrency C] [--floor-runs M] [--keep] [--json]
 *
 * Episodes: N scripted episodes (default 1000) of the cheapest script, a submit at once, over every
 * task of the suite, through runEval with C at once (default 8) on the local daemon, into a temp
 * run directory. Measured: episodes per second, the orchestrator's peak memory (rss and heapUsed,
 * sampled every 100 ms), and the mean phase timings of the episodes.
 *
 * Floor: one bare test run through dockerode, what one test run costs at the least: container
 * create, copy of the task's repo in, start, wait for `python3 -m pytest -q`, remove, cycling over
 * the same task repos; M runs (default 48) C at once, once before and once after the episodes, and
 * a few one at a time for the latency of a run on a quiet machine.
 *
 * An episode does two test runs (pristine and as left) plus the agent's sandbox (create, copy the
 * repo in, a baseline git commit, copy it out, remove): three containers, each near one floor.
 * Another process loading Docker at the same time moves the floor: it is measured before and
 * after the episodes, and the ratio uses their mean.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { HostPool } from '../src/runs/docker-hosts.js';
import { runEval, type EvalEvent } from '../src/runs/eval.js';
import { matrixSchema } from '../src/runs/matrix.js';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile, type SandboxProfile } from '../src/sandbox/profile.js';
import { treeToTar } from '../src/sandbox/tar.js';
import { listTaskIds, loadTask } from '../src/tasks/load.js';
import { errorMessage } from '../src/util/errors.js';
import { logger } from '../src/util/log.js';
import { median } from './measure.js';

function intFlag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} takes a positive integer`);
  return v;
}

const episodes = intFlag('--episodes', 1000);
const concurrency = intFlag('--concurrency', 8);
const floorRuns = intFlag('--floor-runs', 48);
const keep = process.argv.includes('--keep');
const asJson = process.argv.includes('--json');

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** One bare test run: create, copy the repo in, start, wait, remove. Returns its milliseconds. */
async function bareTestRun(docker: Docker, profile: SandboxProfile, repoTar: Buffer): Promise<number> {
  const started = performance.now();
  const container = await docker.createContainer({
    Image: profile.image,
    Cmd: ['python3', '-m', 'pytest', '-q'],
    WorkingDir: profile.workdir,
    User: `${profile.user.uid}:${profile.user.gid}`,
    Env: ['LANG=C.UTF-8'],
    Labels: { ibench: '1', 'ibench.pid': String(process.pid), 'ibench.host': hostname(), 'ibench.bench': 'eval-throughput' },
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.putArchive(repoTar, { path: '/' });
    await container.start();
    await container.wait();
  } finally {
    await container.remove({ force: true });
  }
  return performance.now() - started;
}

interface FloorBatch {
  runs: number;
  elapsedMs: number;
  /** Wall time per run at this concurrency: elapsed / runs. */
  effectiveMs: number;
  latencyMs: number;
}

/** `runs` bare test runs, `at` at once, cycling over the repos. */
async function floorBatch(docker: Docker, profile: SandboxProfile, tars: Buffer[], runs: number, at: number): Promise<FloorBatch> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(at, runs) }, async () => {
      for (let i = next++; i < runs; i = next++) {
        const tar = tars[i % tars.length];
        if (tar === undefined) throw new Error('no repo');
        latencies.push(await bareTestRun(docker, profile, tar));
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return { runs, elapsedMs, effectiveMs: elapsedMs / runs, latencyMs: mean(latencies) };
}

async function main(): Promise<void> {
  const docker = dockerClient();
  await assertDockerReachable(docker);
  const profile = await loadSandboxProfile('python');
  await ensureImage(profile, { docker });

  // The same repos the episodes run on: every task of the suite.
  const taskIds = await listTaskIds();
  const tars: Buffer[] = [];
  for (const id of taskIds) {
    const task = await loadTask(id);
    if (task.spec.image !== profile.name) continue;
    tars.push(await treeToTar(task.repo, { uid: profile.user.uid, gid: profile.user.gid, prefix: profile.workdir.replace(/^\/+/, '') }));
  }
  if (tars.length === 0) throw new Error(`no task uses the ${profile.name} sandbox`);

  logger.info(`floor: warm-up and ${tars.length} bare test runs one at a time`);
  await floorBatch(docker, profile, tars, 2, 1);
  const quiet = await floorBatch(docker, profile, tars, tars.length, 1);
  logger.info(`floor: ${floorRuns} bare test runs, ${concurrency} at once`);
  const before = await floorBatch(docker, profile, tars, floorRuns, concurrency);

  const root = await mkdtemp(join(tmpdir(), 'ibench-throughput-'));
  const script = join(root, 'submit.yaml');
  await writeFile(script, 'turns:\n  - tool: submit\n    input: { outcome: completed, message: "Done." }\n');
  const matrix = matrixSchema.parse({
    tasks: ['*'],
    models: [`scripted:${script}`],
    conditions: ['neutral'],
    epochs: Math.ceil(episodes / taskIds.length),
    max_episodes: episodes,
    concurrency: { episodes: concurrency, per_docker_host: concurrency },
  });

  const verdicts = new Map<string, number>();
  const phases = { setupMs: [] as number[], agentMs: [] as number[], inspectMs: [] as number[], totalMs: [] as number[] };
  let retries = 0;
  let done = 0;
  let startedAt = 0;
  let endedAt = 0;
  const onEvent = (event: EvalEvent): void => {
    if (event.type === 'start') startedAt = performance.now();
    if (event.type === 'end') endedAt = performance.now();
    if (event.type === 'retry') retries += 1;
    if (event.type !== 'episode') return;
    done += 1;
    const { verdict, timings } = event.record;
    verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1);
    for (const key of Object.keys(phases) as (keyof typeof phases)[]) {
      const ms = timings[key];
      if (ms !== undefined) phases[key].push(ms);
    }
    if (done % 100 === 0) logger.info(`${done}/${episodes} episodes`);
  };

  const memory = { rssStart: process.memoryUsage().rss, rssPeak: 0, heapPeak: 0, samples: 0 };
  const sample = (): void => {
    const m = process.memoryUsage();
    memory.rssPeak = Math.max(memory.rssPeak, m.rss);
    memory.heapPeak = Math.max(memory.heapPeak, m.heapUsed);
    memory.samples += 1;
  };
  const sampler = setInterval(sample, 100);
  sample();
  logger.info(`${episodes} episodes, ${concurrency} at once, into ${root}`);
  let result;
  try {
    result = await runEval({ matrix, outDir: join(root, 'run'), hosts: HostPool.fromSpecs([], concurrency), onEvent, retryBaseMs: 500 });
  } finally {
    clearInterval(sampler);
    sample();
  }
  const heapEnd = process.memoryUsage().heapUsed;

  logger.info(`floor again: ${floorRuns} bare test runs, ${concurrency} at once`);
  const after = await floorBatch(docker, profile, tars, floorRuns, concurrency);
  if (!keep) await rm(root, { recursive: true, force: true });

  const elapsedMs = endedAt - startedAt;
  const perEpisodeMs = elapsedMs / result.finished;
  const floorEffective = (before.effectiveMs + after.effectiveMs) / 2;
  const floorLatency = (before.latencyMs + after.latencyMs) / 2;
  const report = {
    episodes: result.finished,
    remaining: result.remaining,
    concurrency,
    elapsedS: elapsedMs / 1000,
    episodesPerS: result.finished / (elapsedMs / 1000),
    verdicts: Object.fromEntries(verdicts),
    retries,
    episodeMs: {
      effective: perEpisodeMs,
      latencyMean: mean(phases.totalMs),
      latencyMedian: median(phases.totalMs),
      setupMean: mean(phases.setupMs),
      agentMean: mean(phases.agentMs),
      inspectMean: mean(phases.inspectMs),
    },
    floorMs: {
      quietLatency: quiet.latencyMs,
      effectiveBefore: before.effectiveMs,
      effectiveAfter: after.effectiveMs,
      latencyBefore: before.latencyMs,
      latencyAfter: after.latencyMs,
    },
    ratio: {
      effective: perEpisodeMs / floorEffective,
      latency: mean(phases.totalMs) / floorLatency,
    },
    memory: {
      rssStartMb: memory.rssStart / 2 ** 20,
      rssPeakMb: memory.rssPeak / 2 ** 20,
      heapPeakMb: memory.heapPeak / 2 ** 20,
      heapEndMb: heapEnd / 2 ** 20,
      samples: memory.samples,
    },
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const f = (ms: number): string => `${ms.toFixed(0).padStart(7)} ms`;
  const lines = [
    `eval throughput: ${report.episodes} episodes (submit at once) over ${taskIds.length} tasks, ${concurrency} at once, local daemon`,
    `  wall time               ${report.elapsedS.toFixed(1)} s   ${report.episodesPerS.toFixed(2)} episodes/s   (${(report.episodesPerS * 60).toFixed(0)}/min)`,
    `  verdicts                ${[...verdicts].map(([v, n]) => `${v} ${n}`).join(', ')}; retries ${retries}; not finished ${report.remaining}`,
    `  per episode, effective  ${f(perEpisodeMs)}   (wall time / episodes)`,
    `  per episode, latency    ${f(report.episodeMs.latencyMean)}   mean (median ${report.episodeMs.latencyMedian.toFixed(0)} ms): setup ${report.episodeMs.setupMean.toFixed(0)}, agent ${report.episodeMs.agentMean.toFixed(0)}, inspect ${report.episodeMs.inspectMean.toFixed(0)}`,
    `floor: one bare test run (create + copy repo + start + wait pytest + remove)`,
    `  alone                   ${f(quiet.latencyMs)}`,
    `  ${concurrency} at once, effective    ${f(before.effectiveMs)} before, ${after.effectiveMs.toFixed(0)} ms after   (wall time / runs)`,
    `  ${concurrency} at once, latency      ${f(before.latencyMs)} before, ${after.latencyMs.toFixed(0)} ms after`,
    `overhead: an episode costs ${report.ratio.effective.toFixed(2)}x a bare test run in wall time at the same concurrency`,
    `          (latency ${report.ratio.latency.toFixed(2)}x); it runs three containers: the agent's sandbox and two test runs`,
    `orchestrator memory (${memory.samples} samples, every 100 ms)`,
    `  rss                     ${mb(memory.rssStart)} at start, ${mb(memory.rssPeak)} peak`,
    `  heapUsed                ${mb(memory.heapPeak)} peak, ${mb(heapEnd)} at the end`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  logger.error(errorMessage(err));
  process.exitCode = 1;
});
