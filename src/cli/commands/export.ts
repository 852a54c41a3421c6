import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { exportFormats, INSPECT_LOG_DIR, INSPECT_LOG_NAME, type ExportFormat } from '../../runs/export-names.js';
import { UsageError } from '../../util/errors.js';
import { logger } from '../../util/log.js';

function parseFormat(value: string): ExportFormat {
  if (!(exportFormats as readonly string[]).includes(value)) throw new InvalidArgumentError(`--format expects ${exportFormats.join(', ')}, got "${value}"`);
  return value as ExportFormat;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Write a run as one row per episode (JSONL or CSV, to --out or stdout) or as an Inspect AI log (JSON)')
    .argument('<run-dir>', 'a run directory made by `ibench eval`, `ibench run` or `ibench qa`')
    .requiredOption('--format <format>', `${exportFormats.join(' | ')}`, parseFormat)
    .option('--out <file>', `the file to write (default: stdout; for inspect, RUN_DIR/${INSPECT_LOG_DIR}/<timestamp>_ibench_<id>.json)`)
    .action(async (runDir: string, flags: { format: ExportFormat; out?: string }) => {
      // The exporters are loaded when the command runs, not at start-up.
      const { exportRun } = await import('../../runs/export.js');
      const { writeFileAtomic } = await import('../../util/atomic.js');
      const { ensureWritableDir } = await import('../../util/out-dir.js');
      if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new UsageError(`<run-dir> ${runDir}: no such folder; give a run directory made by \`ibench eval\``);
      if (flags.out !== undefined && existsSync(flags.out) && statSync(flags.out).isDirectory()) throw new UsageError(`--out ${flags.out}: is a folder; give a file name`);
      if (flags.format === 'inspect' && flags.out !== undefined && !flags.out.endsWith('.json')) {
        throw new UsageError(`--out ${flags.out}: an Inspect log must end in .json (Inspect tells the format by the extension)`);
      }
      const exported = await exportRun(runDir, flags.format);
      if (flags.out === undefined && flags.format !== 'inspect') {
        process.stdout.write(exported.text);
        return;
      }
      const target = flags.out ?? join(runDir, INSPECT_LOG_DIR, exported.inspectName ?? 'ibench.json');
      const file = join(await ensureWritableDir('--out', dirname(resolve(target))), basename(target));
      await writeFileAtomic(file, exported.text);
      process.stderr.write(`${exported.count} record(s) written to ${file}\n`);
      if (flags.format === 'inspect') {
        if (!INSPECT_LOG_NAME.test(basename(file))) {
          logger.warn(`inspect view lists a .json log only when its name starts with a timestamp, as in ${exported.inspectName ?? ''}; inspect_ai.log.read_eval_log opens it under any name`);
        }
        process.stderr.write(`open it with: inspect view --log-dir ${dirname(file)}\n`);
      }
    });
}
