/**
 * A line a harness-written shell prints on stdout once its own work is done and before it starts
 * the command it runs (a tree extracted, then the command): nothing the command does can come
 * before it, so a stream that does not begin with it tells that the shell's work failed.
 */
export class StartMark {
  private held = Buffer.alloc(0);
  /** waiting: not decided yet; seen: the stream began with the mark; missed: it did not. */
  state: 'waiting' | 'seen' | 'missed' = 'waiting';
  private readonly mark: Buffer;

  constructor(line: string) {
    this.mark = Buffer.from(`${line}\n`);
  }

  /**
   * The part of a stdout chunk that is output: nothing while the stream may still be the mark, the
   * rest once the mark is seen (the mark itself dropped), everything held once it is missed.
   */
  take(chunk: Buffer): Buffer {
    if (this.state !== 'waiting') return chunk;
    this.held = Buffer.concat([this.held, chunk]);
    const n = Math.min(this.held.length, this.mark.length);
    if (!this.held.subarray(0, n).equals(this.mark.subarray(0, n))) {
      this.state = 'missed';
      return this.release(0);
    }
    if (this.held.length < this.mark.length) return Buffer.alloc(0);
    this.state = 'seen';
    return this.release(this.mark.length);
  }

  private release(from: number): Buffer {
    const out = this.held.subarray(from);
    this.held = Buffer.alloc(0);
    return out;
  }
}
