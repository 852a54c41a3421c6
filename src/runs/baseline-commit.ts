/**
 * The agent's /work as an episode starts: the workspace tree and a baseline commit of it in .git
 * (the agent may use git; grading never trusts it).
 *
 * The commit is made by the image's own git, in the sandbox, as the agent user. Its .git depends
 * only on the image and the workspace, so it is kept (in this process and in
 * .cache/baseline-git/, keyed by the image's content-addressed id, the command and every path,
 * mode, byte and owner of the workspace) and later episodes put it in with the tree: an exec
 * fewer each (git). What is kept is read from a container in which nothing
 * but git ran, before any agent started; no episode's .git is ever kept or reused.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import type { FileEntry, FileTree } from '../sandbox/file-tree.js';
import type { SandboxProfile } from '../sandbox/profile.js';
import { tarToTree, treeToTar } from '../sandbox/tar.js';
import type { Sandbox, SandboxFactory } from '../sandbox/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { HarnessError, errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import { cacheDir } from '../util/paths.js';

/**
 * No automatic gc or maintenance: it would go on in the background (what a command leaves running
 * lives until the next command) while the .git made here is read out to be kept.
 */
export const BASELINE_COMMIT_COMMAND =
  'git init -q && git add -A && git -c user.name=ibench -c user.email=ibench@localhost -c gc.auto=0 -c maintenance.auto=false commit -q -m baseline';

/** A .git larger than this is not kept (it would be put in with every episode's tree). */
const MAX_KEPT_BYTES = 32 * 1024 * 1024;

export interface Workspace {
  tree: FileTree;
  readOnly: ReadonlySet<string>;
}

export interface BaselineOptions {
  signal?: AbortSignal;
  /** Where made .git trees are kept across processes (default .cache/baseline-git). */
  cacheFolder?: string;
}

/** The .git trees made in this process, by key. */
const made = new Map<string, FileTree>();

/** Forgets what this process made (tests: the next look-up goes to the cache folder). */
export function forgetMadeBaselines(): void {
  made.clear();
}

/**
 * Puts the workspace into the sandbox's workdir with its baseline commit: the kept .git with the
 * tree when there is one for this image and workspace, else the tree, then git in the sandbox
 * (whose .git is then kept). Without an image id (a factory that gives none) nothing is kept.
 */
export async function putWorkspaceWithBaseline(sandbox: Sandbox, factory: SandboxFactory, workspace: Workspace, options: BaselineOptions = {}): Promise<{ reused: boolean }> {
  const { profile } = sandbox;
  const putOptions = { readOnly: workspace.readOnly };
  const key = await baselineKey(factory, profile, workspace);
  const folder = options.cacheFolder ?? join(cacheDir, 'baseline-git');
  const kept = key === undefined ? undefined : (made.get(key) ?? (await readKept(folder, key)));
  if (key !== undefined && kept !== undefined) {
    made.set(key, kept);
    await sandbox.putTree(profile.workdir, withGit(workspace.tree, kept), putOptions);
    return { reused: true };
  }
  await sandbox.putTree(profile.workdir, workspace.tree, putOptions);
  await makeBaselineCommit(sandbox, options.signal);
  if (key !== undefined) await keep(sandbox, folder, key);
  return { reused: false };
}

async function makeBaselineCommit(sandbox: Sandbox, signal: AbortSignal | undefined): Promise<void> {
  const result = await sandbox.exec(BASELINE_COMMIT_COMMAND, { timeoutMs: 60_000, ...(signal === undefined ? {} : { signal }) });
  if (result.exitCode !== 0) throw new HarnessError(`baseline commit failed (exit ${result.exitCode}): ${result.stderr.text.trim()}`);
}

/** Reads the fresh .git out of the sandbox and keeps it; a failure to keep it only costs speed. */
async function keep(sandbox: Sandbox, folder: string, key: string): Promise<void> {
  try {
    const git = await sandbox.getTree(posix.join(sandbox.profile.workdir, '.git'));
    let bytes = 0;
    for (const entry of git.values()) if (entry.kind === 'file' && entry.linkTo === undefined) bytes += entry.content.length;
    if (bytes > MAX_KEPT_BYTES) return;
    made.set(key, git);
    await writeFileAtomic(join(folder, `${key}.tar`), await treeToTar(git));
  } catch (err) {
    logger.warn(`could not keep the baseline commit of ${sandbox.profile.image}: ${errorMessage(err)}`);
  }
}

async function readKept(folder: string, key: string): Promise<FileTree | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(folder, `${key}.tar`));
  } catch {
    return undefined;
  }
  try {
    const tree = await tarToTree(Readable.from([bytes]));
    return tree.has('HEAD') && tree.has('objects') ? tree : undefined;
  } catch {
    return undefined;
  }
}

/** The workspace with `.git/<path>` for every entry of the kept .git. */
function withGit(tree: FileTree, git: FileTree): FileTree {
  const out: FileTree = new Map(tree);
  out.set('.git', { kind: 'dir', mode: 0o755 });
  for (const [path, entry] of git) out.set(`.git/${path}`, entry);
  return out;
}

/** The image's id per image name, asked once per process. */
const imageIds = new Map<string, Promise<string>>();

/**
 * What the .git depends on: the image (its git), the command, the workdir and agent user, and every
 * entry of the workspace with whether it is put read-only. Undefined when nothing may be kept: no
 * image id, or a workspace that has a .git of its own.
 */
async function baselineKey(factory: SandboxFactory, profile: SandboxProfile, workspace: Workspace): Promise<string | undefined> {
  if (factory.imageId === undefined) return undefined;
  if ([...workspace.tree.keys()].some((path) => path === '.git' || path.startsWith('.git/'))) return undefined;
  let imageId = imageIds.get(profile.image);
  if (imageId === undefined) {
    imageId = factory.imageId(profile);
    imageIds.set(profile.image, imageId);
    imageId.catch(() => imageIds.delete(profile.image));
  }
  const hash = createHash('sha256');
  const field = (value: string | Buffer): void => {
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    hash.update(`${bytes.length}:`).update(bytes);
  };
  for (const value of [await imageId, BASELINE_COMMIT_COMMAND, profile.workdir, `${profile.user.uid}:${profile.user.gid}`]) field(value);
  for (const path of [...workspace.tree.keys()].sort()) {
    field(path);
    field(entryKey(workspace.tree.get(path) as FileEntry));
    field(workspace.readOnly.has(path) ? 'ro' : 'rw');
  }
  return hash.digest('hex').slice(0, 40);
}

function entryKey(entry: FileEntry): string {
  switch (entry.kind) {
    case 'file':
      return `file ${entry.mode.toString(8)} ${entry.linkTo ?? ''} ${createHash('sha256').update(entry.content).digest('hex')}`;
    case 'symlink':
      return `symlink ${entry.target}`;
    case 'dir':
      return `dir ${entry.mode.toString(8)}`;
  }
}
