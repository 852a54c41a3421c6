import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readRunManifest, renderQaMarkdown, writeQaReport } from '../../runs/qa-report.js';
import { terminalSafeJson, visible } from '../../util/terminal.js';
import { REPORT_FILES, renderMarkdown, writeReport } from '../../runs/report.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("Write a run's summary.json, report.md, summary.csv and chart.svg, and print the tables")
    .argument('<run-dir>', 'a run directory made by `ibench eval` or `ibench qa`')
    .option('--json', 'print summary.json instead of the Markdown tables')
    .action(async (runDir: string, flags: { json?: boolean }) => {
      if (existsSync(join(runDir, 'run.json')) && (await readRunManifest(runDir)).kind === 'qa') {
        const summary = await writeQaReport(runDir);
        process.stdout.write(flags.json === true ? `${terminalSafeJson(summary, 2)}\n` : visible(renderQaMarkdown(summary)));
        process.stderr.write(`written: ${[REPORT_FILES.summary, REPORT_FILES.markdown, REPORT_FILES.csv].map((f) => join(runDir, f)).join(', ')}\n`);
        return;
      }
      const summary = await writeReport(runDir);
      process.stdout.write(flags.json === true ? `${terminalSafeJson(summary, 2)}\n` : visible(renderMarkdown(summary)));
      process.stderr.write(`written: ${Object.values(REPORT_FILES).map((f) => join(runDir, f)).join(', ')}\n`);
    });
}
