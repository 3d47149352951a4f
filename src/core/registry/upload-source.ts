import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { integrityError, sizeError } from './digest';

/**
 * The bytes of a blob being uploaded, read forwards in pieces of any size; a resume at an earlier offset reopens
 * the source (a stream factory is called again) and skips to it. The sha256 of the bytes is checked once the whole
 * blob has been read, so a source that changed under us is caught before the registry is asked to commit it.
 */
export class UploadSource {
  private stream?: AsyncIterator<unknown>;
  private position = 0;
  private pending: Buffer = Buffer.alloc(0);
  private readonly hash: Hash = createHash('sha256');
  private hashed = 0;

  constructor(
    private readonly data: Buffer | (() => Readable),
    private readonly digest: string,
    private readonly size: number,
  ) {}

  /** Up to `length` bytes from `offset`; fewer only at the end of the blob. */
  async read(offset: number, length: number): Promise<Buffer> {
    const want = Math.min(length, this.size - offset);
    if (want <= 0) return Buffer.alloc(0);
    const bytes = Buffer.isBuffer(this.data) ? this.data.subarray(offset, offset + want) : await this.fromStream(this.data, offset, want);
    if (bytes.length < want) throw sizeError(this.digest, 'the data to push', this.size, offset + bytes.length);
    this.account(offset, bytes);
    return bytes;
  }

  /** Throws when the bytes read do not hash to the digest (call after the last read). */
  verify(): void {
    if (this.hashed !== this.size) throw sizeError(this.digest, 'the data to push', this.size, this.hashed);
    const got = `sha256:${this.hash.digest('hex')}`;
    if (got !== this.digest) throw integrityError(this.digest, 'the data to push', got);
  }

  close(): void {
    void this.stream?.return?.();
    this.stream = undefined;
  }

  /** Hashes the part of `bytes` past what was hashed before (a resume re-reads bytes already counted). */
  private account(offset: number, bytes: Buffer): void {
    const skip = this.hashed - offset;
    if (skip < 0) throw new Error(`upload source read at ${offset} past the hashed ${this.hashed}`);
    if (skip < bytes.length) {
      this.hash.update(bytes.subarray(skip));
      this.hashed += bytes.length - skip;
    }
  }

  private async fromStream(open: () => Readable, offset: number, want: number): Promise<Buffer> {
    if (!this.stream || offset < this.position) {
      this.close();
      this.stream = open()[Symbol.asyncIterator]();
      this.position = 0;
      this.pending = Buffer.alloc(0);
    }
    const parts: Buffer[] = [];
    let got = 0;
    while (got < want) {
      if (this.pending.length === 0) {
        const next = await this.stream.next();
        if (next.done) break;
        const v = next.value;
        this.pending = typeof v === 'string' ? Buffer.from(v) : (v as Buffer);
      }
      // Skip up to the offset (a resume after reopening), then take what is wanted.
      const skip = Math.min(this.pending.length, Math.max(0, offset - this.position));
      this.pending = this.pending.subarray(skip);
      this.position += skip;
      if (this.position < offset) continue;
      const take = Math.min(this.pending.length, want - got);
      parts.push(this.pending.subarray(0, take));
      this.pending = this.pending.subarray(take);
      this.position += take;
      got += take;
    }
    return Buffer.concat(parts);
  }
}
