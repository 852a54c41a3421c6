import { createHash } from 'node:crypto';
import { access, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { HarnessError, errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { pidAlive } from '../util/process.js';
import { cacheDir, dockerDir, sandboxesDir } from '../util/paths.js';
import { dockerClient, dockerMessage, dockerStatus } from './docker.js';
import { ownerLabels } from './docker-sandbox.js';
import { readTreeFromDir } from './file-tree.js';
import { loadSandboxProfile, type SandboxProfile } from './profile.js';
import { treeToTar } from './tar.js';

export type ImageBuildMode = 'auto' | 'dockerfile' | 'offline';

export interface EnsureImageOptions {
  /** auto: the Dockerfile when its base image is here or can be pulled, else the offline builder. */
  mode?: ImageBuildMode;
  /** Build even when the image is up to date. */
  force?: boolean;
  docker?: Docker;
  /** How long auto mode waits for a pull of the base image. Default 60 s. */
  pullTimeoutMs?: number;
  /**
   * The address of `docker` (unix://, tcp://, ssh://) when it is not the default daemon: the
   * offline builder calls the docker CLI, which is pointed there through DOCKER_HOST.
   */
  dockerHost?: string;
}

export interface EnsureImageResult {
  image: string;
  /** false when the image was already up to date. */
  built: boolean;
  method?: 'dockerfile' | 'offline';
  hash: string;
}

export const BUILD_HASH_LABEL = 'ibench.build-hash';
const OFFLINE_SCRIPT = 'build-offline.sh';
/** A build folder's optional download step: `fetch.sh DEST` puts pinned, verified files into DEST. */
const FETCH_SCRIPT = 'fetch.sh';
/**
 * A build folder's optional step on the root file system, `rootfs.sh ROOTFS DOWNLOADS`: the
 * Dockerfile runs it itself; after the offline build it is run in a container of the
 * debootstrapped image, which is then committed (so build-offline.sh stays the same for every image).
 */
const ROOTFS_SCRIPT = 'rootfs.sh';
/** Changes when runRootfsStep changes what it leaves in an image (it is part of the build hash). */
const ROOTFS_STEP_VERSION = 'rootfs-step 1';

/** The folder that builds a profile's image. */
export function buildDir(profile: SandboxProfile): string {
  return join(dockerDir, profile.build);
}

/**
 * A hash of what makes the image: every file of docker/<build>/, the offline builder and the
 * profile's user. An image whose label carries it is up to date.
 */
export async function buildHash(profile: SandboxProfile): Promise<string> {
  const hash = createHash('sha256');
  let tree;
  try {
    tree = await readTreeFromDir(buildDir(profile));
  } catch (err) {
    throw new HarnessError(`sandbox profile "${profile.name}": cannot read its build folder ${buildDir(profile)}: ${errorMessage(err)}`);
  }
  for (const path of [...tree.keys()].sort()) {
    const entry = tree.get(path);
    if (entry === undefined) continue;
    hash.update(`${path}\0${entry.kind}\0`);
    if (entry.kind === 'file') hash.update(entry.content);
    else if (entry.kind === 'symlink') hash.update(entry.target);
    hash.update('\0');
  }
  hash.update(await readFile(join(dockerDir, OFFLINE_SCRIPT)).catch(() => Buffer.alloc(0)));
  // How the offline build runs rootfs.sh (runRootfsStep) is part of what makes such an image.
  if (tree.has(ROOTFS_SCRIPT)) hash.update(`${ROOTFS_STEP_VERSION}\0`);
  hash.update(`user\0${profile.user.name}\0${profile.user.uid}\0${profile.user.gid}`);
  return hash.digest('hex').slice(0, 16);
}

/** The build-hash label of a local image, or undefined when the image is not here. */
async function imageHash(docker: Docker, image: string): Promise<string | null | undefined> {
  try {
    const info = await docker.getImage(image).inspect();
    return info.Config.Labels?.[BUILD_HASH_LABEL] ?? null;
  } catch (err) {
    if (dockerStatus(err) === 404) return undefined;
    throw new HarnessError(`cannot inspect image ${image}: ${dockerMessage(err)}`);
  }
}

export async function imageIsCurrent(profile: SandboxProfile, docker: Docker = dockerClient()): Promise<boolean> {
  return (await imageHash(docker, profile.image)) === (await buildHash(profile));
}

function baseImageOf(dockerfile: string): string | undefined {
  const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)/im.exec(dockerfile);
  return m?.[1];
}

async function imageExists(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Follows a pull or build stream to its end; rejects on the first error it reports. */
function followStream(docker: Docker, stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err) => (err ? reject(err) : resolve()),
      (event: unknown) => {
        if (typeof event !== 'object' || event === null) return;
        const e = event as { stream?: unknown; status?: unknown; error?: unknown; errorDetail?: unknown };
        if (typeof e.error === 'string') {
          reject(new Error(e.error));
          return;
        }
        const text = typeof e.stream === 'string' ? e.stream : typeof e.status === 'string' ? e.status : '';
        for (const line of text.split('\n')) if (line.trim() !== '') onLine(line.trimEnd());
      },
    );
  });
}

async function tryPull(docker: Docker, image: string, timeoutMs: number): Promise<boolean> {
  logger.info(`pulling ${image} (up to ${Math.round(timeoutMs / 1000)} s)`);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const stream = await docker.pull(image, { abortSignal: abort.signal });
    await followStream(docker, stream, (line) => logger.debug(`pull: ${line}`));
    return await imageExists(docker, image);
  } catch (err) {
    logger.info(`cannot pull ${image}: ${dockerMessage(err).split('\n')[0] ?? ''}`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function onPath(tool: string): Promise<boolean> {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      await access(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** What the offline builder lacks on this machine (empty when it can run). */
export async function offlineBuildMissing(): Promise<string[]> {
  const missing: string[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push('root (run as root, e.g. with sudo)');
  if (!(await onPath('debootstrap'))) missing.push('debootstrap (apt-get install -y debootstrap)');
  if (!(await onPath('docker'))) missing.push('the docker CLI (apt-get install -y docker.io)');
  return missing;
}

/**
 * Runs the build folder's fetch.sh, when it has one, into a cache folder kept between builds (the
 * script checks what is there against its pins, so a second build needs no network). Returns that
 * folder, or undefined when the build downloads nothing.
 */
async function fetchDownloads(profile: SandboxProfile): Promise<string | undefined> {
  const script = join(buildDir(profile), FETCH_SCRIPT);
  try {
    await access(script);
  } catch {
    return undefined;
  }
  const dest = join(cacheDir, 'image-downloads', profile.build);
  logger.info(`fetching what ${profile.image} needs into ${dest}`);
  // Loaded only to build (about 0.1 s of start-up that an episode does not need).
  const { execa } = await import('execa');
  const result = await execa('bash', [script, dest], { all: true, reject: false });
  if (result.exitCode !== 0) {
    throw new HarnessError(`fetching the downloads of ${profile.image} (${script}) failed (exit ${String(result.exitCode)}):\n${result.all}`);
  }
  return dest;
}

async function buildWithDockerfile(docker: Docker, profile: SandboxProfile, hash: string, downloads: string | undefined): Promise<void> {
  const dir = buildDir(profile);
  logger.info(`building ${profile.image} from ${join(dir, 'Dockerfile')}`);
  const tree = await readTreeFromDir(dir);
  if (downloads !== undefined) {
    // The fetched files go into the build context as downloads/ (the Dockerfile copies them).
    tree.set('downloads', { kind: 'dir', mode: 0o755 });
    for (const [path, entry] of await readTreeFromDir(downloads)) {
      if (!path.startsWith('.')) tree.set(`downloads/${path}`, entry);
    }
  }
  const context = await treeToTar(tree);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(Readable.from([context]), {
      t: profile.image,
      labels: { [BUILD_HASH_LABEL]: hash, 'ibench.build-method': 'dockerfile' },
      buildargs: {
        AGENT_USER: profile.user.name,
        AGENT_UID: String(profile.user.uid),
        AGENT_GID: String(profile.user.gid),
      },
      rm: true,
      forcerm: true,
    });
    await followStream(docker, stream, (line) => {
      if (/^Step \d+\/\d+/.test(line)) logger.info(line);
      else logger.debug(line);
    });
  } catch (err) {
    throw new HarnessError(`building ${profile.image} from its Dockerfile failed: ${dockerMessage(err)}`);
  }
}

async function buildOffline(profile: SandboxProfile, image: string, hash: string, dockerHost: string | undefined): Promise<void> {
  const missing = await offlineBuildMissing();
  if (missing.length > 0) {
    throw new HarnessError(`cannot build ${profile.image} offline: missing ${missing.join(', ')}`);
  }
  const script = join(dockerDir, OFFLINE_SCRIPT);
  logger.info(`building ${profile.image} offline with debootstrap (about a minute)`);
  const { execa } = await import('execa');
  const proc = execa('bash', [script, buildDir(profile), image, hash], {
    env: {
      AGENT_USER: profile.user.name,
      AGENT_UID: String(profile.user.uid),
      AGENT_GID: String(profile.user.gid),
      PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`,
      ...(dockerHost === undefined ? {} : { DOCKER_HOST: dockerHost }),
    },
    all: true,
    reject: false,
    buffer: { all: true },
    lines: false,
  });
  const tail: string[] = [];
  proc.all?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      if (/^I: Retrieving|^I: Validating|^I: Extracting|^I: Unpacking|^I: Configuring/.test(line)) {
        logger.debug(line);
      } else if (/^I: |^debootstrap |^importing |^built /.test(line)) {
        logger.info(line);
      } else {
        logger.debug(line);
      }
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  });
  const result = await proc;
  if (result.exitCode !== 0) {
    throw new HarnessError(`offline build of ${profile.image} failed (exit ${String(result.exitCode)}):\n${tail.join('\n')}`);
  }
}

async function hasRootfsStep(profile: SandboxProfile): Promise<boolean> {
  try {
    await access(join(buildDir(profile), ROOTFS_SCRIPT));
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a build container and waits for its command; a failure throws with the last `tailLines`
 * lines of its output.
 */
export async function runToCompletion(container: Docker.Container, what: string, tailLines: number): Promise<void> {
  const logs = await container.attach({ stream: true, stdout: true, stderr: true });
  const output: Buffer[] = [];
  logs.on('data', (chunk: Buffer) => output.push(chunk));
  await container.start();
  const result = (await container.wait()) as { StatusCode: number };
  if (result.StatusCode !== 0) {
    const text = Buffer.concat(output).toString('utf8').replace(/[\x00-\x08]/g, '');
    throw new HarnessError(`${what} failed (exit ${result.StatusCode}):\n${text.split('\n').slice(-tailLines).join('\n')}`);
  }
}

/**
 * The offline build's second half for a build folder with rootfs.sh: the build folder and the
 * downloads are put into a container of the debootstrapped image, rootfs.sh runs there as root on
 * "/" (no network), the folder is removed, and the container is committed as the profile's image
 * with the build-hash label.
 */
async function runRootfsStep(docker: Docker, profile: SandboxProfile, base: string, hash: string, downloads: string | undefined): Promise<void> {
  const stage = '/tmp/ibench-build';
  // rootfs.sh must leave the image as the Dockerfile's would: /tmp world-writable and sticky.
  const restoreTmp = 'chmod 1777 /tmp';
  const tree = await readTreeFromDir(buildDir(profile));
  tree.set('downloads', { kind: 'dir', mode: 0o755 });
  if (downloads !== undefined) {
    for (const [path, entry] of await readTreeFromDir(downloads)) if (!path.startsWith('.')) tree.set(`downloads/${path}`, entry);
  }
  logger.info(`running ${ROOTFS_SCRIPT} in ${base}`);
  const container = await docker.createContainer({
    Image: base,
    User: '0:0',
    Cmd: ['bash', '-c', `bash ${stage}/${ROOTFS_SCRIPT} / ${stage}/downloads && rm -rf ${stage} && ${restoreTmp}`],
    // A sweep reaps it when the build process dies before removing it.
    Labels: ownerLabels(),
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    // Put under /tmp, not with /tmp in the archive: that would give /tmp the archive's mode (not 1777).
    await container.putArchive(await treeToTar(tree, { prefix: 'ibench-build', uid: 0, gid: 0 }), { path: '/tmp' });
    await runToCompletion(container, `${ROOTFS_SCRIPT} of ${profile.image}`, 20);
    const [repo, tag] = splitImageName(profile.image);
    await container.commit({
      repo,
      tag,
      changes: [
        `LABEL ${BUILD_HASH_LABEL}=${hash}`,
        'LABEL ibench.build-method=offline',
        // The build container's owner labels are not the image's (its containers would inherit them).
        ...Object.keys(ownerLabels()).map((k) => `LABEL ${k}=`),
        'CMD ["bash"]',
        'USER root',
      ],
    });
  } catch (err) {
    throw err instanceof HarnessError ? err : new HarnessError(`${ROOTFS_SCRIPT} of ${profile.image} failed: ${dockerMessage(err)}`);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** `name:tag` as [name, tag] (a registry's port is part of the name). */
function splitImageName(image: string): [string, string] {
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon + 1)] : [image, 'latest'];
}

/**
 * A lock file per image, so that parallel processes (e.g. test workers) build an image once: the
 * others wait, then find it up to date. A lock whose owner died is taken over.
 */
export async function withBuildLock<T>(image: string, fn: () => Promise<T>, waitMs = 30 * 60_000): Promise<T> {
  await mkdir(cacheDir, { recursive: true });
  const path = join(cacheDir, `image-build-${image.replace(/[^A-Za-z0-9_.-]/g, '_')}.lock`);
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (!pidAlive(owner)) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new HarnessError(`gave up waiting for process ${owner} to build ${image} (lock ${path})`);
      if (!told) {
        logger.info(`waiting for process ${owner} to build ${image}`);
        told = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * Makes sure the image of a profile exists and matches docker/<build>/; builds it otherwise.
 */
export async function ensureImage(profile: SandboxProfile, options: EnsureImageOptions = {}): Promise<EnsureImageResult> {
  const docker = options.docker ?? dockerClient();
  const hash = await buildHash(profile);
  if (options.force !== true && (await imageHash(docker, profile.image)) === hash) {
    logger.debug(`${profile.image} is up to date (${hash})`);
    return { image: profile.image, built: false, hash };
  }
  return withBuildLock(profile.image, async () => {
    const current = await imageHash(docker, profile.image);
    if (options.force !== true && current === hash) return { image: profile.image, built: false, hash };
    return build(docker, profile, hash, current, options);
  });
}

async function build(
  docker: Docker,
  profile: SandboxProfile,
  hash: string,
  current: string | null | undefined,
  options: EnsureImageOptions,
): Promise<EnsureImageResult> {
  const mode = options.mode ?? 'auto';
  logger.info(
    current === undefined ? `${profile.image} is missing` : options.force === true ? `rebuilding ${profile.image}` : `${profile.image} is out of date`,
  );

  let method: 'dockerfile' | 'offline';
  if (mode === 'dockerfile' || mode === 'offline') {
    method = mode;
  } else {
    const dockerfile = await readFile(join(buildDir(profile), 'Dockerfile'), 'utf8').catch(() => undefined);
    const base = dockerfile === undefined ? undefined : baseImageOf(dockerfile);
    if (base === undefined) {
      method = 'offline';
    } else if (await imageExists(docker, base)) {
      method = 'dockerfile';
    } else {
      method = (await tryPull(docker, base, options.pullTimeoutMs ?? 60_000)) ? 'dockerfile' : 'offline';
      if (method === 'offline') {
        const missing = await offlineBuildMissing();
        if (missing.length > 0) {
          throw new HarnessError(
            `cannot build ${profile.image}: the base image ${base} cannot be pulled, and the offline builder needs ${missing.join(', ')}`,
          );
        }
      }
    }
  }
  const started = Date.now();
  const downloads = await fetchDownloads(profile);
  if (method === 'dockerfile') await buildWithDockerfile(docker, profile, hash, downloads);
  else if (!(await hasRootfsStep(profile))) await buildOffline(profile, profile.image, hash, options.dockerHost);
  else {
    const base = `ibench-build-base-${profile.build}:${hash}`;
    await buildOffline(profile, base, hash, options.dockerHost);
    try {
      await runRootfsStep(docker, profile, base, hash, downloads);
    } finally {
      await docker
        .getImage(base)
        .remove()
        .catch(() => undefined);
    }
  }
  if ((await imageHash(docker, profile.image)) !== hash) {
    throw new HarnessError(`built ${profile.image} but it does not carry the label ${BUILD_HASH_LABEL}=${hash}`);
  }
  logger.info(`built ${profile.image} (${method}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return { image: profile.image, built: true, method, hash };
}

/**
 * Copies an image from one daemon to another (docker save | docker load through the API): faster
 * than a build and needs no network. Resolves once the target has loaded it.
 */
export async function copyImage(from: Docker, to: Docker, image: string): Promise<void> {
  let source: NodeJS.ReadableStream;
  try {
    source = await from.getImage(image).get();
  } catch (err) {
    throw new HarnessError(`cannot export ${image}: ${dockerMessage(err)}`);
  }
  const sourceFailed = new Promise<never>((_, reject) => {
    source.on('error', (err: unknown) => reject(new HarnessError(`exporting ${image} failed: ${dockerMessage(err)}`)));
  });
  const loading = (async () => {
    const progress = await to.loadImage(source);
    await followStream(to, progress, (line) => logger.debug(`load: ${line}`));
  })();
  // Whichever loses the race below is handled here.
  sourceFailed.catch(() => undefined);
  loading.catch(() => undefined);
  try {
    await Promise.race([loading, sourceFailed]);
  } catch (err) {
    (source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    throw err instanceof HarnessError ? err : new HarnessError(`cannot load ${image}: ${dockerMessage(err)}`);
  }
}

/** Names of every profile file in sandboxes/. */
export async function listProfileNames(dir = sandboxesDir): Promise<string[]> {
  const files = await readdir(dir);
  return files
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * The profiles whose images are needed for the given profile names (default: every profile in
 * sandboxes/), one per image.
 */
export async function listProfilesNeeded(names?: readonly string[], dir = sandboxesDir): Promise<SandboxProfile[]> {
  const wanted = names === undefined ? await listProfileNames(dir) : [...new Set(names)];
  const byImage = new Map<string, SandboxProfile>();
  for (const name of wanted) {
    const profile = await loadSandboxProfile(name, dir);
    if (!byImage.has(profile.image)) byImage.set(profile.image, profile);
  }
  return [...byImage.values()];
}
