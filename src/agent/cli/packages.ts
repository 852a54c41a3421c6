/**
 * The npm packages a CLI agent's image is made from: fetched on the host with `npm pack`, checked
 * against the adapter's pinned integrity (the registry's sha512), kept in the harness's cache so a
 * second build needs no network. The same steps as docker/node/fetch.sh, for the agents' pins.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { HarnessError } from '../../util/errors.js';
import { logger } from '../../util/log.js';
import { cacheDir } from '../../util/paths.js';
import type { PinnedPackage } from './adapter.js';

export const agentPackagesDir = join(cacheDir, 'agent-packages');

/** The file a pinned tarball is kept in: @scope/name 1.2.3 -> scope-name-1.2.3.tgz (as lib.sh names it). */
export function tarballName(pkg: PinnedPackage): string {
  return `${pkg.name.replace(/^@/, '').replaceAll('/', '-')}-${pkg.version}.tgz`;
}

/** Whether the file's sha512 is the one of `integrity` (sha512-<base64>). */
export async function integrityMatches(file: string, integrity: string): Promise<boolean> {
  if (!integrity.startsWith('sha512-')) throw new HarnessError(`unsupported integrity "${integrity}" (expected sha512-...)`);
  const hash = createHash('sha512');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    return false;
  }
  return hash.digest('base64') === integrity.slice('sha512-'.length);
}

/** The verified tarball of a pinned package: from the cache, or fetched with `npm pack` into it. */
export async function fetchPinnedPackage(pkg: PinnedPackage, dir = agentPackagesDir): Promise<string> {
  const file = join(dir, tarballName(pkg));
  if (await integrityMatches(file, pkg.integrity)) return file;
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(join(dir, '.fetch-'));
  try {
    logger.info(`fetching ${pkg.name}@${pkg.version} (npm pack)`);
    const packed = await execa('npm', ['pack', '--silent', `${pkg.name}@${pkg.version}`], { cwd: tmp, reject: false, all: true });
    if (packed.exitCode !== 0) {
      throw new HarnessError(`npm pack ${pkg.name}@${pkg.version} failed (is the npm registry reachable?): ${(packed.all ?? '').trim().split('\n').slice(-3).join(' ')}`);
    }
    const tgz = (await readdir(tmp)).find((f) => f.endsWith('.tgz'));
    if (tgz === undefined || !(await integrityMatches(join(tmp, tgz), pkg.integrity))) {
      throw new HarnessError(`${pkg.name}@${pkg.version} from the registry does not match its pinned integrity ${pkg.integrity}`);
    }
    await rename(join(tmp, tgz), file);
    return file;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
