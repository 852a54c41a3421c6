/** Deadlines and aborts for waits that must end whatever the thing waited on does. */

/** The error an aborted wait rejects with: the signal's reason when it is an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new Error(typeof reason === 'string' ? reason : 'aborted');
}

/** The signal of an episode's deadline, also fired by the parent signal (Ctrl-C). */
export interface DeadlineSignal {
  signal: AbortSignal;
  /** True when the deadline (not the parent) fired it. */
  readonly expired: boolean;
  /** Clears the timer; call it when the wait is over. */
  dispose(): void;
}

/**
 * A signal that fires at `deadline` (epoch ms) with `onExpiry()` as its reason, or when `parent`
 * fires, with the parent's reason.
 */
export function deadlineSignal(parent: AbortSignal | undefined, deadline: number, onExpiry: () => Error): DeadlineSignal {
  const controller = new AbortController();
  let expired = false;
  const fromParent = (): void => controller.abort(parent?.reason);
  const timer = setTimeout(
    () => {
      expired = true;
      controller.abort(onExpiry());
    },
    Math.max(0, deadline - Date.now()),
  );
  if (parent?.aborted === true) fromParent();
  else parent?.addEventListener('abort', fromParent, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', fromParent);
    },
  };
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it fires, even when the
 * work behind the promise ignores the signal (its late result or failure is dropped).
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
