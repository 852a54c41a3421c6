import { Command, CommanderError } from 'commander';
import { HarnessError, InputError, UsageError, errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { registerRun } from './commands/run.js';
import { registerShow } from './commands/show.js';
import { registerView } from './commands/view.js';
import { registerTasks } from './commands/tasks.js';
import { registerImages } from './commands/images.js';
import { registerModels } from './commands/models.js';
import { registerEval } from './commands/eval.js';
import { registerReport } from './commands/report.js';
import { registerQa } from './commands/qa.js';
import { registerSetup } from './commands/setup.js';
import { registerExport } from './commands/export.js';

const program = new Command();
program
  .name('ibench')
  .description('Impossible Bench: does a coding agent admit that a task is impossible, or fake success?')
  // A usage mistake is one line naming the flag and what it expects (no help page after it).
  .exitOverride();

registerSetup(program);
registerRun(program);
registerEval(program);
registerQa(program);
registerReport(program);
registerExport(program);
registerShow(program);
registerView(program);
registerTasks(program);
registerImages(program);
registerModels(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; usage mistakes with 1, which DESIGN.md makes 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof UsageError) {
    logger.error(err.message);
    process.exitCode = 2;
  } else if (err instanceof InputError || err instanceof HarnessError) {
    logger.error(err.message);
    process.exitCode = 1;
  } else {
    logger.error(err instanceof Error && err.stack !== undefined ? err.stack : errorMessage(err));
    process.exitCode = 1;
  }
}
