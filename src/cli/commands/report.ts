import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readRunManifest, renderQaMarkdown, writeQaReport } from '../../runs/qa-report.js';
import { terminalSafeJson, visible } from '../../util/terminal.js';
import { loadPriceTable } from '../../models/price-file.js';
import { REPORT_FILES, renderMarkdown, writeReport } from '../../runs/report.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("Write a run's summary.json, report.md, summary.csv and chart.svg, and print the tables")
    .argument('<run-dir>', 'a run directory made by `ibench eval` or `ibench qa`')
    .option('--json', 'print summary.json instead of the Markdown tables')
    .option('--prices <file>', 'YAML/JSON of US dollars per million tokens by model ({input, output, cached_input?, cache_write?}), over the list prices')
    .action(async (runDir: string, flags: { json?: boolean; prices?: string }) => {
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
