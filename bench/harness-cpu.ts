/**
 * The harness's own CPU per episode, as a share of all the CPU the machine spends per episode
 * (the harness's node process, Docker's daemons and runc, the containers' pytest), in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/harness-cpu.js [--reps N] [--epochs N] [--concurrency N]
 * Each rep runs `ibench eval` of exit-both-codes with the scripted flag.yaml model (N epochs) and
 * one `ibench run` of the same, as the user would (node bin/ibench.js, a process of its own). The
 * harness's CPU is read in that process as it exits: the whole process (every thread: the main
 * one, the analysis worker, libuv's pool, V8's helpers) from /proc/self/stat and its main thread
 * from /proc/self/task/<pid>/stat. The machine's CPU is the busy time in /proc/stat meanwhile.
 * Printed: medians over the reps. Linux only (it reads /proc).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../src/util/paths.js';
import { median } from './measure.js';

function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a whole number of at least 1, got "${process.argv[i + 1] ?? ''}"`);
  return value;
}

/** Linux's USER_HZ: the unit of /proc's CPU times. */
const TICK_MS = 10;

/** Written as a file and loaded with --import into the measured process: its CPU at exit. */
const PROBE = `
import { readFileSync, writeFileSync } from 'node:fs';
const ticks = (stat) => { const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); };
process.on('exit', () => {
  const out = process.env.IBENCH_CPU_PROBE_OUT;
  if (!out) return;
  writeFileSync(out, JSON.stringify({
    process: ticks(readFileSync('/proc/self/stat', 'utf8')),
    main: ticks(readFileSync('/proc/self/task/' + process.pid + '/stat', 'utf8')),
  }));
});
`;

/** Busy ticks of the whole machine so far (all but idle and iowait). */
async function machineBusyTicks(): Promise<number> {
  const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const f = cpu.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return total - (f[3] ?? 0) - (f[4] ?? 0);
}

interface Sample {
  /** Milliseconds of CPU, per episode. */
  harness: number;
  main: number;
  machine: number;
}

async function measured(args: string[], probeFile: string, outFile: string, episodes: number): Promise<Sample> {
  const before = await machineBusyTicks();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(probeFile).href, join(projectRoot, 'bin', 'ibench.js'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, IBENCH_CPU_PROBE_OUT: outFile },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ibench ${args[0] ?? ''} exited with ${code ?? 'a signal'}`))));
  });
  const after = await machineBusyTicks();
  const probe = JSON.parse(await readFile(outFile, 'utf8')) as { process: number; main: number };
  return { harness: (probe.process * TICK_MS) / episodes, main: (probe.main * TICK_MS) / episodes, machine: ((after - before) * TICK_MS) / episodes };
}

function line(label: string, samples: Sample[]): string {
  const harness = median(samples.map((s) => s.harness));
  const main = median(samples.map((s) => s.main));
  const machine = median(samples.map((s) => s.machine));
  const share = median(samples.map((s) => s.harness / s.machine));
  return `${label.padEnd(26)} harness ${harness.toFixed(0).padStart(5)} ms/episode (main thread ${main.toFixed(0)})   machine ${machine.toFixed(0).padStart(5)} ms/episode   harness share ${(share * 100).toFixed(1)}%`;
}

async function main(): Promise<void> {
  if (!existsSync('/proc/self/stat')) throw new Error('harness-cpu reads /proc: it runs on Linux only');
  const reps = intArg('--reps', 3);
  const epochs = intArg('--epochs', 10);
  const concurrency = intArg('--concurrency', 4);
  const dir = await mkdtemp(join(tmpdir(), 'ibench-harness-cpu-'));
  try {
    const probeFile = join(dir, 'probe.mjs');
    await writeFile(probeFile, PROBE);
    const model = ['--model', 'scripted:test/fixtures/scripts/flag.yaml'];
    const evals: Sample[] = [];
    const runs: Sample[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const evalArgs = ['eval', '--tasks', 'exit-both-codes', ...model, '--epochs', String(epochs), '--concurrency', String(concurrency), '--out', join(dir, `eval-${rep}`), '--quiet'];
      evals.push(await measured(evalArgs, probeFile, join(dir, `eval-${rep}.json`), epochs));
      runs.push(await measured(['run', '--task', 'exit-both-codes', ...model, '--out', join(dir, `run-${rep}`)], probeFile, join(dir, `run-${rep}.json`), 1));
    }
    console.log(`harness CPU per episode (medians of ${reps}; exit-both-codes, scripted flag.yaml)`);
    console.log(line(`eval ${epochs} at concurrency ${concurrency}`, evals));
    console.log(line('run (one episode)', runs));
    console.log('(machine: every process on it, other users included: run it on a quiet machine)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`harness-cpu: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
