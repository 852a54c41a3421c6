import type { Command } from 'commander';
import { UsageError, errorMessage } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import type { ImageBuildMode } from '../../sandbox/images.js';

interface BuildFlags {
  offline?: boolean;
  dockerfile?: boolean;
  force?: boolean;
  agent?: string;
}

export function registerImages(program: Command): void {
  const images = program.command('images').description('sandbox images');
  images
    .command('build')
    .description('build the image of every sandbox profile the tasks need, skipping up-to-date ones')
    .option('--offline', 'build with debootstrap from the Debian mirror (no registry; needs root)')
    .option('--dockerfile', 'build from docker/<build>/Dockerfile (needs the base image or a registry)')
    .option('--force', 'rebuild even when the image is up to date')
    .option('--agent <name>', "also build a CLI agent's image on top of each (e.g. claude-code; fetches its pinned npm packages)")
    .action(async (flags: BuildFlags) => {
      // Loaded when the command runs, not at start-up (see main.ts).
      const { assertDockerReachable } = await import('../../sandbox/docker.js');
      const { ensureImage, listProfilesNeeded } = await import('../../sandbox/images.js');
      if (flags.offline === true && flags.dockerfile === true) {
        throw new UsageError('give at most one of --offline and --dockerfile');
      }
      const mode: ImageBuildMode = flags.offline === true ? 'offline' : flags.dockerfile === true ? 'dockerfile' : 'auto';
      const { cliAgentNames, loadCliAgent } = await import('../../agent/cli/registry.js');
      if (flags.agent !== undefined && !cliAgentNames.includes(flags.agent)) {
        throw new UsageError(`--agent: no CLI agent "${flags.agent}"; the agents are ${cliAgentNames.join(', ')}`);
      }
      const adapter = flags.agent === undefined ? null : await loadCliAgent(flags.agent);
      await assertDockerReachable();
      // For now every profile in sandboxes/ is needed; later only those the tasks name.
      const profiles = await listProfilesNeeded();
      let failed = 0;
      for (const profile of profiles) {
        try {
          const result = await ensureImage(profile, { mode, force: flags.force === true });
          if (!result.built) logger.info(`${result.image} is up to date`);
          if (adapter !== null) {
            const { ensureAgentImage } = await import('../../agent/cli/image.js');
            const agent = await ensureAgentImage(profile, adapter, { force: flags.force === true });
            if (!agent.built) logger.info(`${agent.profile.image} is up to date`);
          }
        } catch (err) {
          failed++;
          logger.error(`${profile.image} (profile ${profile.name}): ${errorMessage(err)}`);
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}
