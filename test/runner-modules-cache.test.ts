/**
 * The runner-module probe's answer is kept across processes under the image's id: a fresh module
 * instance (as in a new process) reads it instead of starting a probe container; a damaged cache
 * file is ignored and the probe runs again. Real Docker (the python profile), two probe containers.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SandboxProfile } from '../src/sandbox/profile.js';
import { RecordingFactory } from './fixtures/inspect/recording-factory.js';

let cache: string;
let profile: SandboxProfile;
const previous = process.env.IBENCH_CACHE_DIR;

/** runner-modules.js as a new process would load it: an empty in-memory cache, cacheDir from the environment. */
async function freshRunnerModules(): Promise<typeof import('../src/inspect/runner-modules.js')> {
  vi.resetModules();
  return import('../src/inspect/runner-modules.js');
}

async function realFactory(): Promise<RecordingFactory> {
  const { DockerSandboxFactory } = await import('../src/sandbox/docker-sandbox.js');
  return new RecordingFactory(new DockerSandboxFactory());
}

beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'ibench-probe-cache-'));
  process.env.IBENCH_CACHE_DIR = cache;
  const { loadSandboxProfile } = await import('../src/sandbox/profile.js');
  const { ensureImage } = await import('../src/sandbox/images.js');
  profile = await loadSandboxProfile('python');
  await ensureImage(profile);
}, 900_000);

afterAll(async () => {
  if (previous === undefined) delete process.env.IBENCH_CACHE_DIR;
  else process.env.IBENCH_CACHE_DIR = previous;
  await rm(cache, { recursive: true, force: true });
});

describe('runner modules cached by image id', () => {
  it('probed once, then read from the cache by a new process; a damaged file is probed again', async () => {
    const first = await realFactory();
    const probed = await (await freshRunnerModules()).runnerModules(profile, first);
    expect(first.runs).toHaveLength(1);
    expect(first.runs[0]?.labels['ibench.probe']).toBe('runner-modules');
    expect(probed.has('_pytest')).toBe(true);
    const files = await readdir(join(cache, 'runner-modules'));
    expect(files).toHaveLength(1);
    const file = join(cache, 'runner-modules', files[0] ?? '');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual([...probed].sort());

    const second = await realFactory();
    const read = await (await freshRunnerModules()).runnerModules(profile, second);
    expect(second.runs).toHaveLength(0);
    expect([...read].sort()).toEqual([...probed].sort());

    await writeFile(file, JSON.stringify(['pytest', 'not a module; rm -rf /']));
    const third = await realFactory();
    const again = await (await freshRunnerModules()).runnerModules(profile, third);
    expect(third.runs).toHaveLength(1);
    expect([...again].sort()).toEqual([...probed].sort());
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual([...probed].sort());
  }, 180_000);
});
