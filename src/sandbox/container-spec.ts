import { cpus } from 'node:os';
import type Docker from 'dockerode';
import { parseSize, type SandboxProfile } from './profile.js';
import { PROXY_MOUNT } from './types.js';

/** The environment of a command run as the agent user or root (docker exec or a container's own process). */
export function userEnv(profile: SandboxProfile, user: 'agent' | 'root', extra?: Record<string, string>): string[] {
  const base: Record<string, string> =
    user === 'root'
      ? { HOME: '/root', USER: 'root', LOGNAME: 'root' }
      : { HOME: `/home/${profile.user.name}`, USER: profile.user.name, LOGNAME: profile.user.name };
  return Object.entries({ LANG: 'C.UTF-8', ...base, ...(extra ?? {}) }).map(([k, v]) => `${k}=${v}`);
}

export interface ContainerSpecOptions {
  name: string;
  labels: Record<string, string>;
  cmd: string[];
  /** uid:gid of the container's own process. */
  user: string;
  env: string[];
  /**
   * The workdir: a named tmpfs volume (docker cp reaches it, so a tree can be put in and copied
   * out), or a tmpfs mount of the container's own (no volume to make and remove; docker cp does not
   * see it, so whatever goes in goes through the container's own process).
   */
  work: { volume: string } | 'tmpfs';
  /** Host folder mounted read-only at PROXY_MOUNT (a CLI agent's route to its model). */
  proxyDir?: string;
  /** Keep stdin open for one attached client (the tree and the command of a one-shot run). */
  stdin?: boolean;
}

/**
 * A sandbox container of the profile: no network, no capabilities, no new privileges, a read-only
 * root, limits on memory, processes and CPU, tmpfs for /tmp, the home folder and the workdir, an
 * init process that reaps orphans.
 */
export function containerSpec(profile: SandboxProfile, options: ContainerSpecOptions): Docker.ContainerCreateOptions {
  const { uid, gid } = profile.user;
  const home = `/home/${profile.user.name}`;
  const memory = parseSize(profile.limits.memory);
  const localCpus = cpus().length;
  const nanoCpus = Math.round(Math.min(profile.limits.cpus, localCpus > 0 ? localCpus : profile.limits.cpus) * 1e9);
  const tmpfs: Record<string, string> = {
    '/tmp': `rw,exec,nosuid,nodev,size=${parseSize(profile.limits.tmp)},mode=1777`,
    [home]: `rw,exec,nosuid,nodev,size=${parseSize(profile.limits.home)},uid=${uid},gid=${gid},mode=0755`,
  };
  if (options.work === 'tmpfs') tmpfs[profile.workdir] = `rw,exec,nosuid,nodev,size=${parseSize(profile.limits.work)},uid=${uid},gid=${gid},mode=0755`;
  return {
    name: options.name,
    Image: profile.image,
    Cmd: options.cmd,
    User: options.user,
    WorkingDir: profile.workdir,
    Env: options.env,
    Labels: options.labels,
    NetworkDisabled: true,
    ...(options.stdin === true ? { OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false } : {}),
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: profile.limits.pids,
      NanoCpus: nanoCpus,
      Init: true,
      Tmpfs: tmpfs,
      Mounts: [
        ...(options.work === 'tmpfs' ? [] : [{ Type: 'volume' as const, Source: options.work.volume, Target: profile.workdir }]),
        ...(options.proxyDir === undefined ? [] : [{ Type: 'bind' as const, Source: options.proxyDir, Target: PROXY_MOUNT, ReadOnly: true }]),
      ],
    },
  };
}
