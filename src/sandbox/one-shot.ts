/**
 * A container made for one command, run as the container's own process: a grading run.
 *
 * The container starts with a small bash wrapper as the agent user, waiting on its stdin. The
 * harness writes the command (NUL-terminated) and then the tree as a tar archive; the wrapper
 * extracts the archive into the workdir (a tmpfs of the container's own), prints a start mark on
 * stdout and execs `bash -lc <command>` with stdin from /dev/null. No docker exec and no docker cp:
 * each costs about as much CPU as the tests of a small task (runc, and dockerd re-executing itself).
 *
 * The start mark is the first thing on stdout, printed after the tree is in and before any byte of
 * the tree's code runs, so nothing the tree holds can fake it: without it, the tree was refused.
 */
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type DockerModem from 'docker-modem';
import { abortReason } from '../util/abort.js';
import { HarnessError, errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { Capture } from './capture.js';
import { containerSpec, userEnv } from './container-spec.js';
import { dockerMessage, streamEnd } from './docker.js';
import { removeContainerAndVolume } from './docker-sandbox.js';
import { StartMark } from './start-mark.js';
import type { SandboxProfile } from './profile.js';
import { treeToTarStream } from './tar.js';
import { TreeNotPut, type ExecResult, type OneShotRun, type PreparedRun } from './types.js';

const START_MARK = 'ibench: tree in, command starts';
/** Exit statuses of the wrapper before the tree is read: the harness's or the image's failures. */
const NO_TAR = 124;
const NO_COMMAND = 125;
const WRAPPER = `command -v tar >/dev/null || { echo "the image has no tar" >&2; exit ${NO_TAR}; }
IFS= read -r -d '' command || { echo "no command came on stdin" >&2; exit ${NO_COMMAND}; }
tar -x -p -f - || exit $?
printf '%s\\n' "$1"
exec bash -lc "$command" </dev/null`;
/** How long the tree may take to go in before the run is given up as refused. */
const PUT_TIMEOUT_MS = 60_000;
const DEFAULT_KILL_AFTER_BYTES = 64 * 1024 * 1024;
/** How long to wait for a killed container's output to end before dropping it. */
const KILL_GRACE_MS = 10_000;

type HijackedStream = NodeJS.ReadWriteStream & { destroy?: () => void };

/** Creates the container, attaches to it and starts it: it then waits for run(). */
export async function prepareDockerRun(docker: Docker, profile: SandboxProfile, name: string, labels: Record<string, string>): Promise<PreparedRun> {
  const { uid, gid } = profile.user;
  let container: Docker.Container | undefined;
  try {
    container = await docker.createContainer(
      containerSpec(profile, { name, labels, cmd: ['bash', '-c', WRAPPER, 'ibench-run', START_MARK], user: `${uid}:${gid}`, env: userEnv(profile, 'agent'), work: 'tmpfs', stdin: true }),
    );
    // Attached before it starts, so that no output is missed.
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as HijackedStream;
    await container.start();
    return new DockerPreparedRun(docker, container, stream, profile);
  } catch (err) {
    await removeContainerAndVolume(docker, container?.id, undefined).catch((cleanupErr: unknown) => {
      logger.warn(`cleanup after a failed test container start: ${dockerMessage(cleanupErr)}`);
    });
    throw new HarnessError(`cannot start a ${profile.name} test container from ${profile.image}: ${dockerMessage(err)}`);
  }
}

class DockerPreparedRun implements PreparedRun {
  private used = false;
  private removing: Promise<void> | undefined;
  private readonly modem: DockerModem;

  constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
    private readonly stream: HijackedStream,
    private readonly profile: SandboxProfile,
  ) {
    this.modem = docker.modem;
    // Until run(), nothing is read: a failure of the idle connection is noted, never thrown.
    stream.on('error', (err: unknown) => logger.debug(`test container ${this.short}: ${errorMessage(err)}`));
  }

  get containerId(): string {
    return this.container.id;
  }

  private get short(): string {
    return this.container.id.slice(0, 12);
  }

  async run(request: OneShotRun): Promise<ExecResult> {
    if (this.used) throw new HarnessError(`test container ${this.short} already ran its command`);
    this.used = true;
    try {
      return await this.runCommand(request);
    } finally {
      await this.discard();
    }
  }

  discard(): Promise<void> {
    this.removing ??= (async () => {
      this.stream.destroy?.();
      await removeContainerAndVolume(this.docker, this.container.id, undefined);
    })();
    return this.removing;
  }

  private async runCommand(request: OneShotRun): Promise<ExecResult> {
    request.signal?.throwIfAborted();
    if (request.command.includes('\0')) throw new HarnessError(`the test command holds a NUL byte: ${JSON.stringify(request.command)}`);
    const stream = this.stream;
    const { uid, gid } = this.profile.user;
    // Packed before anything is sent: a tree that cannot be packed fails here, as the harness's.
    const tar = treeToTarStream(request.tree, { uid, gid });
    const stdout = new Capture(request.keepBytes);
    const stderr = new Capture(request.keepBytes);
    const killAfterBytes = request.killAfterBytes ?? DEFAULT_KILL_AFTER_BYTES;
    let startedAt: number | undefined;
    let timedOut = false;
    let outputLimitHit = false;
    let putTimedOut = false;
    let killing: Promise<void> | undefined;
    let grace: NodeJS.Timeout | undefined;
    let timer: NodeJS.Timeout | undefined;

    const kill = (): void => {
      if (killing !== undefined) return;
      // SIGKILL to the container's init ends every process in it, and so the output.
      killing = this.container
        .kill()
        .then(
          () => undefined,
          (err: unknown) => logger.debug(`test container ${this.short}: kill: ${dockerMessage(err)}`),
        )
        .then(() => {
          grace = setTimeout(() => {
            logger.warn(`test container ${this.short}: a killed run's output did not end; dropping it`);
            stream.destroy?.();
          }, KILL_GRACE_MS);
        });
    };
    const overLimit = (): void => {
      if (!outputLimitHit && stdout.total + stderr.total > killAfterBytes) {
        outputLimitHit = true;
        kill();
      }
    };
    const started = (): void => {
      startedAt = Date.now();
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(
        () => {
          timedOut = true;
          kill();
        },
        Math.max(1, request.timeoutMs),
      );
    };
    // Until the start mark, stdout is held back; what is not the mark is the wrapper's (tar's),
    // never the command's.
    const startMark = new StartMark(START_MARK);
    const stdoutSink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        const wasWaiting = startMark.state === 'waiting';
        const out = startMark.take(chunk);
        if (startMark.state === 'missed') {
          stderr.push(out);
          return cb();
        }
        if (wasWaiting && startMark.state === 'seen') started();
        if (out.length > 0) {
          stdout.push(out);
          overLimit();
        }
        cb();
      },
    });
    const stderrSink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        stderr.push(chunk);
        if (startedAt !== undefined) overLimit();
        cb();
      },
    });
    const ended = streamEnd(stream);
    this.modem.demuxStream(stream, stdoutSink, stderrSink);

    const onAbort = (): void => {
      stream.destroy?.();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const putTimer = setTimeout(() => {
      if (startedAt !== undefined) return;
      putTimedOut = true;
      kill();
    }, PUT_TIMEOUT_MS);

    // The command, then the tree; the end of the archive closes the container's stdin. A container
    // that stops reading (tar refused the tree) makes the write fail: its exit status tells why.
    let packError: unknown;
    tar.on('error', (err: unknown) => {
      packError = err;
      stream.destroy?.();
    });
    stream.write(Buffer.from(`${request.command}\0`));
    tar.pipe(stream);

    await ended;
    clearTimeout(putTimer);
    if (timer !== undefined) clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
    if (request.signal?.aborted === true) {
      if (grace !== undefined) clearTimeout(grace);
      throw abortReason(request.signal);
    }
    if (killing !== undefined) await killing;
    if (grace !== undefined) clearTimeout(grace);
    stream.destroy?.();
    if (packError !== undefined) throw new HarnessError(`cannot pack the tree for test container ${this.short}: ${errorMessage(packError)}`);
    const durationMs = startedAt === undefined ? 0 : Date.now() - startedAt;

    let status: number;
    let oomKilled = false;
    try {
      status = ((await this.container.wait()) as { StatusCode: number }).StatusCode;
      if (status >= 128) oomKilled = (await this.container.inspect()).State.OOMKilled;
    } catch (err) {
      throw new HarnessError(`cannot read how test container ${this.short} ended: ${dockerMessage(err)}`);
    }
    if (startedAt === undefined) {
      const said = stderr.result().text.trim();
      if (status === NO_TAR || status === NO_COMMAND) throw new HarnessError(`test container ${this.short} (${this.profile.image}): ${said}`);
      const why = putTimedOut ? `it took longer than ${PUT_TIMEOUT_MS / 1000} s` : oomKilled ? 'the container ran out of memory' : `tar exited with ${status}${said === '' ? '' : `: ${said.split('\n')[0] ?? ''}`}`;
      throw new TreeNotPut(`the tree cannot be put into a test container: ${why}`);
    }
    return {
      exitCode: timedOut || outputLimitHit ? 137 : status,
      stdout: stdout.result(),
      stderr: stderr.result(),
      timedOut,
      oomKilled,
      outputLimitHit,
      durationMs,
    };
  }
}
