import { Readable } from 'node:stream';
import { TransformStream, type ReadableStream as WebReadableStream } from 'node:stream/web';

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

/** A fetch Response whose body reads are counted in the client's stats. Read or discard it exactly once. */
export class RegistryResponse {
  private consumed = false;

  constructor(
    private readonly res: Response,
    private readonly stats: RegistryStats,
    /** Frees the per-request cancellation hook once the body is done with. */
    private readonly release: () => void,
  ) {}

  get status(): number {
    return this.res.status;
  }
  get headers(): Headers {
    return this.res.headers;
  }
  get url(): string {
    return this.res.url;
  }
  get ok(): boolean {
    return this.res.ok;
  }

  async buffer(): Promise<Buffer> {
    this.take();
    const chunks: Buffer[] = [];
    try {
      if (this.res.body) {
        for await (const chunk of this.res.body as unknown as AsyncIterable<Uint8Array>) {
          this.stats.bytesRead += chunk.byteLength;
          chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        }
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
    if (!this.res.body) {
      this.release();
      return Readable.from([]);
    }
    const stats = this.stats;
    const release = this.release;
    const counted = (this.res.body as unknown as WebReadableStream<Uint8Array>).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          stats.bytesRead += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    const source = Readable.fromWeb(counted);
    source.once('close', release);
    return source;
  }

  /** Drops the body so the connection can be reused. */
  async discard(): Promise<void> {
    if (this.consumed) return;
    this.consumed = true;
    try {
      await this.res.body?.cancel();
    } catch {
      // nothing to do: the connection is dropped either way
    } finally {
      this.release();
    }
  }

  private take(): void {
    if (this.consumed) throw new Error('registry response body read twice');
    this.consumed = true;
  }
}
