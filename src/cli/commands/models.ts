import type { Command } from 'commander';
import pc from 'picocolors';
import { parseBaseUrl } from '../options.js';

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('List the model providers, what each needs, and whether it is ready here')
    .option('--json', 'print the list as JSON')
    .option('--base-url <url>', 'check an OpenAI-compatible endpoint instead of OPENAI_BASE_URL', parseBaseUrl)
    .action(async (flags: { json?: boolean; baseUrl?: string }) => {
      // Loaded when the command runs, not at start-up (see main.ts).
      const { providerReadiness } = await import('../../models/readiness.js');
      const list = providerReadiness(flags.baseUrl === undefined ? {} : { baseUrl: flags.baseUrl });
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      const width = Math.max(...list.map((p) => p.forms.join(', ').length));
      for (const p of list) {
        const status = p.ready ? pc.green('ready    ') : pc.red('not ready');
        process.stdout.write(`${p.forms.join(', ').padEnd(width)}  ${status}  ${p.detail}\n`);
        for (const need of p.needs) process.stdout.write(`${' '.repeat(width)}  ${pc.dim(`needs: ${need}`)}\n`);
      }
    });
}
