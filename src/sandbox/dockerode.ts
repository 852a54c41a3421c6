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
import util from 'node:util';
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

/**
 * docker-modem formats every request for its debug log, `util.inspect(options, { showHidden: true,
 * depth: null })`, before it asks whether that log is on: about 0.1 ms of CPU per request, 30 ms in
 * an eval of ten episodes, for lines nobody sees. While its debug log is off, util.inspect answers
 * an empty string for the span of that synchronous call only (the log line is never written).
 */
function skipUnprintedRequestLog(): void {
  const requireFromModem = createRequire(requireFromDockerode.resolve('docker-modem'));
  const modem = requireFromModem('docker-modem') as { prototype: { buildRequest: AnyFunction } };
  const debug = requireFromModem('debug') as { enabled: (namespace: string) => boolean };
  const buildRequest = modem.prototype.buildRequest;
  const unprinted = (): string => '';
  modem.prototype.buildRequest = function (this: unknown, ...args: unknown[]): unknown {
    if (debug.enabled('modem')) return buildRequest.apply(this, args);
    const inspect = util.inspect;
    util.inspect = unprinted as unknown as typeof util.inspect;
    try {
      return buildRequest.apply(this, args);
    } finally {
      util.inspect = inspect;
    }
  };
}

skipUnprintedRequestLog();

/** dockerode's Docker class (its types: `import type Docker from 'dockerode'`). */
export const DockerClient = requireHere('dockerode') as typeof DockerType;
