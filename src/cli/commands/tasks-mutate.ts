import type { Command } from 'commander';
import pc from 'picocolors';
import type { CandidateEvent, MutateReport } from '../../runs/mutate-task.js';
import { mutationKinds, type MutationKind } from '../../tasks/mutate/variants.js';
import { UsageError } from '../../util/errors.js';
import { terminalSafeJson, visibleLine } from '../../util/terminal.js';

const collectDirs = (value: string, previous: string[]): string[] => [...previous, value];

interface MutateFlags {
  kind: string;
  max: string;
  seed: string;
  out: string;
  tasksDir: string[];
  json?: boolean;
}

function kindsOf(flag: string): MutationKind[] {
  if (flag === 'all') return [...mutationKinds];
  if ((mutationKinds as readonly string[]).includes(flag)) return [flag as MutationKind];
  throw new UsageError(`--kind ${flag}: expected oneoff, conflicting or all`);
}

function integerFlag(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} ${value}: expected an integer >= ${min}`);
  return n;
}

function eventLine(e: CandidateEvent): string {
  const where = `${visibleLine(e.file)}:${e.line} ${visibleLine(e.test)}`;
  return e.outcome === 'written'
    ? `${pc.green('wrote  ')} ${visibleLine(e.id)}  ${where}: ${visibleLine(e.before)} -> ${visibleLine(e.after)}`
    : `${pc.yellow('dropped')} ${e.kind.padEnd(11)} ${where}: ${visibleLine(e.reason)}`;
}

function summary(r: MutateReport): string {
  const lines: string[] = [];
  for (const kind of mutationKinds) {
    const written = r.written.filter((w) => w.kind === kind).length;
    const dropped = r.dropped.filter((d) => d.kind === kind);
    if (written + dropped.length + r.notTried[kind] === 0) continue;
    const reasons = new Map<string, number>();
    for (const d of dropped) reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
    lines.push(`${kind}: ${written} written, ${dropped.length} dropped${r.notTried[kind] > 0 ? `, ${r.notTried[kind]} not tried (--max reached)` : ''}`);
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) lines.push(`  ${n} x ${visibleLine(reason)}`);
  }
  const unsupported = Object.entries(r.unsupported).sort((a, b) => b[1] - a[1]);
  if (unsupported.length > 0) lines.push(`assertions without a literal expected value to change: ${unsupported.map(([why, n]) => `${n} ${why}`).join(', ')}`);
  for (const e of r.scanErrors) lines.push(`${pc.red('not scanned')} ${visibleLine(e.file)}: ${visibleLine(e.error)}`);
  return `${lines.join('\n')}\n`;
}

export function registerTasksMutate(tasks: Command): void {
  tasks
    .command('mutate')
    .description('Write impossible variants of a possible task (one expected value changed, or a contradicting copy of a test), each proven by running its tests')
    .argument('<task>', 'the id of a possible task whose reference solution passes its tests')
    .requiredOption('--out <dir>', 'the folder the variant task folders are written to (give it to --tasks-dir afterwards)')
    .option('--kind <kind>', 'oneoff, conflicting or all', 'all')
    .option('--max <n>', 'variants written per kind at most', '3')
    .option('--seed <n>', 'seed of the order in which assertions are tried (same seed: same folders)', '1')
    .option('--tasks-dir <dir>', 'a folder of your own tasks beside the built-in suite; several times for several folders', collectDirs, [])
    .option('--json', 'print the report as JSON')
    .action(async (taskId: string, flags: MutateFlags) => {
      // Docker, the sandbox and the parsers are loaded when the command runs, not at start-up.
      const { DockerSandboxFactory } = await import('../../sandbox/docker-sandbox.js');
      const { assertDockerReachable, dockerClient } = await import('../../sandbox/docker.js');
      const { sweepLeftovers } = await import('../../sandbox/sweep.js');
      const { assertTaskDirs, taskRoots } = await import('../../tasks/load.js');
      const { mutateTask } = await import('../../runs/mutate-task.js');
      const { ensureWritableDir } = await import('../../util/out-dir.js');
      const kinds = kindsOf(flags.kind);
      const max = integerFlag('--max', flags.max, 1);
      const seed = integerFlag('--seed', flags.seed, 0);
      await assertTaskDirs(flags.tasksDir);
      const outDir = await ensureWritableDir('--out', flags.out);
      const docker = dockerClient();
      await assertDockerReachable(docker);
      await sweepLeftovers(docker);
      const report = await mutateTask({
        taskId,
        roots: taskRoots(flags.tasksDir),
        outDir,
        kinds,
        max,
        seed,
        factory: new DockerSandboxFactory(),
        onCandidate: (e) => {
          if (flags.json !== true) process.stdout.write(`${eventLine(e)}\n`);
        },
      });
      if (flags.json === true) process.stdout.write(`${terminalSafeJson(report, 2)}\n`);
      else process.stdout.write(summary(report));
      if (report.written.length === 0) process.exitCode = 1;
    });
}
