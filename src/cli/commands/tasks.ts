import { resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { terminalSafeJson, visible, visibleLine } from '../../util/terminal.js';
import type { TaskValidation } from '../../runs/validate-tasks.js';
import { parseIntOption } from '../options.js';
import { UsageError } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import { registerTasksMutate } from './tasks-mutate.js';
import { registerTasksImport } from './tasks-import.js';

const collectDirs = (value: string, previous: string[]): string[] => [...previous, value];

export function registerTasks(program: Command): void {
  const tasks = program.command('tasks').description('List and validate the task suite');
  tasks
    .command('list')
    .description('List the tasks with their twins and categories')
    .option('--json', 'print the task specs as JSON')
    .option('--tasks-dir <dir>', 'a folder of your own tasks beside the built-in suite; several times for several folders', collectDirs, [])
    .action(async (flags: { json?: boolean; tasksDir: string[] }) => {
      // Loaded when the command runs, not at start-up (see main.ts).
      const { assertTaskDirs, findTaskDirs, loadAllTaskSpecs, taskRoots } = await import('../../tasks/load.js');
      await assertTaskDirs(flags.tasksDir);
      const roots = taskRoots(flags.tasksDir);
      const specs = await loadAllTaskSpecs(roots);
      const folders = await findTaskDirs(roots);
      if (flags.json === true) {
        process.stdout.write(`${terminalSafeJson(specs.map((s) => ({ ...s, dir: folders.get(s.id) ?? null })), 2)}\n`);
        return;
      }
      const width = Math.max(...specs.map((s) => s.id.length), 4);
      process.stdout.write(`${pc.bold(`${'id'.padEnd(width)}  kind        category              twin`)}\n`);
      for (const s of specs) {
        const kind = s.impossible ? pc.red('impossible') : pc.green('possible  ');
        process.stdout.write(`${visibleLine(s.id).padEnd(width)}  ${kind}  ${s.category.padEnd(20)}  ${visibleLine(s.twin ?? '-')}\n`);
      }
    });
  tasks
    .command('new')
    .description('Write a new task folder (task.yaml with every field explained, repo/, solution/) that `ibench tasks validate` passes')
    .argument('<id>', 'the task id: lowercase letters, digits and dashes (also the folder name)')
    .option('--dir <dir>', 'the folder to make the task in (then give it to --tasks-dir)', '.')
    .option('--impossible', 'scaffold an impossible task (tests that contradict each other) instead of a possible one')
    .action(async (id: string, flags: { dir: string; impossible?: boolean }) => {
      const { scaffoldTask } = await import('../../tasks/scaffold.js');
      const dir = await scaffoldTask({ id, dir: flags.dir, impossible: flags.impossible === true });
      process.stdout.write(`wrote ${dir}\nnext: edit it, then  ibench tasks validate --tasks-dir ${resolve(flags.dir)} ${id}\n`);
    });
  tasks
    .command('validate')
    .description("Run each task's tests in Docker: the repo as given must fail; the reference solution must pass (possible) or fail (impossible)")
    .argument('[ids...]', 'task ids (default: all)')
    .option('--tasks-dir <dir>', 'a folder of your own tasks beside the built-in suite; several times for several folders', collectDirs, [])
    .option('--concurrency <n>', 'tasks validated at once (default 4)', parseIntOption('--concurrency', 1), 4)
    .action(async (ids: string[], flags: { tasksDir: string[]; concurrency: number }) => {
      // Docker and the sandbox are loaded only by the commands that use them (see main.ts).
      const { DockerSandboxFactory } = await import('../../sandbox/docker-sandbox.js');
      const { assertDockerReachable, dockerClient } = await import('../../sandbox/docker.js');
      const { sweepLeftovers } = await import('../../sandbox/sweep.js');
      const { validateTask } = await import('../../runs/validate-tasks.js');
      const { assertTaskDirs, findTaskDirs, loadAllTaskSpecs, taskRoots } = await import('../../tasks/load.js');
      await assertTaskDirs(flags.tasksDir);
      const roots = taskRoots(flags.tasksDir);
      await loadAllTaskSpecs(roots); // every task.yaml valid and twins consistent
      const known = [...(await findTaskDirs(roots)).keys()];
      const chosen = ids.length > 0 ? ids : known;
      const unknown = chosen.filter((id) => !known.includes(id));
      if (unknown.length > 0) throw new UsageError(`unknown task id(s): ${unknown.join(', ')}; see \`ibench tasks list\``);
      const docker = dockerClient();
      await assertDockerReachable(docker);
      await sweepLeftovers(docker);
      const factory = new DockerSandboxFactory();
      // Several tasks at once (each waits mostly on its containers); results printed in the given order.
      const results: (TaskValidation | undefined)[] = [];
      let printed = 0;
      let failures = 0;
      const queue = chosen.map((id, index) => ({ id, index }));
      const worker = async (): Promise<void> => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          results[next.index] = await validateTask(next.id, factory, roots);
          for (let v = results[printed]; v !== undefined; v = results[++printed]) {
            if (!v.ok) failures += 1;
            process.stdout.write(`${explain(v)}${line(v)}\n`);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(flags.concurrency, chosen.length) }, worker));
      if (failures > 0) logger.error(`${failures} of ${chosen.length} task(s) failed validation`);
      else logger.info(`all ${chosen.length} task(s) valid`);
      process.exitCode = failures > 0 ? 1 : 0;
    });
  registerTasksMutate(tasks);
  registerTasksImport(tasks);
}

const gradingText: Record<TaskValidation['grading'], string> = {
  junit: 'per-test results from its JUnit report',
  pytest: "pytest's summary line",
  'exit-status': 'its exit status alone (0 = pass)',
};

function outcome(r: TaskValidation['reference']): string {
  const counts = r.grading === 'exit-status' ? `exit ${r.exitCode}` : `${r.passed} passed, ${r.failed} failed${r.errors > 0 ? `, ${r.errors} errors` : ''}, exit ${r.exitCode}`;
  return `${r.ok ? 'passes' : 'fails'} (${counts}${r.timedOut ? ', timed out' : ''})`;
}

/** The steps validate ran, what each gave and what it had to give, and what to fix. */
function explain(v: TaskValidation): string {
  const mark = (good: boolean): string => (good ? pc.green('as it must') : pc.red('WRONG'));
  const lines = [
    `${pc.bold(v.id)} (${v.dir}): runs \`${v.testCommand}\` in a fresh sandbox, graded by ${gradingText[v.grading]}`,
    `  1. the repo as given must fail (the agent has work to do): ${outcome(v.asGiven)}, ${mark(!v.asGiven.ok)}`,
    `  2. repo/ with solution/ laid over it must ${v.impossible ? 'fail (impossible task: even the best answer cannot pass)' : 'pass (possible task)'}: ${outcome(v.reference)}, ${mark(v.impossible ? !v.reference.ok : v.reference.ok)}`,
  ];
  if (v.heldOut !== undefined) {
    const must = v.impossible ? 'are run too (impossible task: nothing is required of them)' : 'must pass too';
    lines.push(`  3. with held_out/ put beside the visible tests, the reference ${must}: ${outcome(v.heldOut)}${v.impossible ? '' : `, ${mark(v.heldOut.ok)}`}`);
  }
  if (!v.ok) {
    const heldOutFailed = !v.impossible && v.reference.ok && v.heldOut !== undefined && !v.heldOut.ok;
    const step = v.impossible ? 1 : heldOutFailed ? 3 : 2;
    const shown = v.impossible ? v.asGiven : heldOutFailed && v.heldOut !== undefined ? v.heldOut : v.reference;
    const output = shown.output.trim().split('\n').slice(-15);
    lines.push(`  output of step ${step} (last lines):`, ...output.map((l) => `    | ${l}`));
    for (const fix of v.fixes) lines.push(`  fix: ${fix}`);
  }
  return `${lines.join('\n')}\n`;
}

function line(v: TaskValidation): string {
  const status = v.ok ? pc.green('ok  ') : pc.red('FAIL');
  const ref = `reference ${v.reference.ok ? 'passes' : 'fails'} (${v.reference.passed} passed, ${v.reference.failed} failed)`;
  const given = `as given ${v.asGiven.ok ? 'passes' : 'fails'}${v.heldOut === undefined ? '' : `, with held_out/ ${v.heldOut.ok ? 'passes' : 'fails'}`}`;
  const why = v.problems.length > 0 ? `: ${v.problems.join('; ')}` : '';
  return `${status} ${visibleLine(v.id)} [${v.impossible ? 'impossible' : 'possible'}] ${ref}, ${given}${visible(why)}`;
}
