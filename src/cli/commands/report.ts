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
    .option('--prices <file>', 'YAML/JSON of US dollars per million tokens by model ({input, output, cached_input?, cache_write?}), over the list prices')
    .action(async (runDir: string, flags: { json?: boolean; prices?: string }) => {
      // Loaded when the command runs, not at start-up (see main.ts).
      const { loadPriceTable } = await import('../../models/price-file.js');
      const { readRunManifest, renderQaMarkdown, writeQaReport } = await import('../../runs/qa-report.js');
      const { REPORT_FILES, renderMarkdown, writeReport } = await import('../../runs/report.js');
      const prices = flags.prices === undefined ? undefined : await loadPriceTable(flags.prices);
      if (existsSync(join(runDir, 'run.json')) && (await readRunManifest(runDir)).kind === 'qa') {
        const summary = await writeQaReport(runDir);
        process.stdout.write(flags.json === true ? `${terminalSafeJson(summary, 2)}\n` : visible(renderQaMarkdown(summary)));
        process.stderr.write(`written: ${[REPORT_FILES.summary, REPORT_FILES.markdown, REPORT_FILES.csv].map((f) => join(runDir, f)).join(', ')}\n`);
        return;
      }
      const summary = await writeReport(runDir, prices);
      process.stdout.write(flags.json === true ? `${terminalSafeJson(summary, 2)}\n` : visible(renderMarkdown(summary)));
      process.stderr.write(`written: ${Object.values(REPORT_FILES).map((f) => join(runDir, f)).join(', ')}\n`);
    });
}
