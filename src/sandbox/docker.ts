import type Docker from 'dockerode';
import { DockerClient } from './dockerode.js';
import { HarnessError, errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';

let client: Docker | undefined;

/**
 * The one Docker client of the process. docker-modem reads DOCKER_HOST (and DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH) itself; without it the local socket /var/run/docker.sock is used.
 */
export function dockerClient(): Docker {
  client ??= new DockerClient();
  return client;
}

/** Where the client talks to, for messages. */
export function dockerWhere(): string {
  const host = process.env.DOCKER_HOST;
  return host !== undefined && host !== '' ? host : 'unix:///var/run/docker.sock';
}

/**
 * Throws a one-line HarnessError when the daemon does not answer a ping within `timeoutMs`.
 * `where` names the daemon in the message (the --docker-host given, else DOCKER_HOST or the socket).
 */
export async function assertDockerReachable(docker: Docker = dockerClient(), timeoutMs = 5000, where = dockerWhere()): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    const reason = errorMessage(err).split('\n')[0] ?? 'unknown error';
    throw new HarnessError(
      `Cannot reach the Docker daemon at ${where}: ${reason}. Start it (e.g. \`dockerd &\`) or run \`npx ibench setup\`.`,
    );
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * When a hijacked exec or attach stream is over: ended, closed, or failed (a failure is logged and
 * counts as the end; the caller reads the exit status from the daemon).
 */
export function streamEnd(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', (err: unknown) => {
      logger.debug(`exec stream error: ${dockerMessage(err)}`);
      resolve();
    });
  });
}

/** The HTTP status code of an error from dockerode, when it has one. */
export function dockerStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const code = (err as { statusCode: unknown }).statusCode;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** The daemon's message from a dockerode error (its JSON body), else the error's message. */
export function dockerMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const json = (err as { json: unknown }).json;
    if (typeof json === 'object' && json !== null && 'message' in json) {
      const message = (json as { message: unknown }).message;
      if (typeof message === 'string') return message;
    }
  }
  return errorMessage(err).replace(/\s+/g, ' ').trim();
}

/**
 * Whether the daemon runs on this machine (a Unix socket, or TCP to a loopback address): only then
 * can a folder of this machine be bind-mounted into its containers.
 */
export function daemonIsLocal(docker: Docker): boolean {
  const modem = docker.modem as { socketPath?: unknown; host?: unknown; protocol?: unknown };
  // Without DOCKER_HOST, docker-modem keeps a function that finds the default local socket.
  if ((typeof modem.socketPath === 'string' && modem.socketPath !== '') || typeof modem.socketPath === 'function') return modem.protocol !== 'ssh';
  return typeof modem.host === 'string' && modem.protocol !== 'ssh' && ['localhost', '127.0.0.1', '::1'].includes(modem.host);
}
