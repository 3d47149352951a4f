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

/** An HTTP response whose body reads are counted in the client's stats. Read or discard it exactly once. */
export class RegistryResponse {
  private consumed = false;

  constructor(
    private readonly res: HttpResponse,
    private readonly stats: RegistryStats,
    /** Frees the per-request cancellation hook once the body is done with. */
    private readonly release: () => void,
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
    try {
      for await (const chunk of this.res.body as AsyncIterable<Buffer>) {
        this.stats.bytesRead += chunk.length;
        received += chunk.length;
        if (limit && received > limit.bytes) {
          this.res.body.destroy();
          throw limit.error(received);
        }
        chunks.push(chunk);
      }
    } finally {
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
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        stats.bytesRead += chunk.length;
        callback(null, chunk);
      },
    });
    const body = this.res.body;
    body.once('error', (err) => counted.destroy(err));
    // A body cut short (connection reset mid-blob) must fail the stream, not end it quietly.
    body.once('aborted', () => counted.destroy(Object.assign(new Error('connection reset while reading the body'), { code: 'ECONNRESET' })));
    counted.once('close', () => {
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

  private take(): void {
    if (this.consumed) throw new Error('registry response body read twice');
    this.consumed = true;
  }
}
