import { type Readable, Transform } from 'node:stream';
import type { HttpHeaders, HttpResponse } from '../http';

/** Counters a client keeps so tests and benchmarks can check what went over the wire. */
export interface RegistryStats {
  /** HTTP requests sent, each attempt counted. */
  requests: number;
  /** Response body bytes read. */
  bytesRead: number;
  /** Request body bytes written. */
  bytesWritten: number;
  /** Attempts that were retried. */
  retries: number;
}

export function newStats(): RegistryStats {
  return { requests: 0, bytesRead: 0, bytesWritten: 0, retries: 0 };
}

/** A body that stopped moving: no byte in either direction for the idle timeout (a stalled link or server). */
export class StalledError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(message: string) {
    super(message);
    this.name = 'StalledError';
  }
}

/**
 * An HTTP response whose body reads are counted in the client's stats. Read or discard it exactly once. A body
 * that sends nothing for `idleTimeoutMs` fails with a StalledError instead of waiting for ever.
 */
export class RegistryResponse {
  private consumed = false;

  constructor(
    private readonly res: HttpResponse,
    private readonly stats: RegistryStats,
    /** Frees the per-request cancellation hook once the body is done with. */
    private readonly release: () => void,
    private readonly idleTimeoutMs = 30_000,
  ) {}

  get status(): number {
    return this.res.status;
  }
  get headers(): HttpHeaders {
    return this.res.headers;
  }
  get url(): string {
    return this.res.url;
  }
  get ok(): boolean {
    return this.res.status >= 200 && this.res.status < 300;
  }

  /**
   * The whole body. With `limit`, reading stops (and the connection is dropped) as soon as more than `limit.bytes`
   * arrive, whatever Content-Length said (a chunked body declares none): `limit.error(received)` is thrown.
   */
  async buffer(limit?: { bytes: number; error: (received: number) => Error }): Promise<Buffer> {
    this.take();
    const chunks: Buffer[] = [];
    let received = 0;
    const idle = this.watchIdle((err) => this.res.body.destroy(err));
    try {
      for await (const chunk of this.res.body as AsyncIterable<Buffer>) {
        this.stats.bytesRead += chunk.length;
        received += chunk.length;
        if (limit && received > limit.bytes) {
          this.res.body.destroy();
          throw limit.error(received);
        }
        idle.progress();
        chunks.push(chunk);
      }
    } finally {
      idle.stop();
      this.release();
    }
    return Buffer.concat(chunks);
  }

  async text(): Promise<string> {
    return (await this.buffer()).toString('utf8');
  }

  /** The body parsed as JSON, or undefined when it is empty or not JSON (error bodies often are neither). */
  async jsonOrUndefined(): Promise<unknown> {
    const text = await this.text();
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The body as a Node stream; bytes are counted as they are read. */
  stream(): Readable {
    this.take();
    const stats = this.stats;
    const body = this.res.body;
    // A reader that is slower than the registry is not a stall: only empty buffers and no data are.
    const idle = this.watchIdle(
      (err) => {
        counted.destroy(err);
        body.destroy();
      },
      () => counted.readableLength === 0 && counted.writableLength === 0,
    );
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        stats.bytesRead += chunk.length;
        idle.progress();
        callback(null, chunk);
      },
    });
    counted.once('end', () => idle.stop());
    body.once('error', (err) => counted.destroy(err));
    // A body cut short (connection reset mid-blob) must fail the stream, not end it quietly.
    body.once('aborted', () => counted.destroy(Object.assign(new Error('connection reset while reading the body'), { code: 'ECONNRESET' })));
    counted.once('close', () => {
      idle.stop();
      if (!body.complete) body.destroy();
      this.release();
    });
    return body.pipe(counted);
  }

  /** Drops the body so the connection can be reused. */
  async discard(): Promise<void> {
    if (this.consumed) return;
    this.consumed = true;
    // Small bodies (errors, redirects) are drained so the keep-alive connection is reused; others are dropped.
    const length = Number(this.res.headers.get('content-length') ?? 'NaN');
    if (length <= 65536) this.res.body.resume();
    else this.res.body.destroy();
    this.release();
  }

  /** Calls `stall` when no byte arrives for the idle timeout while the reader waits (`waiting`). */
  private watchIdle(stall: (err: StalledError) => void, waiting: () => boolean = () => true): { progress: () => void; stop: () => void } {
    const seconds = (this.idleTimeoutMs / 1000).toFixed(1);
    let timer: NodeJS.Timeout | undefined;
    const progress = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (waiting()) stall(new StalledError(`the response body stopped: no data for ${seconds} s`));
        else progress();
      }, this.idleTimeoutMs);
      timer.unref();
    };
    progress();
    return { progress, stop: () => clearTimeout(timer) };
  }

  private take(): void {
    if (this.consumed) throw new Error('registry response body read twice');
    this.consumed = true;
  }
}
