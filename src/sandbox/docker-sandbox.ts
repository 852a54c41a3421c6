import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type DockerModem from 'docker-modem';
import { abortReason } from '../util/abort.js';
import { HarnessError, errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { shellQuote } from '../util/shell-quote.js';
import { dockerClient, dockerMessage, dockerStatus, streamEnd } from './docker.js';
import {
  archiveBytesBound,
  copyOutCaps,
  FAST_ARCHIVE_MAX_BYTES,
  GO,
  nulList,
  parentsOf,
  parseScan,
  planCuts,
  SCAN_FORMAT,
  scanEndIn,
  scannedContentBytes,
  scanThenArchiveScript,
  type CopyOutCaps,
  type CopyOutResult,
  type Cut,
} from './copy-out.js';
import type { FileTree, TreeProblem } from './file-tree.js';
import { parseSize, type SandboxProfile } from './profile.js';
import { readTarTree, tarToTree, treeToTar, treeToTarStream, type TarReadResult } from './tar.js';
import { Capture } from './capture.js';
import { StartMark } from './start-mark.js';
import { containerSpec, userEnv } from './container-spec.js';
import { PROXY_MOUNT, SandboxFileError, type SandboxCreateOptions, type ExecOptions, type FileOptions, type PutTreeOptions, type ExecResult, type PreparedRun, type Sandbox, type SandboxFactory } from './types.js';

const DEFAULT_KEEP_BYTES = 1024 * 1024;
const DEFAULT_KILL_AFTER_BYTES = 64 * 1024 * 1024;
/** readFile keeps the whole file: the workdir volume is far smaller than this. */
const FILE_KEEP_BYTES = 1024 * 1024 * 1024;
const FILE_TIMEOUT_MS = 60_000;
/** How long to wait for a killed command's stream to end before giving up on it. */
const KILL_GRACE_MS = 10_000;
/** Extra pids granted for a moment so that a kill can start while a fork bomb holds the limit. */
const PIDS_HEADROOM = 256;

/** The process that keeps the container alive runs as nobody: neither the agent nor root may signal it. */
const KEEPER_USER = '65534:65534';

/**
 * Kills every process of the calling user but the calling shell itself (repeated: a fork bomb may
 * still be forking). Builtins only: once its shell runs, it needs no further pid. pid 1 and the
 * keeper (nobody) are out of reach of both the agent and root (no CAP_KILL).
 */
const KILL_ROUNDS = 'for i in 1 2 3 4 5 6 7 8; do kill -KILL -1 2>/dev/null || break; done';
/**
 * How every command starts (`bash -c KILL_FIRST bash SCRIPT`): its own shell first kills whatever
 * earlier commands of its user left running, then becomes `bash -lc SCRIPT` (same pid, stdin, env,
 * cwd and exit code). Nothing an earlier command did to its own process tree (`kill -9 $PPID`,
 * `kill -9 -1`, setsid) can skip it, and no exec of its own runs after a command.
 */
const KILL_FIRST = `${KILL_ROUNDS}; exec bash -lc "$1"`;
/**
 * The first command of a sandbox into which a tree was put before anything ran (putTree): its shell
 * extracts the tree from its stdin into the folder as the agent user, prints PUT_MARK, and goes on
 * as KILL_FIRST with stdin from /dev/null (`bash -c PUT_FIRST bash DIR SCRIPT`). No docker cp: for
 * every archive dockerd re-executes itself, about as much CPU as a whole exec.
 */
const PUT_MARK = 'ibench: tree in, command starts';
const PUT_FIRST = `tar -x -p -f - -C "$1" || exit $?; printf '%s\\n' '${PUT_MARK}'; shift; ${KILL_ROUNDS}; exec bash -lc "$1" </dev/null`;
/**
 * KILL_ROUNDS as an exec of its own, for what cannot wait for the next command: a timeout, the
 * output limit, a command that could not start at the pids limit, killProcesses().
 */
const KILLER = `${KILL_ROUNDS}; exit 0`;
/** Bytes of the copy-out's metadata scan kept (a path per entry: far more than the entry cap needs). */
const SCAN_KEEP_BYTES = 64 * 1024 * 1024;
const COPY_OUT_STEP_MS = 120_000;
const OOM_READER =
  'cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null || cat /sys/fs/cgroup/memory.events 2>/dev/null || true';

export const IBENCH_LABEL = 'ibench';

/** The labels that tie a container or volume to this process (sweep.ts reads them). */
export function ownerLabels(): Record<string, string> {
  return {
    [IBENCH_LABEL]: '1',
    'ibench.pid': String(process.pid),
    'ibench.host': hostname(),
    'ibench.created': String(Date.now()),
  };
}


interface RunSpec {
  cmd: string[];
  user: 'agent' | 'root';
  cwd: string;
  env?: Record<string, string>;
  stdin?: Buffer | string;
  timeoutMs?: number;
  keepBytes: number;
  killAfterBytes: number;
  /** Kill the user's processes on timeout / output limit (false for the killer itself). */
  killOnLimit: boolean;
  signal?: AbortSignal | undefined;
  /** A start mark the command's shell prints first on stdout, taken out of the output. */
  stdoutMark?: StartMark;
}

interface RunResult {
  exitCode: number;
  stdout: Capture;
  stderr: Capture;
  timedOut: boolean;
  outputLimitHit: boolean;
  /** The process could not be started at all (e.g. no pid left). */
  startFailed: boolean;
}

/**
 * An exec that prints a head ended by an end mark, then waits for an answer on its stdin, then may
 * print a body (the fast copy-out: the scan, then the archive).
 */
interface AnsweredSpec<T> {
  cmd: string[];
  user: 'agent' | 'root';
  cwd: string;
  /** For the head, and again for the body from the answer on. */
  timeoutMs: number;
  /** Bytes of head and stderr before the mark; past them the command is killed. */
  headBytes: number;
  /** Where the mark is in the next chunk of the head (see scanEndIn). */
  markIn: (chunk: Buffer, afterRecordEnd: boolean) => number;
  /**
   * Called with the head once the mark came: the bytes for stdin and the most bytes the body may
   * take, or undefined to close stdin without an answer.
   */
  answer: (head: Buffer) => { stdin: Buffer; bodyBytes: number } | undefined;
  /** Reads the body as it comes. */
  readBody: (body: Readable) => Promise<T>;
}

interface AnsweredResult<T> {
  /** The process could not be started (the caller takes its ordinary path). */
  startFailed: boolean;
  /** The stdout before the mark (all of it when no mark came); undefined when it passed headBytes. */
  head: Buffer | undefined;
  marked: boolean;
  headTimedOut: boolean;
  headLimitHit: boolean;
  /** Set when an answer was given: what readBody returned, or why the body is not to be trusted. */
  body?: { ok: true; value: T } | { ok: false; why: string };
  exitCode: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class DockerSandbox implements Sandbox {
  private queue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private oomSeen = 0;
  private readonly modem: DockerModem;

  constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
    private readonly volumeName: string,
    readonly profile: SandboxProfile,
  ) {
    this.modem = docker.modem;
  }

  get containerId(): string {
    return this.container.id;
  }

  private userSpec(user: 'agent' | 'root'): string {
    return user === 'root' ? '0:0' : `${this.profile.user.uid}:${this.profile.user.gid}`;
  }

  private envFor(user: 'agent' | 'root', extra: Record<string, string> | undefined): string[] {
    return userEnv(this.profile, user, extra);
  }

  /** Runs fn after every earlier command of this sandbox: commands never overlap. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Set by a command run with `last`: nothing runs after it. */
  private finished = false;
  /** Set once anything ran in the container. */
  private ran = false;
  /** A tree put in before anything ran: it goes in with the first command (see PUT_FIRST). */
  private pendingPut: { dir: string; archive: Buffer } | undefined;

  private putFailed(dir: string, why: string): HarnessError {
    return new HarnessError(`cannot copy files into ${dir} of sandbox ${this.container.id.slice(0, 12)}: ${why}`);
  }

  /** Puts a pending tree in through the daemon (for whatever cannot take it with its command). */
  private async flushPut(): Promise<void> {
    const pending = this.pendingPut;
    if (pending === undefined) return;
    this.pendingPut = undefined;
    try {
      await this.container.putArchive(pending.archive, { path: pending.dir });
    } catch (err) {
      throw this.putFailed(pending.dir, dockerMessage(err));
    }
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new HarnessError(`sandbox ${this.container.id.slice(0, 12)} is closed`);
    if (this.finished) throw new HarnessError(`sandbox ${this.container.id.slice(0, 12)} ran its last command`);
  }

  /** A docker exec of cmd as the user, its output attached (and its stdin, when asked). */
  private async createExec(cmd: string[], user: 'agent' | 'root', cwd: string, env: Record<string, string> | undefined, stdin: boolean): Promise<Docker.Exec> {
    try {
      return await this.container.exec({
        Cmd: cmd,
        User: this.userSpec(user),
        WorkingDir: cwd,
        Env: this.envFor(user, env),
        AttachStdin: stdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
    } catch (err) {
      throw new HarnessError(`cannot create an exec in sandbox ${this.container.id.slice(0, 12)}: ${dockerMessage(err)}`);
    }
  }

  /** One docker exec: create, start (hijacked), demux into captures, wait, read the exit code. */
  private async run(spec: RunSpec): Promise<RunResult> {
    spec.signal?.throwIfAborted();
    this.ran = true;
    const stdout = new Capture(spec.keepBytes);
    const stderr = new Capture(spec.keepBytes);
    const hasStdin = spec.stdin !== undefined;
    const exec = await this.createExec(spec.cmd, spec.user, spec.cwd, spec.env, hasStdin);
    let stream: NodeJS.ReadWriteStream & { destroy?: () => void };
    try {
      stream = await exec.start({ hijack: true, stdin: hasStdin });
    } catch (err) {
      const message = dockerMessage(err);
      if (/resource temporarily unavailable|cannot allocate memory|fork/i.test(message)) {
        stderr.push(Buffer.from(message));
        return { exitCode: 126, stdout, stderr, timedOut: false, outputLimitHit: false, startFailed: true };
      }
      throw new HarnessError(`cannot start an exec in sandbox ${this.container.id.slice(0, 12)}: ${message}`);
    }

    let timedOut = false;
    let outputLimitHit = false;
    let killing: Promise<void> | undefined;
    let grace: NodeJS.Timeout | undefined;
    const giveUp = (): void => {
      logger.warn(`sandbox ${this.container.id.slice(0, 12)}: a killed command's output did not end; dropping it`);
      stream.destroy?.();
    };
    const kill = (): void => {
      if (killing !== undefined) return;
      if (!spec.killOnLimit) {
        killing = Promise.resolve();
        giveUp();
        return;
      }
      killing = this.killAll(spec.user)
        .catch((err: unknown) => {
          logger.warn(`sandbox ${this.container.id.slice(0, 12)}: kill failed: ${dockerMessage(err)}`);
        })
        .then(() => {
          grace = setTimeout(giveUp, KILL_GRACE_MS);
        });
    };
    const sink = (capture: Capture, mark?: StartMark): Writable =>
      new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          capture.push(mark === undefined ? chunk : mark.take(chunk));
          if (!outputLimitHit && stdout.total + stderr.total > spec.killAfterBytes) {
            outputLimitHit = true;
            kill();
          }
          cb();
        },
      });
    const ended = streamEnd(stream);
    this.modem.demuxStream(stream, sink(stdout, spec.stdoutMark), sink(stderr));
    if (hasStdin) {
      stream.write(typeof spec.stdin === 'string' ? Buffer.from(spec.stdin) : (spec.stdin as Buffer));
      stream.end();
    }
    const timer =
      spec.timeoutMs !== undefined && spec.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            kill();
          }, spec.timeoutMs)
        : undefined;

    // An abort stops the wait at once: the stream is dropped and the caller removes the sandbox.
    const onAbort = (): void => {
      stream.destroy?.();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    if (spec.signal?.aborted === true) onAbort();
    await ended;
    spec.signal?.removeEventListener('abort', onAbort);
    if (timer !== undefined) clearTimeout(timer);
    if (spec.signal?.aborted === true) {
      if (grace !== undefined) clearTimeout(grace);
      throw abortReason(spec.signal);
    }
    if (killing !== undefined) await killing;
    if (grace !== undefined) clearTimeout(grace);
    // The hijacked socket may stay half-open after the daemon's end: free it.
    stream.destroy?.();

    const { exitCode, pid } = await this.exitCodeOf(exec, timedOut || outputLimitHit);
    if (pid === 0 && exitCode !== 0 && !timedOut && !outputLimitHit) {
      // The process never started; docker wrote the runtime's reason into the output.
      const reason = `${stdout.result().text}${stderr.result().text}`.trim();
      // At the pids limit runc fails in one of several ways: fork's EAGAIN, or its init process dying
      // before it reports back ("read init-p: connection reset by peer").
      if (/resource temporarily unavailable|cannot allocate memory|fork|init-p/i.test(reason)) {
        return { exitCode, stdout, stderr, timedOut, outputLimitHit, startFailed: true };
      }
      throw new HarnessError(`cannot start a command in sandbox ${this.container.id.slice(0, 12)}: ${reason.split('\n')[0] ?? ''}`);
    }
    return {
      exitCode: timedOut || outputLimitHit ? 137 : exitCode,
      stdout,
      stderr,
      timedOut,
      outputLimitHit,
      startFailed: false,
    };
  }

  /** The exit code, and the pid (0 when the process never started). */
  private async exitCodeOf(exec: Docker.Exec, killed: boolean): Promise<{ exitCode: number; pid: number }> {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        const info = await exec.inspect();
        if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode, pid: info.Pid };
      } catch (err) {
        throw new HarnessError(`cannot inspect an exec in sandbox ${this.container.id.slice(0, 12)}: ${dockerMessage(err)}`);
      }
      await sleep(attempt < 10 ? 10 : 50);
    }
    if (killed) return { exitCode: 137, pid: -1 };
    throw new HarnessError(`sandbox ${this.container.id.slice(0, 12)}: a command's stream ended but it still runs`);
  }

  /**
   * Kills every process of `user` in the container. When no pid is left to start the kill (fork
   * bomb), the pids limit is raised for a moment.
   */
  private async killAll(user: 'agent' | 'root'): Promise<void> {
    const spec: RunSpec = {
      cmd: ['bash', '-c', KILLER],
      user,
      cwd: '/',
      timeoutMs: 10_000,
      keepBytes: 4096,
      killAfterBytes: 1024 * 1024,
      killOnLimit: false,
    };
    const first = await this.run(spec).catch(() => undefined);
    if (first !== undefined && !first.startFailed && first.exitCode === 0) return;
    logger.debug(`sandbox ${this.container.id.slice(0, 12)}: kill could not start, raising the pids limit for a moment`);
    const limit = this.profile.limits.pids;
    try {
      await this.container.update({ PidsLimit: limit + PIDS_HEADROOM });
      for (let attempt = 0; attempt < 20; attempt++) {
        const r = await this.run(spec).catch(() => undefined);
        if (r !== undefined && !r.startFailed && r.exitCode === 0) return;
        await sleep(100);
      }
      throw new HarnessError(`sandbox ${this.container.id.slice(0, 12)} is unresponsive: cannot start a process to kill its commands`);
    } finally {
      await this.container.update({ PidsLimit: limit }).catch((err: unknown) => {
        logger.warn(`sandbox ${this.container.id.slice(0, 12)}: cannot restore the pids limit: ${dockerMessage(err)}`);
      });
    }
  }

  /** The memory cgroup's oom_kill counter (cgroup v1 memory.oom_control or v2 memory.events). */
  private async oomKills(): Promise<number | undefined> {
    const r = await this.run({
      cmd: ['bash', '-c', OOM_READER],
      user: 'root',
      cwd: '/',
      timeoutMs: 10_000,
      keepBytes: 8192,
      killAfterBytes: 65536,
      killOnLimit: false,
    }).catch(() => undefined);
    if (r === undefined) return undefined;
    const m = /^oom_kill\s+(\d+)/m.exec(r.stdout.result().text);
    return m === null ? undefined : Number(m[1]);
  }

  private async execLocked(
    script: string,
    options: ExecOptions,
    retried = false,
  ): Promise<{ result: ExecResult; stdout: Capture; stderr: Capture }> {
    if (!retried) {
      this.assertOpen();
      if (options.last === true) this.finished = true;
    }
    const started = Date.now();
    const user = options.user ?? 'agent';
    // A pending tree goes in with the first command when it is the agent's and reads no stdin.
    const put = user === 'agent' && options.stdin === undefined ? this.pendingPut : undefined;
    if (put === undefined) await this.flushPut();
    else this.pendingPut = undefined;
    const mark = put === undefined ? undefined : new StartMark(PUT_MARK);
    const r = await this.run({
      cmd: put === undefined ? ['bash', '-c', KILL_FIRST, 'bash', script] : ['bash', '-c', PUT_FIRST, 'bash', put.dir, script],
      user,
      cwd: options.cwd ?? this.profile.workdir,
      env: options.env,
      stdin: put === undefined ? options.stdin : put.archive,
      ...(mark === undefined ? {} : { stdoutMark: mark }),
      timeoutMs: options.timeoutMs,
      keepBytes: options.keepBytes ?? DEFAULT_KEEP_BYTES,
      killAfterBytes: options.killAfterBytes ?? DEFAULT_KILL_AFTER_BYTES,
      killOnLimit: true,
      signal: options.signal,
    });
    if (r.startFailed) {
      // No pid left for even the command: something left behind holds the limit. Kill it, retry once.
      if (put !== undefined) this.pendingPut = put;
      if (retried) throw new HarnessError(`sandbox ${this.container.id.slice(0, 12)} is unresponsive: ${r.stderr.result().text}`);
      await this.killAll(user);
      return this.execLocked(script, options, true);
    }
    if (put !== undefined && mark?.state !== 'seen') {
      const said = `${r.stderr.result().text}`.trim().split('\n')[0] ?? '';
      throw this.putFailed(put.dir, `tar exited with ${r.exitCode}${said === '' ? '' : `: ${said}`}`);
    }
    // What the command left running is killed by the next command's own shell before its script
    // (KILL_FIRST), by the copy-out's scan, or with the container after the last command.
    let oomKilled = false;
    if (r.exitCode >= 128) {
      const count = await this.oomKills();
      if (count !== undefined) {
        oomKilled = count > this.oomSeen;
        this.oomSeen = count;
      }
    }
    const result: ExecResult = {
      exitCode: r.exitCode,
      stdout: r.stdout.result(),
      stderr: r.stderr.result(),
      timedOut: r.timedOut,
      oomKilled,
      outputLimitHit: r.outputLimitHit,
      durationMs: Date.now() - started,
    };
    return { result, stdout: r.stdout, stderr: r.stderr };
  }

  exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.locked(async () => (await this.execLocked(script, options)).result);
  }

  killProcesses(user: 'agent' | 'root'): Promise<void> {
    return this.locked(async () => {
      this.assertOpen();
      await this.killAll(user);
    });
  }

  async putTree(dir: string, tree: FileTree, options: PutTreeOptions = {}): Promise<void> {
    this.assertOpen();
    const { uid, gid } = this.profile.user;
    // Before anything ran, a tree the agent user may own whole waits for the first command (PUT_FIRST).
    if (!this.ran && this.pendingPut === undefined && dir === this.profile.workdir && (options.readOnly?.size ?? 0) === 0) {
      this.pendingPut = { dir, archive: await treeToTar(tree, { uid, gid }) };
      return;
    }
    await this.flushPut();
    // Streamed: the archive is packed as Docker reads it, never held whole.
    const put = (): Promise<unknown> =>
      this.container.putArchive(treeToTarStream(tree, { uid, gid, ...(options.readOnly === undefined ? {} : { readOnly: options.readOnly }) }), { path: dir });
    try {
      await put();
      return;
    } catch (err) {
      if (dockerStatus(err) !== 404) throw this.putFailed(dir, dockerMessage(err));
    }
    const made = await this.exec(`mkdir -p -- ${shellQuote(dir)}`, { cwd: '/' });
    if (made.exitCode !== 0) throw new HarnessError(`cannot create ${dir} in sandbox ${this.container.id.slice(0, 12)}: ${made.stderr.text.trim()}`);
    try {
      await put();
    } catch (err) {
      throw this.putFailed(dir, dockerMessage(err));
    }
  }

  async getTree(dir: string): Promise<FileTree> {
    this.assertOpen();
    await this.flushPut();
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.container.getArchive({ path: dir });
    } catch (err) {
      throw new HarnessError(`cannot copy ${dir} out of sandbox ${this.container.id.slice(0, 12)}: ${dockerMessage(err)}`);
    }
    return tarToTree(stream, { stripTop: true });
  }

  /**
   * One exec answered half-way (AnsweredSpec): stdout is read up to the mark, the answer is written
   * to stdin, and the rest of stdout goes to readBody, the daemon's stream paused while readBody
   * lags. A timeout or a limit kills every process of the user.
   */
  private async runAnswered<T>(spec: AnsweredSpec<T>): Promise<AnsweredResult<T>> {
    const id = this.container.id.slice(0, 12);
    const notStarted: AnsweredResult<T> = { startFailed: true, head: undefined, marked: false, headTimedOut: false, headLimitHit: false, exitCode: 126 };
    const exec = await this.createExec(spec.cmd, spec.user, spec.cwd, undefined, true);
    let stream: NodeJS.ReadWriteStream & { destroy?: () => void };
    try {
      stream = await exec.start({ hijack: true, stdin: true });
    } catch (err) {
      // The caller's ordinary path meets the same failure and says what it is.
      logger.debug(`sandbox ${id}: an answered exec did not start: ${dockerMessage(err)}`);
      return notStarted;
    }

    const headChunks: Buffer[] = [];
    let headLength = 0;
    let afterRecordEnd = true;
    let stderrBytes = 0;
    let stderrHead = '';
    let phase: 'head' | 'body' | 'drain' = 'head';
    let marked = false;
    let headTimedOut = false;
    let headLimitHit = false;
    let bodyDistrust: string | undefined;
    let body: PassThrough | undefined;
    let reading: Promise<{ ok: true; value: T } | { ok: false; why: string }> | undefined;
    let bodyBytes = 0;
    let bodyLimit = 0;
    let paused = false;
    let killing: Promise<void> | undefined;
    let grace: NodeJS.Timeout | undefined;

    const kill = (): void => {
      phase = 'drain';
      body?.destroy();
      stream.resume();
      if (killing !== undefined) return;
      killing = this.killAll(spec.user)
        .catch((err: unknown) => {
          logger.warn(`sandbox ${id}: kill failed: ${dockerMessage(err)}`);
        })
        .then(() => {
          grace = setTimeout(() => {
            logger.warn(`sandbox ${id}: a killed command's output did not end; dropping it`);
            stream.destroy?.();
          }, KILL_GRACE_MS);
        });
    };
    const onTimeout = (): void => {
      if (phase === 'head') headTimedOut = true;
      else if (phase === 'body') bodyDistrust ??= `no end within ${spec.timeoutMs} ms`;
      kill();
    };
    let timer = setTimeout(onTimeout, spec.timeoutMs);

    const toBody = (chunk: Buffer): void => {
      if (body === undefined || chunk.length === 0) return;
      bodyBytes += chunk.length;
      if (bodyBytes > bodyLimit) {
        bodyDistrust ??= `more than ${bodyLimit} bytes`;
        kill();
      } else if (body.destroyed) {
        // readBody stopped early (a cap): the rest is not read.
        kill();
      } else if (!body.write(chunk) && !paused) {
        // Frames already received still come (the demuxer goes on through its buffer); no new ones.
        paused = true;
        stream.pause();
        const resume = (): void => {
          body?.off('drain', resume);
          body?.off('close', resume);
          paused = false;
          stream.resume();
        };
        body.on('drain', resume);
        body.on('close', resume);
      }
    };
    const toHead = (chunk: Buffer): void => {
      const at = spec.markIn(chunk, afterRecordEnd);
      const part = at === -1 ? chunk : chunk.subarray(0, at);
      headChunks.push(part);
      headLength += part.length;
      if (part.length > 0) afterRecordEnd = part[part.length - 1] === 0;
      if (headLength + stderrBytes > spec.headBytes) {
        headLimitHit = true;
        kill();
        return;
      }
      if (at === -1) return;
      marked = true;
      const answer = spec.answer(Buffer.concat(headChunks));
      if (answer === undefined) {
        phase = 'drain';
        stream.end();
        return;
      }
      phase = 'body';
      bodyLimit = answer.bodyBytes;
      body = new PassThrough();
      body.on('error', () => undefined);
      reading = spec.readBody(body).then(
        (value) => ({ ok: true as const, value }),
        (err: unknown) => ({ ok: false as const, why: errorMessage(err) }),
      );
      clearTimeout(timer);
      timer = setTimeout(onTimeout, spec.timeoutMs);
      stream.write(answer.stdin);
      stream.end();
      toBody(chunk.subarray(at + 1));
    };
    const stdout = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (phase === 'head') toHead(chunk);
        else if (phase === 'body') toBody(chunk);
        cb();
      },
    });
    const stderr = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        stderrBytes += chunk.length;
        if (stderrHead.length < 1024) stderrHead += chunk.toString('utf8', 0, 1024);
        if (phase === 'head' && headLength + stderrBytes > spec.headBytes) {
          headLimitHit = true;
          kill();
        }
        cb();
      },
    });
    const ended = streamEnd(stream);
    this.modem.demuxStream(stream, stdout, stderr);
    await ended;
    clearTimeout(timer);
    if (killing !== undefined) await killing;
    if (grace !== undefined) clearTimeout(grace);
    stream.destroy?.();
    body?.end();
    const read = reading === undefined ? undefined : await reading;

    const { exitCode, pid } = await this.exitCodeOf(exec, killing !== undefined);
    if (pid === 0 && exitCode !== 0 && killing === undefined) {
      logger.debug(`sandbox ${id}: an answered exec did not start: ${stderrHead.trim()}`);
      return notStarted;
    }
    const head = marked ? Buffer.concat(headChunks) : headLimitHit ? undefined : Buffer.concat(headChunks);
    const result: AnsweredResult<T> = { startFailed: false, head, marked, headTimedOut, headLimitHit, exitCode };
    if (read !== undefined) {
      const why =
        bodyDistrust ??
        (!read.ok ? read.why : exitCode !== 0 ? `exit code ${exitCode}` : stderrBytes > 0 ? `stderr: ${stderrHead.trim().split('\n')[0] ?? ''}` : undefined);
      result.body = why === undefined ? read : { ok: false, why };
    }
    return result;
  }

  /**
   * The bounded copy-out (copy-out.ts): every agent process killed first (nothing races the copy),
   * a metadata scan as the agent user, what breaks the caps removed in this container (which is
   * thrown away after), then the archive read within the caps.
   *
   * Fast path: the scan's own exec becomes tar as the agent user when nothing needs cutting and the
   * tree is small (FAST_ARCHIVE_MAX_BYTES), and the archive is read from its output. When a cut is
   * needed, the tree is larger, or the archive is not clean (tar failed or said anything on stderr,
   * e.g. a file the agent cannot read, a socket), the ordinary path follows: the cuts, then
   * getArchive read as root by the daemon. No process of the agent's runs from the scan on, so both
   * paths see the same tree.
   */
  copyOut(dir: string, over: Partial<CopyOutCaps> = {}): Promise<CopyOutResult> {
    return this.locked(async () => {
      this.assertOpen();
      await this.flushPut();
      const caps = copyOutCaps(this.profile, over);
      const problems: TreeProblem[] = [];
      const step = (cmd: string[], stdin?: Buffer, keepBytes = 64 * 1024): Promise<RunResult> =>
        this.run({ cmd, user: 'agent', cwd: dir, timeoutMs: COPY_OUT_STEP_MS, keepBytes, killAfterBytes: keepBytes, killOnLimit: true, ...(stdin === undefined ? {} : { stdin }) });
      const find = ['find', '.', '-mindepth', '1', '-maxdepth', String(caps.depth + 1), '-printf', SCAN_FORMAT];
      let cuts: Cut[] | undefined;
      const fast = await this.runAnswered<TarReadResult>({
        cmd: ['bash', '-c', scanThenArchiveScript(KILL_ROUNDS), 'bash', ...find],
        user: 'agent',
        cwd: dir,
        timeoutMs: COPY_OUT_STEP_MS,
        headBytes: SCAN_KEEP_BYTES,
        markIn: scanEndIn,
        answer: (head) => {
          const records = parseScan(head);
          cuts = planCuts(records, caps);
          // A larger tree is read through the daemon, whose archive costs less past that size.
          const small = scannedContentBytes(records) <= FAST_ARCHIVE_MAX_BYTES;
          return cuts.length === 0 && small ? { stdin: GO, bodyBytes: archiveBytesBound(records) } : undefined;
        },
        readBody: (body) => readTarTree(body, { caps }),
      });
      if (fast.body?.ok === true) {
        const read = fast.body.value;
        if (read.complete && read.problems.every((p) => !p.sabotage)) return { tree: read.tree, problems: read.problems, complete: true };
        logger.debug(`sandbox ${this.container.id.slice(0, 12)}: the copy-out's archive stopped at a cap; reading it again through the daemon`);
      } else if (fast.body !== undefined) {
        logger.debug(`sandbox ${this.container.id.slice(0, 12)}: the copy-out's archive is not clean (${fast.body.why}); reading it through the daemon`);
      }

      let scanOutput: Buffer;
      let scanTimedOut = fast.headTimedOut;
      let scanLimitHit = fast.headLimitHit;
      // A scan that ended without its mark (find failed, or could not start) is made again as it
      // always was; one that was stopped at its time or size limit is not (it would be again).
      if (fast.startFailed || (!fast.marked && !fast.headTimedOut && !fast.headLimitHit)) {
        // The scan's shell first kills every other process of the agent's, then becomes find: nothing
        // the agent started runs from here on. When no process can start (a fork bomb holds the pids
        // limit), or when something of the agent's killed the scan's shell first (a kill loop), the
        // kill with its pids headroom and its retries comes first, then the scan alone.
        let scan = await step(['bash', '-c', `${KILL_ROUNDS}; exec "$@"`, 'bash', ...find], undefined, SCAN_KEEP_BYTES);
        const killedByTheAgent = scan.exitCode > 128 && !scan.timedOut && !scan.outputLimitHit;
        if (scan.startFailed || killedByTheAgent) {
          try {
            await this.killAll('agent');
          } catch (err) {
            // Whatever still runs may change the tree while it is copied: no copy of it can be trusted.
            problems.push({ path: '.', reason: `the agent's processes could not be stopped before the copy-out: ${errorMessage(err)}`, sabotage: true });
          }
          scan = await step(find, undefined, SCAN_KEEP_BYTES);
        }
        scanOutput = scan.stdout.whole() ?? Buffer.alloc(0);
        scanTimedOut = scan.timedOut;
        scanLimitHit = scan.outputLimitHit;
      } else scanOutput = fast.head ?? Buffer.alloc(0);
      if (scanTimedOut || scanLimitHit) {
        problems.push({ path: '.', reason: `the scan of ${dir} ${scanTimedOut ? 'took too long' : `listed more than ${SCAN_KEEP_BYTES} bytes of names`}: the tree is too large to grade`, sabotage: true });
      }
      // The cuts were planned when the scan ended with its mark; otherwise from what it listed.
      cuts ??= planCuts(parseScan(scanOutput), caps);
      if (cuts.length > 0) {
        const paths = cuts.map((c) => c.path);
        // The agent owns everything here, but may have taken its own write or search permission away.
        await step(['xargs', '-0', '-r', 'chmod', 'u+rwx', '--'], nulList(parentsOf(cuts)));
        await step(['xargs', '-0', '-r', 'chmod', '-R', 'u+rwx', '--'], nulList(cuts.filter((c) => c.dir).map((c) => c.path)));
        const removed = await step(['xargs', '-0', '-r', 'rm', '-rf', '--'], nulList(paths));
        if (removed.exitCode !== 0) logger.warn(`sandbox ${this.container.id.slice(0, 12)}: removing what breaks the caps: ${removed.stderr.result().text.trim()}`);
        for (const c of cuts) problems.push(c.problem);
      }
      let stream: NodeJS.ReadableStream;
      try {
        stream = await this.container.getArchive({ path: dir });
      } catch (err) {
        // No daemon or no container is the harness's failure; a refused archive is the tree's.
        const status = dockerStatus(err);
        if (status === undefined || status === 404) throw new HarnessError(`cannot copy ${dir} out of sandbox ${this.container.id.slice(0, 12)}: ${dockerMessage(err)}`);
        problems.push({ path: '.', reason: `${dir} cannot be copied out: ${dockerMessage(err)}`, sabotage: true });
        return { tree: new Map(), problems, complete: false };
      }
      try {
        const read = await readTarTree(stream, { stripTop: true, caps });
        for (const p of read.problems) problems.push(p);
        return { tree: read.tree, problems, complete: read.complete };
      } catch (err) {
        problems.push({ path: '.', reason: `${dir} cannot be copied out: ${errorMessage(err)}`, sabotage: true });
        return { tree: new Map(), problems, complete: false };
      }
    });
  }

  readFile(path: string, options: FileOptions = {}): Promise<Buffer> {
    return this.locked(async () => {
      const { result, stdout } = await this.execLocked(`cat -- ${shellQuote(path)}`, {
        user: options.user ?? 'agent',
        keepBytes: FILE_KEEP_BYTES,
        killAfterBytes: FILE_KEEP_BYTES,
        timeoutMs: options.timeoutMs ?? FILE_TIMEOUT_MS,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      if (result.timedOut) throw new SandboxFileError(path, 'read', 'timed out');
      if (result.exitCode !== 0) throw new SandboxFileError(path, 'read', result.stderr.text.trim() || `cat exited with ${result.exitCode}`);
      const whole = stdout.whole();
      if (whole === undefined) throw new SandboxFileError(path, 'read', 'file too large');
      return whole;
    });
  }

  writeFile(path: string, content: Buffer | string, options: FileOptions = {}): Promise<void> {
    return this.locked(async () => {
      const q = shellQuote(path);
      const { result } = await this.execLocked(`mkdir -p -- "$(dirname -- ${q})" && cat > ${q}`, {
        user: options.user ?? 'agent',
        stdin: content,
        timeoutMs: options.timeoutMs ?? FILE_TIMEOUT_MS,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      if (result.timedOut) throw new SandboxFileError(path, 'write', 'timed out');
      if (result.exitCode !== 0) throw new SandboxFileError(path, 'write', result.stderr.text.trim() || `exited with ${result.exitCode}`);
    });
  }

  async startService(argv: string[]): Promise<void> {
    this.assertOpen();
    await this.flushPut();
    try {
      const exec = await this.container.exec({ Cmd: argv, User: KEEPER_USER, WorkingDir: '/', Env: ['LANG=C.UTF-8'], AttachStdout: false, AttachStderr: false });
      // The daemon answers a detached start at once; the answer's connection is not needed after.
      const answer = (await exec.start({ Detach: true })) as NodeJS.ReadableStream & { destroy?: () => void };
      answer.destroy?.();
    } catch (err) {
      throw new HarnessError(`cannot start ${argv[0] ?? '?'} in sandbox ${this.container.id.slice(0, 12)}: ${dockerMessage(err)}`);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.removeAll();
    return this.closing;
  }

  private async removeAll(): Promise<void> {
    await removeContainerAndVolume(this.docker, this.container.id, this.volumeName);
  }
}

/** Removes a container (forced) and a volume; what is already gone is fine. */
export async function removeContainerAndVolume(docker: Docker, containerId: string | undefined, volumeName: string | undefined): Promise<void> {
  if (containerId !== undefined) {
    try {
      await docker.getContainer(containerId).remove({ force: true, v: true });
    } catch (err) {
      const status = dockerStatus(err);
      const gone = status === 404 || (status === 409 && /already in progress/i.test(dockerMessage(err)));
      if (!gone) throw new HarnessError(`cannot remove container ${containerId.slice(0, 12)}: ${dockerMessage(err)}`);
    }
  }
  if (volumeName !== undefined) {
    for (let attempt = 0; ; attempt++) {
      try {
        await docker.getVolume(volumeName).remove();
        return;
      } catch (err) {
        const status = dockerStatus(err);
        if (status === 404) return;
        // 409: the container that used it is still being removed.
        if (status === 409 && attempt < 50) {
          await sleep(100);
          continue;
        }
        throw new HarnessError(`cannot remove volume ${volumeName}: ${dockerMessage(err)}`);
      }
    }
  }
}

export class DockerSandboxFactory implements SandboxFactory {
  constructor(private readonly docker: Docker = dockerClient()) {}

  async imageId(profile: SandboxProfile): Promise<string> {
    try {
      return (await this.docker.getImage(profile.image).inspect()).Id;
    } catch (err) {
      throw new HarnessError(`cannot read the id of ${profile.image} (profile ${profile.name}): ${dockerMessage(err)}`);
    }
  }

  async prepareRun(profile: SandboxProfile, labels: Record<string, string> = {}): Promise<PreparedRun> {
    const { prepareDockerRun } = await import('./one-shot.js');
    const name = `ibench-${profile.name}-run-${randomBytes(6).toString('hex')}`;
    return prepareDockerRun(this.docker, profile, name, { ...labels, ...ownerLabels(), 'ibench.profile': profile.name });
  }

  async create(profile: SandboxProfile, labels: Record<string, string> = {}, options: SandboxCreateOptions = {}): Promise<Sandbox> {
    const docker = this.docker;
    const name = `ibench-${profile.name}-${randomBytes(6).toString('hex')}`;
    const allLabels = { ...labels, ...ownerLabels(), 'ibench.profile': profile.name };
    const { uid, gid } = profile.user;

    try {
      await docker.createVolume({
        Name: name,
        Driver: 'local',
        DriverOpts: {
          type: 'tmpfs',
          device: 'tmpfs',
          o: `size=${parseSize(profile.limits.work)},uid=${uid},gid=${gid},mode=0755`,
        },
        Labels: allLabels,
      });
    } catch (err) {
      throw new HarnessError(`cannot create the work volume for a ${profile.name} sandbox: ${dockerMessage(err)}`);
    }

    let container: Docker.Container | undefined;
    try {
      container = await docker.createContainer(
        containerSpec(profile, {
          name,
          labels: allLabels,
          cmd: ['sleep', 'infinity'],
          user: KEEPER_USER,
          env: ['LANG=C.UTF-8'],
          work: { volume: name },
          ...(options.proxyDir === undefined ? {} : { proxyDir: options.proxyDir }),
        }),
      );
      await container.start();
    } catch (err) {
      await removeContainerAndVolume(docker, container?.id, name).catch((cleanupErr: unknown) => {
        logger.warn(`cleanup after a failed sandbox start: ${dockerMessage(cleanupErr)}`);
      });
      if (dockerStatus(err) === 404 && /image/i.test(dockerMessage(err))) {
        throw new HarnessError(`The image ${profile.image} of sandbox profile "${profile.name}" is missing: run \`ibench images build\`.`);
      }
      throw new HarnessError(`cannot start a ${profile.name} sandbox from ${profile.image}: ${dockerMessage(err)}`);
    }
    logger.debug(`sandbox ${container.id.slice(0, 12)} (${profile.name}) started`);
    return new DockerSandbox(docker, container, name, profile);
  }
}
