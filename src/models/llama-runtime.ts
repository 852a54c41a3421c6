import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as NodeLlamaCpp from 'node-llama-cpp';
import { HarnessError, errorMessage } from '../util/errors.js';
import { cacheDir } from '../util/paths.js';

export type LlamaModule = typeof NodeLlamaCpp;

/** The version of node-llama-cpp the embedded model is run with (package.json pins the same). */
export const LLAMA_RUNTIME_VERSION = '3.21.1';

/**
 * Where `ibench setup` installs node-llama-cpp and only this platform's CPU binary when the package
 * was installed without it: node-llama-cpp is an optional peer dependency, because its optional
 * dependencies bring every GPU backend (about 680 MB) to users who run the 135M model on a CPU.
 */
export const llamaRuntimeDir = join(cacheDir, 'runtime');

/** The npm package of node-llama-cpp's prebuilt binary for this platform (CPU build). */
export function llamaBinaryPackage(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | null {
  if (platform === 'linux' && ['x64', 'arm64', 'armv7l', 'riscv64'].includes(arch)) return `@node-llama-cpp/linux-${arch}`;
  if (platform === 'darwin' && arch === 'arm64') return '@node-llama-cpp/mac-arm64-metal';
  if (platform === 'darwin' && arch === 'x64') return '@node-llama-cpp/mac-x64';
  if (platform === 'win32' && (arch === 'x64' || arch === 'arm64')) return `@node-llama-cpp/win-${arch}`;
  return null;
}

function isModuleNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** The entry file of node-llama-cpp in the runtime folder, or null when it is not installed there. */
export function runtimeEntry(dir: string = llamaRuntimeDir): string | null {
  const pkgDir = join(dir, 'node_modules', 'node-llama-cpp');
  const manifest = join(pkgDir, 'package.json');
  if (!existsSync(manifest)) return null;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { main?: unknown };
  return join(pkgDir, typeof pkg.main === 'string' ? pkg.main : 'dist/index.js');
}

/** Whether node-llama-cpp can be imported beside this package (a source checkout, or a user install). */
export async function llamaBesidePackage(): Promise<boolean> {
  try {
    await import('node-llama-cpp');
    return true;
  } catch (err) {
    if (isModuleNotFound(err)) return false;
    throw err;
  }
}

let modulePromise: Promise<LlamaModule> | undefined;

/** node-llama-cpp, from beside the package or else from the runtime folder `ibench setup` fills. */
export function llamaModule(): Promise<LlamaModule> {
  modulePromise ??= (async () => {
    try {
      return await import('node-llama-cpp');
    } catch (err) {
      if (!isModuleNotFound(err)) throw new HarnessError(`cannot load node-llama-cpp: ${errorMessage(err)}`);
    }
    const entry = runtimeEntry();
    if (entry === null) {
      throw new HarnessError(`the embedded model's runtime (node-llama-cpp) is not installed: run \`npx ibench setup\` (it goes to ${llamaRuntimeDir})`);
    }
    return (await import(pathToFileURL(entry).href)) as LlamaModule;
  })();
  modulePromise.catch(() => {
    modulePromise = undefined;
  });
  return modulePromise;
}
