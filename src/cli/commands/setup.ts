import type { Command } from 'commander';
import { join } from 'node:path';
import { HarnessError } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import { cacheDir, projectRoot } from '../../util/paths.js';

interface SetupFlags {
  browser?: boolean;
  model?: boolean;
}

/** Runs one of the package's set-up scripts, its messages passed through; a failure names it. */
async function runScript(name: string): Promise<void> {
  const { execa } = await import('execa');
  const script = join(projectRoot, 'scripts', name);
  const r = await execa('bash', [script], { stdio: 'inherit', reject: false, env: { IBENCH_CACHE_DIR: cacheDir } });
  if (r.exitCode !== 0) throw new HarnessError(`setup: ${name} failed (exit ${String(r.exitCode)}); its messages above say what to fix`);
}

/**
 * `ibench setup`: what `npm run setup` does in the repository, usable from an installed package.
 * Idempotent and quiet when everything is in place.
 */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('check Docker, build the sandbox images, fetch the embedded model (idempotent)')
    .option('--no-model', 'skip the embedded model (runs with API models or scripted ones only)')
    .option('--browser', "also fetch the headless chromium the viewer's browser tests use")
    .action(async (flags: SetupFlags) => {
      // Docker, the image builder and the model runtime are loaded when the command runs.
      const { assertDockerReachable } = await import('../../sandbox/docker.js');
      const { ensureImage, listProfilesNeeded } = await import('../../sandbox/images.js');
      const { ensureLlamaRuntime } = await import('../../models/llama-install.js');
      const { llamaRuntimeDir } = await import('../../models/llama-runtime.js');
      logger.info('docker: checking the daemon');
      await runScript('ensure-docker.sh');
      await assertDockerReachable();
      if (flags.browser === true) {
        logger.info("chromium: the browser of the viewer's tests");
        await runScript('ensure-chromium.sh');
      }
      logger.info('images: building sandbox images that are missing or out of date');
      for (const profile of await listProfilesNeeded()) {
        const result = await ensureImage(profile, { mode: 'auto', force: false });
        if (!result.built) logger.info(`${result.image} is up to date`);
      }
      if (flags.model !== false) {
        const runtime = await ensureLlamaRuntime();
        if (runtime === 'installed') logger.info(`model runtime: node-llama-cpp and this platform's CPU binary installed into ${llamaRuntimeDir}`);
        logger.info(`model: the embedded model (SmolLM2-135M-Instruct) into ${join(cacheDir, 'models')}`);
        await runScript('fetch-model.sh');
      }
      logger.info('ready: try `npx ibench run` (an episode with the embedded model)');
    });
}
