/**
 * A sandbox factory that starts one sandbox (or one run's container) before it is asked for: an
 * episode's first grading container starts while the agent's tree is copied out and analysed, not
 * after. It is as fresh as any other (made for this episode, nothing run in it); create() or
 * prepareRun() hands it out only for the same profile, labels and options it was started with, else
 * makes a new one; release() removes it when nothing took it.
 */
import { isDeepStrictEqual } from 'node:util';
import { errorMessage } from '../util/errors.js';
import { logger } from '../util/log.js';
import type { SandboxProfile } from './profile.js';
import type { PreparedRun, Sandbox, SandboxCreateOptions, SandboxFactory } from './types.js';

interface Ahead {
  profile: SandboxProfile;
  labels: Record<string, string>;
  options: SandboxCreateOptions;
  sandbox: Promise<Sandbox>;
}

interface RunAhead {
  profile: SandboxProfile;
  labels: Record<string, string>;
  run: Promise<PreparedRun>;
}

export class HeadStartFactory implements SandboxFactory {
  private ahead: Ahead | undefined;
  private runAhead: RunAhead | undefined;
  readonly imageId?: (profile: SandboxProfile) => Promise<string>;
  readonly prepareRun?: (profile: SandboxProfile, labels?: Record<string, string>) => Promise<PreparedRun>;

  constructor(private readonly inner: SandboxFactory) {
    if (inner.imageId !== undefined) this.imageId = inner.imageId.bind(inner);
    const prepare = inner.prepareRun?.bind(inner);
    if (prepare !== undefined) this.prepareRun = (profile, labels = {}) => this.takeRun(prepare, profile, labels);
  }

  /**
   * Starts a run's container for a later prepareRun(profile, labels); one at a time. Does nothing
   * when the inner factory has no one-shot runs.
   */
  startRunAhead(profile: SandboxProfile, labels: Record<string, string>): void {
    if (this.runAhead !== undefined) throw new Error("a run's container is already started ahead");
    if (this.inner.prepareRun === undefined) return;
    const run = this.inner.prepareRun(profile, labels);
    run.catch(() => undefined);
    this.runAhead = { profile, labels: { ...labels }, run };
  }

  private async takeRun(prepare: (profile: SandboxProfile, labels?: Record<string, string>) => Promise<PreparedRun>, profile: SandboxProfile, labels: Record<string, string>): Promise<PreparedRun> {
    const ahead = this.runAhead;
    if (ahead !== undefined && isDeepStrictEqual(ahead.profile, profile) && isDeepStrictEqual(ahead.labels, labels)) {
      this.runAhead = undefined;
      const run = await ahead.run.catch((err: unknown) => {
        logger.debug(`a test container started ahead failed (${errorMessage(err)}); starting another`);
        return undefined;
      });
      if (run !== undefined) return run;
    }
    return prepare(profile, labels);
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

  /** Removes what was started ahead and not taken. */
  async release(): Promise<void> {
    const ahead = this.ahead;
    const runAhead = this.runAhead;
    this.ahead = undefined;
    this.runAhead = undefined;
    const sandbox = await ahead?.sandbox.catch(() => undefined);
    const run = await runAhead?.run.catch(() => undefined);
    await Promise.all([sandbox?.close(), run?.discard()]);
  }
}
