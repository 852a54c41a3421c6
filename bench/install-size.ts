/**
 * Install size of the package as a user gets it: `npm pack`, then `npm install <tarball>` into an
 * empty folder, and `ibench setup`'s runtime of the embedded model (node-llama-cpp with this
 * platform's CPU binary only) — against node-llama-cpp installed the default way, with every GPU
 * backend its optional dependencies bring (what the package installed before it became an optional
 * peer dependency). Sizes are apparent bytes of every file, hard links once.
 *
 *   npm run build && npm run bench:install-size
 */
import { execa } from 'execa';
import { lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureLlamaRuntime } from '../src/models/llama-install.js';
import { LLAMA_RUNTIME_VERSION } from '../src/models/llama-runtime.js';

async function bytesUnder(dir: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const st = await lstat(path);
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    total += entry.isDirectory() ? await bytesUnder(path, seen) : st.size;
  }
  return total;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function emptyProject(root: string, name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  return dir;
}

const npmFlags = ['--no-audit', '--no-fund', '--loglevel=error'];
const root = await mkdtemp(join(tmpdir(), 'ibench-install-size-'));
try {
  await execa('npm', ['pack', '--ignore-scripts', '--pack-destination', root], { cwd: resolve('.') });
  const tarball = (await readdir(root)).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack wrote no tarball');
  const tarballBytes = (await lstat(join(root, tarball))).size;

  const app = await emptyProject(root, 'app');
  await execa('npm', ['install', ...npmFlags, join(root, tarball)], { cwd: app });
  const installBytes = await bytesUnder(join(app, 'node_modules'));

  const runtimeDir = join(root, 'runtime');
  await ensureLlamaRuntime(runtimeDir).catch(async () => undefined);
  // ensureLlamaRuntime does nothing when node-llama-cpp sits beside this checkout: install it apart.
  if ((await readdir(runtimeDir).catch(() => [])).length === 0) {
    await mkdir(runtimeDir, { recursive: true });
    await writeFile(join(runtimeDir, 'package.json'), JSON.stringify({ name: 'runtime', private: true, dependencies: { 'node-llama-cpp': LLAMA_RUNTIME_VERSION, [`@node-llama-cpp/${process.platform}-${process.arch}`]: LLAMA_RUNTIME_VERSION } }));
    await execa('npm', ['install', '--omit=optional', '--ignore-scripts', ...npmFlags], { cwd: runtimeDir });
  }
  const runtimeBytes = await bytesUnder(join(runtimeDir, 'node_modules'));

  const full = await emptyProject(root, 'full-llama');
  await execa('npm', ['install', '--ignore-scripts', ...npmFlags, `node-llama-cpp@${LLAMA_RUNTIME_VERSION}`], { cwd: full });
  const fullLlamaBytes = await bytesUnder(join(full, 'node_modules'));

  console.log(`npm pack tarball:                         ${mb(tarballBytes)}`);
  console.log(`npm install impossible-bench:             ${mb(installBytes)}`);
  console.log(`+ ibench setup's model runtime (CPU only): ${mb(runtimeBytes)}`);
  console.log(`node-llama-cpp with every GPU backend:    ${mb(fullLlamaBytes)} (what the install carried before)`);
  console.log(`ratio (package + runtime) / (package + full node-llama-cpp): ${((installBytes + runtimeBytes) / (installBytes + fullLlamaBytes)).toFixed(2)}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
