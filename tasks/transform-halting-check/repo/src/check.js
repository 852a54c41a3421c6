// The pre-deploy check of a transform (see README.md).

/**
 * True when running the transform `source` on `event` (with `platform.willTerminate` being
 * this very function) finishes — returns or throws — and false when it runs forever.
 */
export function willTerminate(source, event) {
  throw new Error('not implemented');
}
