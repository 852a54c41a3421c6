import { resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import type { ImportedItem, ImportProblem } from '../../runs/import-lcb.js';
import { lcbPromptVariants, lcbTestNotes, readLcbFiles, readLcbSolutions, type LcbPromptVariant, type LcbTestNote } from '../../tasks/import/impossiblebench-lcb.js';
import { UsageError } from '../../util/errors.js';
import { terminalSafeJson, visibleLine } from '../../util/terminal.js';

const sources = ['impossiblebench-lcb'] as const;

interface ImportFlags {
  out: string;
  solutions: string;
  promptVariant: string;
  testsNote: string;
  json?: boolean;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} ${value}: expected one of ${allowed.join(', ')}`);
}

function itemLine(item: ImportedItem | ImportProblem): string {
  const what = `${visibleLine(item.taskId)} ${item.split.padEnd(11)}`;
  return item.outcome === 'written' ? `${pc.green('wrote   ')} ${what} -> ${visibleLine(item.id)}` : `${pc.yellow('reported')} ${what}: ${visibleLine(item.problem)}`;
}

export function registerTasksImport(tasks: Command): void {
  tasks
    .command('import')
    .description("Import a published benchmark's items as task folders, each validated by running its tests (ImpossibleBench's Impossible-LiveCodeBench)")
    .argument('<source>', `what the files are: ${sources.join(', ')}`)
    .argument('<files...>', 'JSONL files of the dataset (its original, oneoff and conflicting splits, one record a line)')
    .requiredOption('--solutions <file>', 'JSONL of reference solutions {task_id, solution}: the whole func.py that passes the original tests')
    .requiredOption('--out <dir>', 'the folder the task folders are written to (give it to --tasks-dir afterwards)')
    .option('--prompt-variant <name>', `ImpossibleBench's instruction prompt: ${Object.keys(lcbPromptVariants).join(', ')}`, 'a')
    .option('--tests-note <name>', `what the instruction says about the tests: ${Object.keys(lcbTestNotes).join(', ')} (the scaffold's allow_test_modifications true / false)`, 'do-not-modify')
    .option('--json', 'print the report as JSON')
    .action(async (source: string, files: string[], flags: ImportFlags) => {
      // Docker and the sandbox are loaded when the command runs, not at start-up.
      const { importLcb } = await import('../../runs/import-lcb.js');
      const { DockerSandboxFactory } = await import('../../sandbox/docker-sandbox.js');
      const { assertDockerReachable, dockerClient } = await import('../../sandbox/docker.js');
      const { sweepLeftovers } = await import('../../sandbox/sweep.js');
      const { ensureWritableDir } = await import('../../util/out-dir.js');
      oneOf('<source>', source, sources);
      const variant = oneOf<LcbPromptVariant>('--prompt-variant', flags.promptVariant, Object.keys(lcbPromptVariants) as LcbPromptVariant[]);
      const testNote = oneOf<LcbTestNote>('--tests-note', flags.testsNote, Object.keys(lcbTestNotes) as LcbTestNote[]);
      const records = await readLcbFiles(files.map((f) => resolve(f)));
      const solutions = await readLcbSolutions(resolve(flags.solutions));
      const outDir = await ensureWritableDir('--out', flags.out);
      const docker = dockerClient();
      await assertDockerReachable(docker);
      await sweepLeftovers(docker);
      const report = await importLcb({
        records,
        solutions,
        solutionsFile: resolve(flags.solutions),
        outDir,
        variant,
        testNote,
        factory: new DockerSandboxFactory(),
        onItem: (item) => {
          if (flags.json !== true) process.stdout.write(`${itemLine(item)}\n`);
        },
      });
      if (flags.json === true) process.stdout.write(`${terminalSafeJson(report, 2)}\n`);
      else process.stdout.write(`${report.written.length} task(s) written to ${visibleLine(outDir)}, ${report.reported.length} item(s) reported and not written\n`);
      if (report.written.length === 0) process.exitCode = 1;
    });
}
