/**
 * dockerode, loaded without the two parts an episode never uses until it does: the BuildKit
 * session (gRPC and protobuf, only for `buildImage` with version 2) and docker-modem's ssh://
 * transport (ssh2, only for an ssh:// Docker host). Both are plain functions that dockerode and
 * docker-modem call; each is put into the CommonJS cache as a function that loads the real module
 * on its first call and hands the call on, so behaviour is unchanged and about half of dockerode's
 * loading time (the gRPC, protobuf and ssh2 packages) is paid only by the commands that need them.
 * The project's code makes its clients with DockerClient from here, never from 'dockerode' itself.
 */
import { createRequire, Module } from 'node:module';
import type DockerType from 'dockerode';

const requireHere = createRequire(import.meta.url);
const dockerodeMain = requireHere.resolve('dockerode');
const requireFromDockerode = createRequire(dockerodeMain);

/** The modules replaced by loaders: dockerode's BuildKit session and docker-modem's ssh transport. */
export const deferredModules: readonly string[] = [
  requireFromDockerode.resolve('./session.js'),
  createRequire(requireFromDockerode.resolve('docker-modem')).resolve('./ssh.js'),
];

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

function deferModule(path: string): void {
  if (requireHere.cache[path] !== undefined) return;
  let real: AnyFunction | undefined;
  const load = (): AnyFunction => {
    if (real === undefined) {
      // The stand-in leaves the cache, so that require loads and caches the real module.
      if (requireHere.cache[path]?.exports === deferred) delete requireHere.cache[path];
      const loaded: unknown = requireHere(path);
      if (typeof loaded !== 'function') throw new Error(`${path}: expected the module to export a function`);
      real = loaded as AnyFunction;
    }
    return real;
  };
  const deferred = function (this: unknown, ...args: unknown[]): unknown {
    return load().apply(this, args);
  };
  const stand = new Module(path);
  stand.filename = path;
  stand.loaded = true;
  stand.exports = deferred;
  requireHere.cache[path] = stand;
}

for (const path of deferredModules) deferModule(path);

/** dockerode's Docker class (its types: `import type Docker from 'dockerode'`). */
export const DockerClient = requireHere('dockerode') as typeof DockerType;
