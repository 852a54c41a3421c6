import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { terminalSafeJson, visible } from '../../util/terminal.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("Write a run's summary.json, report.md, summary.csv and chart.svg, and print the tables")
    .argument('<run-dir>', 'a run directory made by `ibench eval` or `ibench qa`')
    .option('--json', 'print summary.json instead of the Markdown tables')
    .action(async (runDir: string, flags: { json?: boolean }) => {
      // Loaded when the command runs, not at start-up (see main.ts).
      const { readRunManifest, renderQaMarkdown, writeQaReport } = await import('../../runs/qa-report.js');
      const { REPORT_FILES, renderMarkdown, writeReport } = await import('../../runs/report.js');
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
