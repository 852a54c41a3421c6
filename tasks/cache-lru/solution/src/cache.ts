// The gateway's response cache: see README.md.

export class ResponseCache<V> {
  readonly capacity: number;
  // A Map iterates in insertion order: re-inserting a key on each use keeps it in use order.
  readonly #entries = new Map<string, V>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: V): this {
    if (this.#entries.has(key)) this.#entries.delete(key);
    else if (this.#entries.size >= this.capacity) {
      const leastRecent = this.#entries.keys().next().value as string;
      this.#entries.delete(leastRecent);
    }
    this.#entries.set(key, value);
    return this;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }
}
