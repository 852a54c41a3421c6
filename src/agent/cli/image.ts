/**
 * A CLI agent's image: the task's sandbox image with the adapter's pinned npm packages unpacked
 * into /opt/ibench/agents/<agent>/node_modules/<package>/ and the in-container forwarder. Built
 * offline: a container of the base image gets the verified tarballs, unpacks them as root without
 * network, and is committed. The image carries a build hash (pins, forwarder, base image id), so it
 * is rebuilt only when one of them changes.
 */
import { createHash } from 'node:crypto';
import { link, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { HarnessError } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import { cacheDir } from '../../util/paths.js';
import { shellQuote } from '../../util/shell-quote.js';
import { ownerLabels } from '../../sandbox/docker-sandbox.js';
import { dockerClient, dockerMessage, dockerStatus } from '../../sandbox/docker.js';
import { BUILD_HASH_LABEL, ensureImage, runToCompletion, withBuildLock } from '../../sandbox/images.js';
import type { SandboxProfile } from '../../sandbox/profile.js';
import type { CliAgentAdapter } from './adapter.js';
import { FORWARDER_PATH, FORWARDER_SOURCE } from './forwarder.js';
import { fetchPinnedPackage } from './packages.js';

/** Changes when buildAgentImage changes what it leaves in an image (part of the build hash). */
const AGENT_IMAGE_RECIPE = 'agent-image 1';
const STAGE = '/tmp/ibench-agent-build';

export const AGENT_LABEL = 'ibench.agent';

/** Where an agent's packages are unpacked in its image. */
export function agentRoot(agentName: string): string {
  return `/opt/ibench/agents/${agentName}`;
}

/** The agent's executable in its image. */
export function agentBin(adapter: CliAgentAdapter): string {
  return `${agentRoot(adapter.name)}/${adapter.install.bin}`;
}

/** The agent image's name for a profile: ibench-python:latest + claude-code -> ibench-python-claude-code:latest. */
export function agentImageName(profile: SandboxProfile, agentName: string): string {
  const colon = profile.image.lastIndexOf(':');
  const repo = colon > profile.image.lastIndexOf('/') ? profile.image.slice(0, colon) : profile.image;
  return `${repo}-${agentName}:latest`;
}

export function agentBuildHash(adapter: CliAgentAdapter, baseImageId: string): string {
  const hash = createHash('sha256');
  hash.update(`${AGENT_IMAGE_RECIPE}\0${adapter.name}\0${adapter.install.bin}\0`);
  for (const p of adapter.install.packages) hash.update(`${p.name}\0${p.version}\0${p.integrity}\0`);
  hash.update(FORWARDER_SOURCE);
  hash.update(`\0${baseImageId}`);
  return hash.digest('hex').slice(0, 16);
}

export interface AgentImageResult {
  /** The profile with the agent image in place of its own (what the agent's sandbox is made from). */
  profile: SandboxProfile;
  built: boolean;
  hash: string;
}

async function labelOf(docker: Docker, image: string): Promise<{ id: string; hash: string | null } | undefined> {
  try {
    const info = await docker.getImage(image).inspect();
    return { id: info.Id, hash: info.Config.Labels?.[BUILD_HASH_LABEL] ?? null };
  } catch (err) {
    if (dockerStatus(err) === 404) return undefined;
    throw new HarnessError(`cannot inspect image ${image}: ${dockerMessage(err)}`);
  }
}

/**
 * Makes sure the agent image of `profile` exists and is current (building the profile's own image
 * first when it lacks it); builds it otherwise.
 */
export async function ensureAgentImage(
  profile: SandboxProfile,
  adapter: CliAgentAdapter,
  options: { docker?: Docker; force?: boolean } = {},
): Promise<AgentImageResult> {
  const docker = options.docker ?? dockerClient();
  await ensureImage(profile, { docker });
  const base = await labelOf(docker, profile.image);
  if (base === undefined) throw new HarnessError(`the image ${profile.image} of sandbox profile "${profile.name}" is missing`);
  const image = agentImageName(profile, adapter.name);
  const hash = agentBuildHash(adapter, base.id);
  const agentProfile: SandboxProfile = { ...profile, image };
  const current = async (): Promise<boolean> => options.force !== true && (await labelOf(docker, image))?.hash === hash;
  if (await current()) return { profile: agentProfile, built: false, hash };
  return withBuildLock(image, async () => {
    if (await current()) return { profile: agentProfile, built: false, hash };
    const previous = await labelOf(docker, image);
    await buildAgentImage(docker, adapter, base.id, image, hash);
    // The image this one replaces is untagged now: removed unless a container still uses it.
    if (previous !== undefined) await docker.getImage(previous.id).remove().catch(() => undefined);
    return { profile: agentProfile, built: true, hash };
  });
}

async function buildAgentImage(docker: Docker, adapter: CliAgentAdapter, baseId: string, image: string, hash: string): Promise<void> {
  const started = Date.now();
  const tarballs = [];
  for (const pkg of adapter.install.packages) tarballs.push(await fetchPinnedPackage(pkg));
  logger.info(`building ${image} (${adapter.install.packages.map((p) => `${p.name}@${p.version}`).join(', ')})`);

  // The build context: the tarballs (hard links into the cache) and the forwarder, in one folder.
  await mkdir(cacheDir, { recursive: true });
  const stage = await mkdtemp(join(cacheDir, '.agent-build-'));
  const root = agentRoot(adapter.name);
  const steps = ['set -e', `mkdir -p ${shellQuote(root)}`];
  try {
    await mkdir(join(stage, 'ibench-agent-build'));
    for (const [i, tgz] of tarballs.entries()) {
      const dest = join(stage, 'ibench-agent-build', `${i}.tgz`);
      await link(tgz, dest).catch(() => copyFile(tgz, dest));
      const dir = `${root}/node_modules/${adapter.install.packages[i]?.name ?? String(i)}`;
      steps.push(`mkdir -p ${shellQuote(dir)}`, `tar -xzf ${STAGE}/${i}.tgz -C ${shellQuote(dir)} --strip-components=1 --no-same-owner`);
    }
    await writeFile(join(stage, 'ibench-agent-build', 'forwarder.cjs'), FORWARDER_SOURCE);
    steps.push(
      `install -D -m 0644 ${STAGE}/forwarder.cjs ${FORWARDER_PATH}`,
      'chmod -R a+rX,go-w /opt/ibench',
      `test -x ${shellQuote(agentBin(adapter))}`,
      `rm -rf ${STAGE}`,
      'chmod 1777 /tmp',
    );

    const baseInfo = await docker.getImage(baseId).inspect();
    const container = await docker.createContainer({
      Image: baseId,
      User: '0:0',
      Cmd: ['bash', '-c', steps.join('\n')],
      Labels: ownerLabels(),
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      const archive = execa('tar', ['-c', '-C', stage, 'ibench-agent-build'], { buffer: false, stdout: 'pipe' });
      if (archive.stdout === null) throw new HarnessError('cannot read the build archive');
      await container.putArchive(archive.stdout, { path: '/tmp' });
      await archive;
      await runToCompletion(container, `building ${image}`, 10);
      const colon = image.lastIndexOf(':');
      const cmd = baseInfo.Config.Cmd ?? ['bash'];
      await container.commit({
        repo: image.slice(0, colon),
        tag: image.slice(colon + 1),
        changes: [
          `LABEL ${BUILD_HASH_LABEL}=${hash}`,
          `LABEL ${AGENT_LABEL}=${adapter.name}`,
          'LABEL ibench.build-method=agent',
          // The build container's owner labels (which let a sweep reap it after a crash) are not the image's.
          ...Object.keys(ownerLabels()).map((k) => `LABEL ${k}=`),
          `CMD ${JSON.stringify(cmd)}`,
          `USER ${baseInfo.Config.User === '' || baseInfo.Config.User === undefined ? 'root' : baseInfo.Config.User}`,
        ],
      });
    } catch (err) {
      throw err instanceof HarnessError ? err : new HarnessError(`building ${image} failed: ${dockerMessage(err)}`);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  logger.info(`built ${image} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
