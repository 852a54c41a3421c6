// The gateway's response cache: see README.md.

export class ResponseCache<V> {
  readonly capacity: number;

  /** capacity: a positive integer, else a RangeError. */
  constructor(capacity: number) {
    throw new Error('not implemented');
  }

  get size(): number {
    throw new Error('not implemented');
  }

  /** The value, or undefined; a hit counts as a use. */
  get(key: string): V | undefined {
    throw new Error('not implemented');
  }

  /** Stores the value (a use of the key), evicting one entry first when a new key finds the cache full. */
  set(key: string, value: V): this {
    throw new Error('not implemented');
  }

  /** Whether the key is cached; not a use. */
  has(key: string): boolean {
    throw new Error('not implemented');
  }

  delete(key: string): boolean {
    throw new Error('not implemented');
  }

  /** The cached keys from least to most recently used; not a use. */
  keys(): string[] {
    throw new Error('not implemented');
  }
}
