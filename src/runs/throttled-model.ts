import type { ChatMessage, Model, ModelReply, ToolSpec } from '../models/types.js';
import type { Semaphore } from '../util/semaphore.js';

/** A model whose requests wait for a slot of their provider (a bound on requests in flight). */
export class ThrottledModel implements Model {
  constructor(
    private readonly inner: Model,
    private readonly slots: Semaphore,
  ) {}

  get spec(): string {
    return this.inner.spec;
  }

  generate(messages: ChatMessage[], tools: ToolSpec[], signal?: AbortSignal): Promise<ModelReply> {
    return this.slots.use(() => this.inner.generate(messages, tools, signal), signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
