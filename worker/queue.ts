// A FIFO queue that runs one task at a time and measures how long each waited and ran.

export interface Timed<T> {
  value: T;
  queueMs: number;
  computeMs: number;
}

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private active = 0;

  /** Tasks enqueued and not yet finished (running included). */
  get depth(): number {
    return this.waiting + this.active;
  }

  run<T>(task: () => Promise<T>): Promise<Timed<T>> {
    const enqueued = performance.now();
    this.waiting++;
    const result = this.tail.then(async () => {
      this.waiting--;
      this.active++;
      const started = performance.now();
      try {
        const value = await task();
        return { value, queueMs: started - enqueued, computeMs: performance.now() - started };
      } finally {
        this.active--;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once everything enqueued so far has finished. */
  drain(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
