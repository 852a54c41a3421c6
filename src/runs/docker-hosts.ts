import Docker from 'dockerode';
import { DockerSandboxFactory } from '../sandbox/docker-sandbox.js';
import { assertDockerReachable } from '../sandbox/docker.js';
import { HarnessError, UsageError, errorMessage } from '../util/errors.js';

export interface DockerHost {
  /** As the user wrote it, e.g. unix:///var/run/docker.sock or ssh://me@gpu-box. */
  name: string;
  docker: Docker;
  factory: DockerSandboxFactory;
  capacity: number;
  active: number;
  down: string | null;
}

/** A --docker-host value as a dockerode client: unix:///path, tcp://host:port, ssh://[user@]host[:port]. */
export function dockerForHost(spec: string): Docker {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UsageError(`--docker-host: "${spec}" is not unix:///path, tcp://host:port or ssh://user@host`);
  }
  switch (url.protocol) {
    case 'unix:':
      return new Docker({ socketPath: url.pathname });
    case 'tcp:':
    case 'http:':
      return new Docker({ protocol: 'http', host: url.hostname, port: Number(url.port === '' ? 2375 : url.port) });
    case 'https:':
      return new Docker({ protocol: 'https', host: url.hostname, port: Number(url.port === '' ? 2376 : url.port) });
    case 'ssh:':
      return new Docker({
        protocol: 'ssh',
        host: url.hostname,
        port: Number(url.port === '' ? 22 : url.port),
        ...(url.username === '' ? {} : { username: url.username }),
      });
    default:
      throw new UsageError(`--docker-host: unsupported scheme "${url.protocol}" in "${spec}"; use unix://, tcp:// or ssh://`);
  }
}

/**
 * The Docker hosts of a run. Episodes go to the host with the most free capacity; a host that
 * stops answering is taken out and its episodes retried elsewhere.
 */
export class HostPool {
  private readonly waiters: (() => void)[] = [];

  constructor(readonly hosts: DockerHost[]) {
    if (hosts.length === 0) throw new UsageError('no Docker host to run on');
  }

  static fromSpecs(specs: string[], capacity: number): HostPool {
    const docker = specs.length === 0 ? [{ name: process.env.DOCKER_HOST ?? 'local', docker: new Docker() }] : specs.map((s) => ({ name: s, docker: dockerForHost(s) }));
    return new HostPool(docker.map((d) => ({ ...d, factory: new DockerSandboxFactory(d.docker), capacity, active: 0, down: null })));
  }

  get up(): DockerHost[] {
    return this.hosts.filter((h) => h.down === null);
  }

  /** Pings every host; those that do not answer are taken out. Throws when none is left. */
  async checkAll(): Promise<void> {
    await Promise.all(
      this.hosts.map(async (h) => {
        try {
          await assertDockerReachable(h.docker);
        } catch (err) {
          this.markDown(h, errorMessage(err));
        }
      }),
    );
    if (this.up.length === 0) throw new HarnessError(`no Docker host can be reached: ${this.hosts.map((h) => `${h.name}: ${h.down ?? ''}`).join('; ')}`);
  }

  /** Waits for a free slot on the least loaded host that is up. */
  async acquire(): Promise<{ host: DockerHost; release: () => void }> {
    for (;;) {
      const up = this.up;
      if (up.length === 0) throw new HarnessError(`every Docker host is down: ${this.hosts.map((h) => `${h.name}: ${h.down ?? ''}`).join('; ')}`);
      const free = up.filter((h) => h.active < h.capacity).sort((a, b) => a.active / a.capacity - b.active / b.capacity);
      const host = free[0];
      if (host !== undefined) {
        host.active += 1;
        let released = false;
        return {
          host,
          release: () => {
            if (released) return;
            released = true;
            host.active -= 1;
            this.waiters.shift()?.();
          },
        };
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  markDown(host: DockerHost, reason: string): void {
    if (host.down !== null) return;
    host.down = reason;
    // Wake every waiter: some may now have to fail, others go to the hosts still up.
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** After a failed episode: is its host still answering? If not, it is taken out. */
  async stillUp(host: DockerHost): Promise<boolean> {
    try {
      await assertDockerReachable(host.docker, 5000);
      return true;
    } catch (err) {
      this.markDown(host, errorMessage(err));
      return false;
    }
  }
}
