/**
 * Start-up time and peak memory of the CLI against bare Node, in one run (about half a minute):
 *   npx tsc -p tsconfig.json && node dist/bench/startup.js [--reps N] [--before DIR]
 * --before DIR: also `--help` and the scripted start-up of another built checkout (e.g. the commit
 * before a change), measured in the same interleaved run, for a before/after ratio.
 * Each case is a fresh `node` process, the cases interleaved rep by rep; wall time from spawn to
 * exit, peak RSS read by the child itself at exit (process.resourceUsage().maxRSS, through a
 * preloaded hook that the bare-Node case loads too). Cases:
 *   node -e ''                 the floor
 *   ibench --help
 *   ibench tasks list
 *   ibench report <run-dir>    on a run folder of 40 episode records made here
 *   ibench run (scripted)      start-up of a scripted run: options, task, condition, the scripted
 *                              model, the judge and every module the episode uses are loaded, up to
 *                              the first Docker call, which fails at once (DOCKER_HOST names a
 *                              socket that does not exist), so no container is involved
 * Goal (issue 14): --help at most 0.3 s and 60 MiB.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic } from '../src/util/atomic.js';
import type { EpisodeRecord } from '../src/runs/record.js';
import type { RunManifest } from '../src/runs/run-dir.js';
import { projectRoot } from '../src/util/paths.js';
import { median } from './measure.js';

interface Sample {
  ms: number;
  rssMiB: number;
}

interface Case {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The exit status the case must end with (the scripted run's start-up ends at the Docker check). */
  exitCode: number;
}

/** Runs `node <args>` once; the preloaded hook writes the child's own peak RSS (KiB) to a file. */
async function sample(c: Case, hook: string, rssFile: string): Promise<Sample> {
  const start = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hook, ...c.args], {
      cwd: projectRoot,
      env: { ...process.env, ...c.env, IBENCH_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== c.exitCode) reject(new Error(`${c.name}: exit ${String(status)}, expected ${c.exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      else resolve(status);
    });
  });
  const ms = performance.now() - start;
  if (code === null) throw new Error(`${c.name}: killed`);
  const kib = Number((await readFile(rssFile, 'utf8')).trim());
  return { ms, rssMiB: kib / 1024 };
}

/** A run folder of `n` finished episodes, the shape `ibench eval` leaves, for `ibench report`. */
async function makeRunDir(dir: string, n: number): Promise<void> {
  const manifest: RunManifest = { kind: 'eval', createdAt: new Date().toISOString(), tasks: ['exit-both-codes'], models: ['scripted:a'], conditions: ['neutral', 'must-pass'], epochs: n, seed: 1, max_episodes: null, settings: {}, limits: {} };
  await writeJsonAtomic(join(dir, 'run.json'), manifest);
  for (let i = 0; i < n; i++) {
    const verdict = (['flagged', 'tampered', 'claimed_success'] as const)[i % 3] ?? 'flagged';
    const record: EpisodeRecord = {
      id: `exit-both-codes__scripted-a__${i % 2 === 0 ? 'neutral' : 'must-pass'}__e${i}`,
      task: 'exit-both-codes',
      impossible: true,
      category: 'conflicting-tests',
      twin: null,
      model: 'scripted:a',
      condition: i % 2 === 0 ? 'neutral' : 'must-pass',
      conditionText: { system: '', user: '', pushback: [] },
      epoch: i,
      claim: verdict === 'flagged' ? 'impossible' : 'completed',
      verdict,
      endReason: 'submit',
      steps: 3,
      submit: null,
      evidence: null,
      usage: { inputTokens: 100, outputTokens: 50 },
      timings: {},
      error: null,
      startedAt: '2026-11-30T00:00:00.000Z',
      finishedAt: '2026-11-30T00:00:01.000Z',
      harness: { version: '0.1.0', commit: null },
    };
    await writeJsonAtomic(join(dir, 'episodes', record.id, 'episode.json'), record);
  }
}

async function main(): Promise<void> {
  const repsArg = process.argv.indexOf('--reps');
  const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 10;
  const work = await mkdtemp(join(tmpdir(), 'ibench-startup-'));
  try {
    const hook = join(work, 'rss-hook.mjs');
    await writeFile(
      hook,
      "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.IBENCH_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
    );
    const runDir = join(work, 'run');
    await makeRunDir(runDir, 40);
    const cli = fileURLToPath(new URL('../../bin/ibench.js', import.meta.url));
    const script = join(projectRoot, 'test', 'fixtures', 'scripts', 'flag.yaml');
    const scriptedRun = ['run', '--task', 'exit-both-codes', '--model', `scripted:${script}`, '--runs-dir', join(work, 'runs')];
    const noDocker = { DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}` };
    const cases: Case[] = [
      { name: "node -e ''", args: ['-e', ''], exitCode: 0 },
      { name: 'ibench --help', args: [cli, '--help'], exitCode: 0 },
      { name: 'ibench tasks list', args: [cli, 'tasks', 'list'], exitCode: 0 },
      { name: 'ibench report (40 episodes)', args: [cli, 'report', runDir], exitCode: 0 },
      { name: 'ibench run, scripted: start-up', args: [cli, ...scriptedRun], env: noDocker, exitCode: 1 },
    ];
    const beforeArg = process.argv.indexOf('--before');
    if (beforeArg > 0) {
      const beforeCli = join(process.argv[beforeArg + 1] ?? '', 'bin', 'ibench.js');
      cases.push(
        { name: 'before: ibench --help', args: [beforeCli, '--help'], exitCode: 0 },
        { name: 'before: ibench run, scripted', args: [beforeCli, ...scriptedRun], env: noDocker, exitCode: 1 },
      );
    }
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
    const rssFile = join(work, 'rss');
    for (const c of cases) await sample(c, hook, rssFile); // warm the file cache
    for (let rep = 0; rep < reps; rep++) {
      for (const c of cases) samples.get(c.name)?.push(await sample(c, hook, rssFile));
    }
    const stat = (name: string): { ms: number; rss: number } => {
      const s = samples.get(name) ?? [];
      return { ms: median(s.map((x) => x.ms)), rss: median(s.map((x) => x.rssMiB)) };
    };
    const floor = stat("node -e ''");
    const lines = [
      `CLI start-up, median of ${reps} interleaved reps (node ${process.version})`,
      `${'case'.padEnd(32)} ${'ms'.padStart(7)} ${'x node'.padStart(7)} ${'MiB'.padStart(7)} ${'x node'.padStart(7)}`,
      ...cases.map((c) => {
        const s = stat(c.name);
        return `${c.name.padEnd(32)} ${s.ms.toFixed(0).padStart(7)} ${(s.ms / floor.ms).toFixed(2).padStart(7)} ${s.rss.toFixed(1).padStart(7)} ${(s.rss / floor.rss).toFixed(2).padStart(7)}`;
      }),
    ];
    const help = stat('ibench --help');
    lines.push(`--help: ${(help.ms / 1000).toFixed(2)} s (goal <= 0.30), ${help.rss.toFixed(1)} MiB (goal <= 60); ratios to bare node: ${(help.ms / floor.ms).toFixed(2)}x time, ${(help.rss / floor.rss).toFixed(2)}x memory`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
