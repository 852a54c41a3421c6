import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type Docker from 'dockerode';
import { DockerClient } from '../sandbox/dockerode.js';
import { DockerSandboxFactory } from '../sandbox/docker-sandbox.js';
import { assertDockerReachable, dockerWhere } from '../sandbox/docker.js';
import { buildHash, copyImage, ensureImage, imageIsCurrent } from '../sandbox/images.js';
import type { SandboxProfile } from '../sandbox/profile.js';
import { HarnessError, UsageError, errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';

export interface DockerHost {
  /** As the user wrote it, e.g. unix:///var/run/docker.sock or ssh://me@gpu-box. */
  name: string;
  /** The address for the docker CLI (DOCKER_HOST); undefined for the default daemon. */
  address?: string;
  docker: Docker;
  /**
   * The same daemon through a client that opens a new connection for every request: a daemon
   * shutting down stops accepting connections but still answers on the open keep-alive ones
   * (with errors such as "database not open"), so only a fresh connection tells it is going.
   */
  probe?: Docker;
  factory: DockerSandboxFactory;
  capacity: number;
  active: number;
  down: string | null;
}

/** docker-modem takes an http(s) agent; @types/dockerode does not list it. */
type ClientOptions = Docker.DockerOptions & { agent?: HttpAgent };

/** Client options that make every request open its own connection (no keep-alive). */
export function freshConnections(https = false): ClientOptions {
  return { agent: https ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false }) };
}

/**
 * A --docker-host value as a dockerode client: unix:///path, tcp://host:port, ssh://[user@]host[:port].
 * `fresh`: every request on a connection of its own (see DockerHost.probe).
 */
export function dockerForHost(spec: string, fresh = false): Docker {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UsageError(`--docker-host: "${spec}" is not unix:///path, tcp://host:port or ssh://user@host`);
  }
  const client = (options: ClientOptions): Docker => new DockerClient(options);
  switch (url.protocol) {
    case 'unix:':
      return client({ socketPath: url.pathname, ...(fresh ? freshConnections() : {}) });
    case 'tcp:':
    case 'http:':
      return client({ protocol: 'http', host: url.hostname, port: Number(url.port === '' ? 2375 : url.port), ...(fresh ? freshConnections() : {}) });
    case 'https:':
      return client({ protocol: 'https', host: url.hostname, port: Number(url.port === '' ? 2376 : url.port), ...(fresh ? freshConnections(true) : {}) });
    case 'ssh:':
      return new DockerClient({
        protocol: 'ssh',
        host: url.hostname,
        port: Number(url.port === '' ? 22 : url.port),
        ...(url.username === '' ? {} : { username: url.username }),
      });
    default:
      throw new UsageError(`--docker-host: unsupported scheme "${url.protocol}" in "${spec}"; use unix://, tcp:// or ssh://`);
  }
}

/** How a host came to have a profile's image (see HostPool.ensureImages). */
export type ImageSource = 'present' | 'built' | 'copied';

/**
 * The Docker hosts of a run. Episodes go to the host with the most free capacity; a host that
 * stops answering is taken out and its episodes retried elsewhere.
 */
export class HostPool {
  private readonly waiters: (() => void)[] = [];
  private readonly downListeners = new Set<(host: DockerHost) => void>();

  constructor(readonly hosts: DockerHost[]) {
    if (hosts.length === 0) throw new UsageError('no Docker host to run on');
  }

  static fromSpecs(specs: string[], capacity: number): HostPool {
    const tls = process.env.DOCKER_TLS_VERIFY === '1' || /:2376\/?$/.test(process.env.DOCKER_HOST ?? '');
    const docker: { name: string; address?: string; docker: Docker; probe: Docker }[] =
      specs.length === 0
        ? [{ name: process.env.DOCKER_HOST ?? 'local', docker: new DockerClient(), probe: new DockerClient(freshConnections(tls)) }]
        : specs.map((s) => ({ name: s, address: s, docker: dockerForHost(s), probe: dockerForHost(s, true) }));
    return new HostPool(docker.map((d) => ({ ...d, factory: new DockerSandboxFactory(d.docker), capacity, active: 0, down: null })));
  }

  get up(): DockerHost[] {
    return this.hosts.filter((h) => h.down === null);
  }

  /** Calls `listener` once for every host taken out from now on; returns the unsubscribe. */
  onDown(listener: (host: DockerHost) => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /** Pings every host; those that do not answer are taken out. Throws when none is left. */
  async checkAll(): Promise<void> {
    await Promise.all(
      this.hosts.map(async (h) => {
        try {
          await assertDockerReachable(h.probe ?? h.docker, undefined, h.address ?? dockerWhere());
        } catch (err) {
          this.markDown(h, errorMessage(err));
        }
      }),
    );
    this.assertSomeUp('no Docker host can be reached');
  }

  private assertSomeUp(what = 'every Docker host is down'): void {
    if (this.up.length === 0) throw new HarnessError(`${what}: ${this.hosts.map((h) => `${h.name}: ${h.down ?? ''}`).join('; ')}`);
  }

  /** Waits for a free slot on the least loaded host that is up. */
  async acquire(): Promise<{ host: DockerHost; release: () => void }> {
    for (;;) {
      this.assertSomeUp();
      const free = this.up.filter((h) => h.active < h.capacity).sort((a, b) => a.active / a.capacity - b.active / b.capacity);
      const host = free[0];
      if (host !== undefined) return { host, release: this.take(host) };
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * A second slot on `host` for a moment (an episode's as-left test run beside its pristine one),
   * only when one is free now and no episode is waiting for one; else null, and nothing is held.
   */
  tryAcquire(host: DockerHost): (() => void) | null {
    if (host.down !== null || host.active >= host.capacity || this.waiters.length > 0) return null;
    return this.take(host);
  }

  /** Holds one slot of `host`; the release (once) frees it and wakes the first waiter. */
  private take(host: DockerHost): () => void {
    host.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      host.active -= 1;
      this.waiters.shift()?.();
    };
  }

  /** Takes a host out (once; later calls do nothing) and tells the listeners. */
  markDown(host: DockerHost, reason: string): void {
    if (host.down !== null) return;
    host.down = reason;
    logger.debug(`Docker host ${host.name} is down: ${reason}`);
    for (const listener of this.downListeners) listener(host);
    // Wake every waiter: some may now have to fail, others go to the hosts still up.
    for (const wake of this.waiters.splice(0)) wake();
  }

  /**
   * After a failed episode: is its host still answering? Three pings a second apart, so that one
   * slow answer on a loaded machine does not take a live host out; if none answers, it is taken out.
   */
  async stillUp(host: DockerHost, tries = 3): Promise<boolean> {
    if (host.down !== null) return false;
    let reason = '';
    for (let i = 0; i < tries; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
      if (host.down !== null) return false;
      try {
        await assertDockerReachable(host.probe ?? host.docker, 5000);
        return true;
      } catch (err) {
        reason = errorMessage(err);
      }
    }
    this.markDown(host, reason);
    return false;
  }

  /**
   * Makes every host that is up have each profile's image, up to date (its build-hash label).
   * A host that lacks it gets a copy from a host that has it (docker save | load: faster than a
   * build, and offline); only when no host has it, or the copy fails, is it built there. A host
   * that stops answering meanwhile is taken out. Returns how each host came to have each image.
   */
  async ensureImages(profiles: readonly SandboxProfile[]): Promise<Map<string, Map<string, ImageSource>>> {
    const sources = new Map<string, Map<string, ImageSource>>();
    for (const profile of profiles) {
      const byHost = new Map<string, ImageSource>();
      sources.set(profile.image, byHost);
      const hash = await buildHash(profile);
      const current: DockerHost[] = [];
      const lacking: DockerHost[] = [];
      await Promise.all(
        this.up.map(async (host) => {
          const ok = await this.onHost(host, () => imageIsCurrent(profile, host.docker));
          if (ok === true) {
            current.push(host);
            byHost.set(host.name, 'present');
          } else if (ok === false) {
            lacking.push(host);
          }
        }),
      );
      // Keep the order of the hosts as given: the first one builds when none has the image.
      lacking.sort((a, b) => this.hosts.indexOf(a) - this.hosts.indexOf(b));
      for (const host of lacking) {
        if (host.down !== null) continue;
        let how: ImageSource | undefined;
        for (const from of current) {
          if (how !== undefined || host.down !== null || from.down !== null) continue;
          const started = Date.now();
          logger.info(`copying ${profile.image} (${hash}) from ${from.name} to ${host.name}`);
          try {
            await copyImage(from.docker, host.docker, profile.image);
            if (await imageIsCurrent(profile, host.docker)) {
              how = 'copied';
              logger.info(`copied ${profile.image} to ${host.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
            } else {
              logger.warn(`the copy of ${profile.image} on ${host.name} does not carry ${hash}`);
            }
          } catch (err) {
            // Whichever end stopped answering is taken out; with the source gone, try another.
            const [targetUp] = await Promise.all([this.stillUp(host), this.stillUp(from)]);
            if (targetUp) logger.warn(`cannot copy ${profile.image} from ${from.name} to ${host.name}: ${errorMessage(err)}`);
          }
        }
        if (host.down !== null) continue;
        if (how === undefined) {
          if (current.length > 0) logger.warn(`building ${profile.image} on ${host.name} instead`);
          const built = await this.onHost(host, () =>
            ensureImage(profile, { docker: host.docker, ...(host.address === undefined ? {} : { dockerHost: host.address }) }),
          );
          if (built === undefined) continue;
          how = built.built ? 'built' : 'present';
        }
        byHost.set(host.name, how);
        current.push(host);
      }
    }
    this.assertSomeUp();
    return sources;
  }

  /**
   * Runs fn against one host. When it fails and the host no longer answers, the host is taken out
   * and undefined returned; when the host still answers, the error is the caller's.
   */
  async onHost<T>(host: DockerHost, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (await this.stillUp(host)) throw err;
      return undefined;
    }
  }
}
