/**
 * The in-container forwarder: the CLI agents need an http URL, and the container has no network,
 * so a small Node script (CommonJS, runs on the images' Node 18 and 20) listens on a loopback port
 * inside the container and pipes each connection to the proxy's Unix socket, mounted read-only.
 * It runs as the keeper user (nobody), detached, so that neither the agent nor root's clean-up
 * kills can stop it.
 */
import { PROXY_MOUNT } from '../../sandbox/types.js';

export { PROXY_MOUNT };

/** The proxy's socket file in that folder. */
export const PROXY_SOCKET_NAME = 'proxy.sock';
/** Where the agent image keeps the forwarder. */
export const FORWARDER_PATH = '/opt/ibench/forwarder.cjs';
/** The loopback port the forwarder listens on inside the container. */
export const FORWARDER_PORT = 4000;

export const FORWARDER_SOURCE = `'use strict';
// ibench: forwards 127.0.0.1:PORT to the model proxy's Unix socket (argv: SOCKET PORT).
const net = require('net');
const socketPath = process.argv[2];
const port = Number(process.argv[3]);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.on('error', (err) => {
  process.stderr.write('ibench forwarder: ' + err.message + '\\n');
  process.exit(1);
});
server.listen(port, '127.0.0.1');
`;

/** The forwarder's command line in the container. */
export function forwarderArgv(): string[] {
  return ['node', FORWARDER_PATH, `${PROXY_MOUNT}/${PROXY_SOCKET_NAME}`, String(FORWARDER_PORT)];
}
