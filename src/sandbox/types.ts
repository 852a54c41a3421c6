import type { CopyOutCaps, CopyOutResult } from './copy-out.js';
import type { FileTree } from './file-tree.js';
import type { SandboxProfile } from './profile.js';

export interface ExecOptions {
  /** Who runs the command: the unprivileged agent user (default) or root (still without capabilities). */
  user?: 'agent' | 'root';
  /** Working directory; default the profile's workdir (/work). */
  cwd?: string;
  /** Wall-clock limit; on expiry every process of the command's user is killed and timedOut is set. */
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Bytes written to the command's stdin, then stdin is closed. */
  stdin?: Buffer | string;
  /** Bytes of each stream kept in memory (half from the head, half from the tail). Default 1 MiB. */
  keepBytes?: number;
  /** Total output after which the command is killed (outputLimitHit). Default 64 MiB. */
  killAfterBytes?: number;
  /**
   * Stops waiting for the command at once when it fires (Ctrl-C): exec rejects with the signal's
   * reason and the command is left to die with the sandbox, which the caller then closes.
   */
  signal?: AbortSignal;
  /**
   * The sandbox's last command: the caller closes it right after and runs nothing else in it; every
   * later call but close() is refused. What the command leaves behind dies with the container.
   */
  last?: boolean;
}

export interface PutTreeOptions {
  /** Paths of the tree put in owned by root and without write bits (read-only test access). */
  readOnly?: ReadonlySet<string>;
}

export interface FileOptions {
  user?: 'agent' | 'root';
  /** Wall-clock limit of the read or write (default 60 s): a FIFO or a huge file cannot hold it longer. */
  timeoutMs?: number;
  /** As in ExecOptions: stops the wait at once. */
  signal?: AbortSignal;
}

/** One output stream as kept: head and tail joined by an omission marker when it was too long. */
export interface CapturedStream {
  text: string;
  /** Bytes the command wrote to this stream in all. */
  totalBytes: number;
  /** Bytes left out of `text`. */
  omittedBytes: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: CapturedStream;
  stderr: CapturedStream;
  timedOut: boolean;
  /** Killed by the kernel's OOM killer (told apart from a timeout kill via the memory cgroup). */
  oomKilled: boolean;
  outputLimitHit: boolean;
  durationMs: number;
}

/**
 * One isolated container per episode (Inspect AI's sandbox shape). Every container is labelled
 * so a sweep can remove what a crashed run left behind.
 */
export interface Sandbox {
  readonly containerId: string;
  readonly profile: SandboxProfile;
  /**
   * Runs `bash -lc <script>` in a shell that first kills every process of the same user that earlier
   * commands left running: nothing they left behind runs once the script's first byte does, whatever
   * they did to their own process tree. What this command leaves behind runs until the next command
   * of its user (or the copy-out, killProcesses(), close()); when a caller needs it dead at once
   * (before it reads what the command wrote, say), it calls killProcesses(). A timeout or the output
   * limit kills every process of the user at once.
   */
  exec(script: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Kills every process of `user` now, from an exec of its own, tried again with the pids limit
   * raised for a moment when it cannot start or is killed (a fork bomb, a kill loop); throws when
   * every try fails. The keeper, and services started by startService, are nobody's: out of reach
   * of both users.
   */
  killProcesses(user: 'agent' | 'root'): Promise<void>;
  /**
   * Copies a tree into a directory of the container, owned by the agent user (but `options.readOnly`).
   * Into the workdir of a sandbox where nothing ran yet, without read-only paths, the tree may go
   * in with the first command instead (extracted by that command's own shell): every later call
   * sees it as if it had been put in here.
   */
  putTree(dir: string, tree: FileTree, options?: PutTreeOptions): Promise<void>;
  /** Copies a directory of the container out (works whatever the file modes are). */
  getTree(dir: string): Promise<FileTree>;
  /**
   * Copies the agent's folder out within caps (default: the profile's work volume for bytes): kills
   * the agent's processes first and removes, in this container, what breaks the caps, recording it.
   * Leaves the container's folder changed: call it last, before close().
   */
  copyOut(dir: string, caps?: Partial<CopyOutCaps>): Promise<CopyOutResult>;
  /** Reads a file as the agent user would (permissions apply). */
  readFile(path: string, options?: FileOptions): Promise<Buffer>;
  /** Writes a file as the agent user would (permissions apply); creates parent directories. */
  writeFile(path: string, content: Buffer | string, options?: FileOptions): Promise<void>;
  /**
   * Starts a long-running helper (e.g. a CLI agent's forwarder to the model proxy) detached, as the
   * keeper user (nobody): neither the agent nor root (no CAP_KILL) can signal it. Resolves once it
   * started; it ends with the container.
   */
  startService?(argv: string[]): Promise<void>;
  /** Removes the container and its volumes. Safe to call twice. */
  close(): Promise<void>;
}

export interface SandboxCreateOptions {
  /**
   * A host folder bind-mounted read-only at /run/ibench-proxy: the CLI agents' one route out (the
   * model proxy's Unix socket). The container keeps no network.
   */
  proxyDir?: string;
}

/** Where SandboxCreateOptions.proxyDir is mounted in the container. */
export const PROXY_MOUNT = '/run/ibench-proxy';

/** One command in a container of its own: see SandboxFactory.prepareRun. */
export interface OneShotRun {
  /** Put into the profile's workdir, owned by the agent user, before the command starts. */
  tree: FileTree;
  /** Run as `bash -lc <command>` by the agent user in the workdir, stdin from /dev/null. */
  command: string;
  /** Wall-clock limit of the command, from its start (not the tree's copy). */
  timeoutMs: number;
  /** As in ExecOptions. */
  keepBytes: number;
  killAfterBytes?: number;
  signal?: AbortSignal;
}

/** A fresh container waiting for its one command. */
export interface PreparedRun {
  readonly containerId: string;
  /** Puts the tree in, runs the command, and removes the container, whatever happens. At most once. */
  run(request: OneShotRun): Promise<ExecResult>;
  /** Removes the container when it is not to be used. */
  discard(): Promise<void>;
}

/** The tree could not be put into a one-shot container (the archive was refused): the tree's fault, not the harness's. */
export class TreeNotPut extends Error {
  override name = 'TreeNotPut';
}

export interface SandboxFactory {
  create(profile: SandboxProfile, labels?: Record<string, string>, options?: SandboxCreateOptions): Promise<Sandbox>;
  /**
   * A container made for exactly one command and started, waiting for it: the command is the
   * container's own process, its tree comes in on its stdin (no docker exec, no docker cp), and
   * nothing else ever runs in it. Absent: callers create() a sandbox and exec in it.
   */
  prepareRun?(profile: SandboxProfile, labels?: Record<string, string>): Promise<PreparedRun>;
  /**
   * The content-addressed id of the profile's image (sha256:...): a key for what is learnt from
   * the image itself and cached across processes. Absent: nothing is cached across processes.
   */
  imageId?(profile: SandboxProfile): Promise<string>;
}

/** A file could not be read or written in the sandbox as the given user (missing, permission denied, ...). */
export class SandboxFileError extends Error {
  override name = 'SandboxFileError';
  constructor(
    readonly path: string,
    readonly operation: 'read' | 'write',
    readonly reason: string,
  ) {
    super(`cannot ${operation} ${path}: ${reason}`);
  }
}
