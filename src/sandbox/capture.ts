import type { CapturedStream } from './types.js';

/** Keeps the head and the tail of a stream (half of keepBytes each) and counts the rest. */
export class Capture {
  private readonly headCap: number;
  private readonly tailCap: number;
  private readonly head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  total = 0;

  constructor(keepBytes: number) {
    this.headCap = Math.ceil(Math.max(0, keepBytes) / 2);
    this.tailCap = Math.max(0, keepBytes) - this.headCap;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headLen < this.headCap) {
      const take = Math.min(rest.length, this.headCap - this.headLen);
      this.head.push(Buffer.from(rest.subarray(0, take)));
      this.headLen += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0 || this.tailCap === 0) return;
    this.tail.push(Buffer.from(rest));
    this.tailLen += rest.length;
    for (;;) {
      const first = this.tail[0];
      if (first === undefined || this.tailLen - first.length < this.tailCap) break;
      this.tailLen -= first.length;
      this.tail.shift();
    }
  }

  private tailBuffer(): Buffer {
    const all = Buffer.concat(this.tail);
    return all.length > this.tailCap ? all.subarray(all.length - this.tailCap) : all;
  }

  /** The whole stream when nothing was left out. */
  whole(): Buffer | undefined {
    const head = Buffer.concat(this.head);
    const tail = this.tailBuffer();
    if (head.length + tail.length !== this.total) return undefined;
    return Buffer.concat([head, tail]);
  }

  result(): CapturedStream {
    const head = Buffer.concat(this.head);
    const tail = this.tailBuffer();
    const omittedBytes = this.total - head.length - tail.length;
    const text =
      omittedBytes === 0
        ? Buffer.concat([head, tail]).toString('utf8')
        : `${head.toString('utf8')}\n[... ${omittedBytes} bytes omitted ...]\n${tail.toString('utf8')}`;
    return { text, totalBytes: this.total, omittedBytes };
  }
}
