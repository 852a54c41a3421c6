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

/**
 * One thing started ahead, with what it was asked as: handed out only to a request for exactly
 * that (same profile, labels and mounts: a CLI agent's container must have the proxy's, a test
 * container must not).
 */
class StartedAhead<T> {
  private held: { asked: unknown; thing: Promise<T> } | undefined;

  constructor(private readonly what: string) {}

  start(asked: unknown, make: () => Promise<T>): void {
    if (this.held !== undefined) throw new Error(`a ${this.what} is already started ahead`);
    const thing = make();
    // A failed start is not reported here: the request that would have taken it starts its own.
    thing.catch(() => undefined);
    this.held = { asked: structuredClone(asked), thing };
  }

  /** The thing when it was started as `asked` and started well; undefined to make a new one. */
  async take(asked: unknown): Promise<T | undefined> {
    const held = this.held;
    if (held === undefined || !isDeepStrictEqual(held.asked, asked)) return undefined;
    this.held = undefined;
    return held.thing.catch((err: unknown) => {
      logger.debug(`a ${this.what} started ahead failed (${errorMessage(err)}); starting another`);
      return undefined;
    });
  }

  /** What nothing took (to be removed). */
  async drop(): Promise<T | undefined> {
    const held = this.held;
    this.held = undefined;
    return held?.thing.catch(() => undefined);
  }
}

export class HeadStartFactory implements SandboxFactory {
  private readonly sandboxAhead = new StartedAhead<Sandbox>('sandbox');
  private readonly runAhead = new StartedAhead<PreparedRun>("run's container");
  readonly imageId?: (profile: SandboxProfile) => Promise<string>;
  readonly prepareRun?: (profile: SandboxProfile, labels?: Record<string, string>) => Promise<PreparedRun>;

  constructor(private readonly inner: SandboxFactory) {
    if (inner.imageId !== undefined) this.imageId = inner.imageId.bind(inner);
    const prepare = inner.prepareRun?.bind(inner);
    if (prepare !== undefined) this.prepareRun = async (profile, labels = {}) => (await this.runAhead.take({ profile, labels })) ?? prepare(profile, labels);
  }

  /**
   * Starts a run's container for a later prepareRun(profile, labels); one at a time. Does nothing
   * when the inner factory has no one-shot runs.
   */
  startRunAhead(profile: SandboxProfile, labels: Record<string, string>): void {
    const prepare = this.inner.prepareRun?.bind(this.inner);
    if (prepare === undefined) return;
    this.runAhead.start({ profile, labels }, () => prepare(profile, labels));
  }

  /** Starts a sandbox for a later create(profile, labels, options); one at a time. */
  startAhead(profile: SandboxProfile, labels: Record<string, string>, options: SandboxCreateOptions = {}): void {
    this.sandboxAhead.start({ profile, labels, options }, () => this.inner.create(profile, labels, options));
  }

  async create(profile: SandboxProfile, labels: Record<string, string> = {}, options: SandboxCreateOptions = {}): Promise<Sandbox> {
    return (await this.sandboxAhead.take({ profile, labels, options })) ?? this.inner.create(profile, labels, options);
  }

  /** Removes what was started ahead and not taken. */
  async release(): Promise<void> {
    const [sandbox, run] = await Promise.all([this.sandboxAhead.drop(), this.runAhead.drop()]);
    await Promise.all([sandbox?.close(), run?.discard()]);
  }
}
