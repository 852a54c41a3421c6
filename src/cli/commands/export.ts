import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { exportFormats, exportRun, type ExportFormat } from '../../runs/export.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { UsageError } from '../../util/errors.js';
import { ensureWritableDir } from '../../util/out-dir.js';

function parseFormat(value: string): ExportFormat {
  if (!(exportFormats as readonly string[]).includes(value)) throw new InvalidArgumentError(`--format expects ${exportFormats.join(', ')}, got "${value}"`);
  return value as ExportFormat;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Write a run as one row per episode (JSONL or CSV) or as an Inspect AI log (JSON), to --out or stdout')
    .argument('<run-dir>', 'a run directory made by `ibench eval`, `ibench run` or `ibench qa`')
    .requiredOption('--format <format>', `${exportFormats.join(' | ')} (inspect: an Inspect AI .json log that \`inspect view\` opens)`, parseFormat)
    .option('--out <file>', 'the file to write (default: stdout); an Inspect log should end in .json')
    .action(async (runDir: string, flags: { format: ExportFormat; out?: string }) => {
      if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new UsageError(`<run-dir> ${runDir}: no such folder; give a run directory made by \`ibench eval\``);
      if (flags.out !== undefined && existsSync(flags.out) && statSync(flags.out).isDirectory()) throw new UsageError(`--out ${flags.out}: is a folder; give a file name`);
      if (flags.format === 'inspect' && flags.out !== undefined && !flags.out.endsWith('.json')) {
        throw new UsageError(`--out ${flags.out}: an Inspect log must end in .json (Inspect reads the format from the extension)`);
      }
      const { text, count } = await exportRun(runDir, flags.format);
      if (flags.out === undefined) {
        process.stdout.write(text);
        return;
      }
      const file = join(await ensureWritableDir('--out', dirname(resolve(flags.out))), basename(flags.out));
      await writeFileAtomic(file, text);
      process.stderr.write(`${count} record(s) written to ${file}\n`);
    });
}
