/**
 * src/sandbox/dockerode.ts: dockerode without its BuildKit session (gRPC, protobuf) and ssh
 * transport (ssh2) until one of them is called; then the real module loads and does the work.
 */
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DockerClient, deferredModules } from '../src/sandbox/dockerode.js';
import { dockerClient } from '../src/sandbox/docker.js';

const require = createRequire(import.meta.url);

function loaded(fragment: string): string[] {
  return Object.keys(require.cache).filter((path) => path.includes(fragment));
}

describe('dockerode, loaded lazily', () => {
  it('talks to the daemon without loading ssh2, gRPC or protobuf', async () => {
    expect(deferredModules).toHaveLength(2);
    await dockerClient().ping();
    expect(loaded('/node_modules/ssh2/')).toEqual([]);
    expect(loaded('/node_modules/@grpc/')).toEqual([]);
    expect(loaded('/node_modules/protobufjs/')).toEqual([]);
  });

  it('loads the ssh transport on the first request to an ssh:// host, and uses it', async () => {
    // A local TCP server that speaks no SSH: ssh2's client must be the one that gives up on it.
    const server = createServer((socket) => socket.end('not an ssh server\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const client = new DockerClient({ protocol: 'ssh', host: '127.0.0.1', port: address.port, username: 'nobody' });
      const error: unknown = await client.ping().then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(Error);
      expect(loaded('/node_modules/ssh2/').length).toBeGreaterThan(0);
      expect(String((error as Error).message)).toMatch(/handshake|identification/i);
    } finally {
      server.close();
    }
  });
});
