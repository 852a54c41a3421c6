import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../util/errors.js';
import { LLAMA_RUNTIME_VERSION, llamaBesidePackage, llamaBinaryPackage, llamaRuntimeDir, runtimeEntry } from './llama-runtime.js';

export type RuntimeInstall = 'beside-package' | 'present' | 'installed';

/**
 * Makes node-llama-cpp loadable for the embedded model: nothing to do when it sits beside the package
 * (a source checkout installs it as a dev dependency); otherwise npm installs node-llama-cpp and this
 * platform's CPU binary alone (optional dependencies omitted: no GPU backends) into the runtime folder.
 */
export async function ensureLlamaRuntime(dir: string = llamaRuntimeDir): Promise<RuntimeInstall> {
  if (await llamaBesidePackage()) return 'beside-package';
  const binary = llamaBinaryPackage();
  if (binary === null) throw new HarnessError(`the embedded model has no prebuilt llama.cpp binary for ${process.platform}-${process.arch}; use an API model or --model scripted:<file>`);
  const entry = runtimeEntry(dir);
  if (entry !== null) {
    const present = await execa('node', ['-e', `import(${JSON.stringify(entry)}).then(() => {}, () => process.exit(1))`], { reject: false });
    if (present.exitCode === 0) return 'present';
  }
  await mkdir(dir, { recursive: true });
  const manifest = { name: 'ibench-llama-runtime', private: true, dependencies: { 'node-llama-cpp': LLAMA_RUNTIME_VERSION, [binary]: LLAMA_RUNTIME_VERSION } };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = await execa(npm, ['install', '--omit=optional', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: dir, reject: false, all: true });
  if (r.exitCode !== 0) {
    const last = (r.all ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new HarnessError(`npm could not install node-llama-cpp@${LLAMA_RUNTIME_VERSION} and ${binary} into ${dir} (exit ${String(r.exitCode)}): ${last}`);
  }
  if (runtimeEntry(dir) === null) throw new HarnessError(`npm finished but node-llama-cpp is not in ${dir}/node_modules`);
  return 'installed';
}
