import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError, errorMessage } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import { parseIntOption } from '../options.js';

interface ViewFlags {
  port: number;
  host: string;
  export?: string;
}

export function registerView(program: Command): void {
  program
    .command('view')
    .description('Browse runs in a local web page (runs, summaries, episodes, transcripts, diffs), or export them as a static site')
    .argument('[runs-dir]', 'a folder of run folders, or one run folder', 'runs')
    .option('--port <n>', 'port to listen on (0: any free port)', parseIntOption('--port', 0), 8377)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--export <dir>', 'write the pages as a static site into DIR instead of serving them')
    .action(async (runsDir: string, flags: ViewFlags) => {
      // Loaded when the command runs, not at start-up (see main.ts).
      const { ensureWritableDir } = await import('../../util/out-dir.js');
      const { exportSite } = await import('../../viewer/export.js');
      const { startViewer } = await import('../../viewer/server.js');
      if (!existsSync(runsDir) || !statSync(runsDir).isDirectory()) throw new UsageError(`${runsDir}: no such folder (give a runs directory, e.g. runs/)`);
      if (flags.port > 65535) throw new UsageError(`--port expects at most 65535, got ${flags.port}`);
      if (flags.export !== undefined) {
        await ensureWritableDir('--export', flags.export);
        const result = await exportSite(runsDir, flags.export);
        logger.info(`exported ${result.runs} runs, ${result.episodes} episodes (${result.files} files) to ${result.dir}`);
        process.stdout.write(`${result.dir}/index.html\n`);
        return;
      }
      let viewer;
      try {
        viewer = await startViewer({ runsDir, host: flags.host, port: flags.port });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UsageError(`--port ${flags.port}: already in use (try --port 0 for any free port)`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${flags.host}: cannot listen there`);
        throw new UsageError(`cannot start the viewer: ${errorMessage(err)}`);
      }
      if (flags.host !== '127.0.0.1' && flags.host !== 'localhost' && flags.host !== '::1') {
        logger.warn(`listening on ${flags.host}: anyone who can reach this address can read these runs`);
      }
      logger.info(`viewer of ${runsDir} (Ctrl-C to stop)`);
      process.stdout.write(`${viewer.url}\n`);
      const server = viewer;
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
