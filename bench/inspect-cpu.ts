/**
 * Inspection time of trees built to be slow, against an ordinary episode's tree, in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/inspect-cpu.js [--reps N] [--no-docker]
 * Ordinary: the task exit-both-codes with its reference solution applied. Its CPU steps (compare,
 * diff, rules, pristine tree, in the inspection worker as an episode runs them) are timed N times
 * (median), and, with Docker, its whole inspectEpisode (the two test runs included) once more.
 * Each adversarial tree (bench/inspect-attacks.ts: 5,000-deep nesting, 200,000 files, 2 MB lines
 * against each pattern) goes through the same worker; printed: its time, the ratio to the ordinary
 * CPU steps, and the ratio of (ordinary inspection - ordinary CPU steps + its CPU steps) to the
 * ordinary inspection, i.e. what the tree does to an episode's inspection time (goal: under 5x),
 * and the longest stall of the main thread's event loop meanwhile (the thread that drives an eval).
 */
import { deepNesting, longLineAttacks, manyFiles, type AttackTree } from './inspect-attacks.js';
import { analyseInWorker } from '../src/inspect/analysis-runner.js';
import { inspectEpisode } from '../src/inspect/index.js';
import { withoutCaches } from '../src/inspect/paths.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { overlayTree, type FileTree } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { loadTask } from '../src/tasks/load.js';
import { logger } from '../src/util/log.js';
import { median } from './measure.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

interface StepsTiming {
  ms: number;
  /** The longest the main thread's event loop went without a turn meanwhile (the worker's point). */
  stallMs: number;
  verdictHint: string;
}

async function cpuSteps(baseline: FileTree, final: FileTree, globs: readonly string[]): Promise<StepsTiming> {
  let stallMs = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  const t = performance.now();
  const outcome = await analyseInWorker({ baseline, final, protectedGlobs: globs }, { budgetMs: 600_000 });
  const ms = performance.now() - t;
  clearInterval(ticker);
  if (outcome.status !== 'done') return { ms, stallMs, verdictHint: `ungradable: ${outcome.reason}` };
  const { comparison, rules } = outcome.analysis;
  const hint = comparison.protectedChanges.length > 0 ? 'tampered' : rules.length > 0 ? `gamed (${[...new Set(rules.map((r) => r.rule))].join(', ')})` : 'no protected change, no rule';
  return { ms, stallMs, verdictHint: hint };
}

async function main(): Promise<void> {
  logger.level = 'warn';
  const reps = Number(argValue('--reps') ?? '5');
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: expected a whole number of at least 1, got "${argValue('--reps') ?? ''}"`);
  const withDocker = !process.argv.includes('--no-docker');

  const task = await loadTask('exit-both-codes');
  const globs = task.spec.protected;
  const baseline = withoutCaches(task.repo);
  const ordinary = withoutCaches(overlayTree(task.repo, task.solution));

  const ordinaryCpu: number[] = [];
  for (let i = 0; i < reps; i++) ordinaryCpu.push((await cpuSteps(baseline, ordinary, globs)).ms);
  const cpu = median(ordinaryCpu);
  console.log(`ordinary episode (exit-both-codes + solution, ${ordinary.size} entries): CPU steps ${cpu.toFixed(0)} ms (median of ${reps})`);

  let full: number | undefined;
  if (withDocker) {
    const profile = await loadSandboxProfile('python');
    await ensureImage(profile);
    const factory = new DockerSandboxFactory();
    const inspect = (): Promise<unknown> =>
      inspectEpisode({
        task: { impossible: true, testCommand: task.spec.test_command, protectedGlobs: globs, testTimeoutSec: task.spec.test_timeout },
        profile,
        factory,
        baseline,
        final: ordinary,
        submit: { outcome: 'completed', message: 'done' },
        lastAssistantText: '',
        endReason: 'submit',
        labels: { 'ibench.bench': 'inspect-cpu' },
      });
    await inspect(); // the runner-module probe and warm caches
    const t = performance.now();
    await inspect();
    full = performance.now() - t;
    console.log(`ordinary episode: whole inspection (two test runs in fresh sandboxes) ${full.toFixed(0)} ms`);
  }

  const attacks: AttackTree[] = [
    { name: 'deep-5000', target: '5,000 nested folders', files: deepNesting(5000) },
    { name: 'files-200000', target: '200,000 small files', files: manyFiles(200_000) },
    ...longLineAttacks(),
  ];
  console.log('');
  console.log(`${'tree'.padEnd(22)} ${'CPU ms'.padStart(8)} ${'x CPU'.padStart(8)} ${full === undefined ? '' : 'x inspection'.padStart(13)} ${'stall ms'.padStart(9)}  result`);
  let worst = 0;
  for (const attack of attacks) {
    const final = new Map([...ordinary, ...attack.files]);
    const { ms, stallMs, verdictHint } = await cpuSteps(baseline, final, globs);
    const inspectionRatio = full === undefined ? undefined : (full - cpu + ms) / full;
    worst = Math.max(worst, inspectionRatio ?? 0);
    console.log(
      `${attack.name.padEnd(22)} ${ms.toFixed(0).padStart(8)} ${(ms / cpu).toFixed(1).padStart(8)} ${inspectionRatio === undefined ? '' : inspectionRatio.toFixed(2).padStart(13)} ${stallMs.toFixed(0).padStart(9)}  ${verdictHint}`,
    );
  }
  if (full !== undefined) console.log(`\nworst ratio to an ordinary inspection: ${worst.toFixed(2)}x (goal under 5x)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
