/**
 * At most `limit` tasks at once per key (a registry), the rest waiting in order. Uploads started all at once would
 * share a slow uplink so thinly that each one's idle timeout could fire; docker caps them at 5 the same way.
 */
export class UploadLimiter {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    if ((this.running.get(key) ?? 0) >= this.limit) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key) ?? [];
        queue.push(resolve);
        this.waiting.set(key, queue);
      });
    } else {
      this.running.set(key, (this.running.get(key) ?? 0) + 1);
    }
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so the count only drops when nobody waits.
      const next = this.waiting.get(key)?.shift();
      if (next) next();
      else this.running.set(key, (this.running.get(key) ?? 1) - 1);
    }
  }
}
