/**
 * HeadStartFactory (src/sandbox/head-start.ts) on real Docker: the sandbox started ahead is handed
 * to the create() with the same profile and labels, fresh; any other create() gets a new one; one
 * that nothing took is removed by release().
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { HeadStartFactory } from '../src/sandbox/head-start.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile, type SandboxProfile } from '../src/sandbox/profile.js';

const docker = dockerClient();
const run = `head-start-${process.pid}-${Date.now()}`;
let profile: SandboxProfile;

async function containersOf(labels: Record<string, string>): Promise<string[]> {
  const filters = JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
  return (await docker.listContainers({ all: true, filters })).map((c) => c.Id);
}

beforeAll(async () => {
  profile = await loadSandboxProfile('python');
  await ensureImage(profile);
}, 900_000);

describe('HeadStartFactory', () => {
  it('hands the sandbox started ahead to the create() that matches it, fresh, and starts others anew', async () => {
    const factory = new HeadStartFactory(new DockerSandboxFactory(docker));
    const labels = { 'ibench.test': run, 'ibench.tests': 'pristine' };
    factory.startAhead(profile, labels);
    expect(() => factory.startAhead(profile, labels)).toThrow(/already started ahead/);
    const other = await factory.create(profile, { 'ibench.test': run, 'ibench.tests': 'agent' });
    const taken = await factory.create(profile, { ...labels });
    try {
      expect(await containersOf({ 'ibench.test': run })).toHaveLength(2);
      expect(taken.containerId).not.toBe(other.containerId);
      expect((await containersOf(labels))[0]).toBe(taken.containerId);
      // Nothing ran in it (no exec ever), and /work is empty.
      expect((await docker.getContainer(taken.containerId).inspect()).ExecIDs ?? []).toEqual([]);
      const fresh = await taken.exec('ls -A /work');
      expect(fresh.exitCode).toBe(0);
      expect(fresh.stdout.text).toBe('');
      // Taken once: the next create() with the same labels starts another.
      const third = await factory.create(profile, labels);
      expect(third.containerId).not.toBe(taken.containerId);
      await third.close();
      await factory.release();
      expect(await containersOf({ 'ibench.test': run })).toHaveLength(2);
    } finally {
      await other.close();
      await taken.close();
    }
    expect(await containersOf({ 'ibench.test': run })).toEqual([]);
  }, 120_000);

  it("never hands a sandbox started without the proxy's mount to a create() that asks for it (a CLI agent's)", async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const proxyDir = await mkdtemp(join(tmpdir(), 'ibench-head-start-'));
    const factory = new HeadStartFactory(new DockerSandboxFactory(docker));
    const labels = { 'ibench.test': `${run}-mount` };
    factory.startAhead(profile, labels);
    const asked = await factory.create(profile, labels, { proxyDir });
    try {
      const mounts = (await docker.getContainer(asked.containerId).inspect()).Mounts.map((m) => m.Destination);
      expect(mounts).toContain('/run/ibench-proxy');
      expect(await containersOf(labels)).toHaveLength(2);
    } finally {
      await asked.close();
      await factory.release();
      await rm(proxyDir, { recursive: true, force: true });
    }
    expect(await containersOf(labels)).toEqual([]);
  }, 120_000);

  it('removes a sandbox that nothing took on release()', async () => {
    const factory = new HeadStartFactory(new DockerSandboxFactory(docker));
    const labels = { 'ibench.test': `${run}-unused` };
    factory.startAhead(profile, labels);
    await factory.release();
    expect(await containersOf(labels)).toEqual([]);
    const volumes = await docker.listVolumes({ filters: JSON.stringify({ label: [`ibench.test=${run}-unused`] }) });
    expect(volumes.Volumes ?? []).toEqual([]);
  }, 120_000);
});
