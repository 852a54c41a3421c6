/**
 * A sandbox factory that starts one sandbox before it is asked for: an episode's first grading
 * container starts while the agent's tree is copied out and analysed, not after. The sandbox is as
 * fresh as any other (made for this episode, nothing run in it); create() hands it out only for the
 * same profile, labels and options it was started with, else makes a new one; release() removes it when no
 * create() took it.
 */
import { isDeepStrictEqual } from 'node:util';
import { errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import type { SandboxProfile } from './profile.js';
import type { Sandbox, SandboxCreateOptions, SandboxFactory } from './types.js';

interface Ahead {
  profile: SandboxProfile;
  labels: Record<string, string>;
  options: SandboxCreateOptions;
  sandbox: Promise<Sandbox>;
}

export class HeadStartFactory implements SandboxFactory {
  private ahead: Ahead | undefined;
  readonly imageId?: (profile: SandboxProfile) => Promise<string>;

  constructor(private readonly inner: SandboxFactory) {
    if (inner.imageId !== undefined) this.imageId = inner.imageId.bind(inner);
  }

  /** Starts a sandbox for a later create(profile, labels, options); one at a time. */
  startAhead(profile: SandboxProfile, labels: Record<string, string>, options: SandboxCreateOptions = {}): void {
    if (this.ahead !== undefined) throw new Error('a sandbox is already started ahead');
    const sandbox = this.inner.create(profile, labels, options);
    // A failed start is not reported here: the create() that would have taken it starts its own.
    sandbox.catch(() => undefined);
    this.ahead = { profile, labels: { ...labels }, options: { ...options }, sandbox };
  }

  async create(profile: SandboxProfile, labels: Record<string, string> = {}, options: SandboxCreateOptions = {}): Promise<Sandbox> {
    const ahead = this.ahead;
    // Handed out only to a request for exactly what it was started as: same profile, labels and
    // mounts (a CLI agent's container must have the proxy's; a test container must not).
    if (ahead !== undefined && isDeepStrictEqual(ahead.profile, profile) && isDeepStrictEqual(ahead.labels, labels) && isDeepStrictEqual(ahead.options, options)) {
      this.ahead = undefined;
      const sandbox = await ahead.sandbox.catch((err: unknown) => {
        logger.debug(`a sandbox started ahead failed (${errorMessage(err)}); starting another`);
        return undefined;
      });
      if (sandbox !== undefined) return sandbox;
    }
    return this.inner.create(profile, labels, options);
  }

  /** Removes the sandbox started ahead when nothing took it. */
  async release(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead === undefined) return;
    const sandbox = await ahead.sandbox.catch(() => undefined);
    await sandbox?.close();
  }
}
