import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { OkdError } from '../errors';

const digestPattern = /^sha256:[a-f0-9]{64}$/;

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function isDigest(text: string): boolean {
  return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(text) && text.includes(':');
}

/** Only sha256 is verified; anything else is refused rather than trusted unverified. */
export function assertSupportedDigest(digest: string, what: string): void {
  if (!digestPattern.test(digest)) {
    throw new OkdError('unsupported', `${what} has digest "${digest}", which is not a sha256 digest this client can verify`);
  }
}

export function integrityError(digest: string, source: string, got: string): OkdError {
  return new OkdError(
    'integrity',
    `blob ${digest} from ${source} does not match its digest (got ${got})`,
    'the registry or a proxy served corrupted data; retry, and report it to the registry owner if it persists',
  );
}

export function sizeError(digest: string, source: string, expected: number, got: number): OkdError {
  return new OkdError(
    'integrity',
    `blob ${digest} from ${source} is ${got} bytes where its descriptor says ${expected}`,
    'the manifest and the blob disagree; retry, and report it to the registry owner if it persists',
  );
}

/** Checks a whole buffer against a descriptor's digest and size. */
export function verifyBuffer(data: Buffer, digest: string, size: number | undefined, source: string): void {
  if (size !== undefined && data.length !== size) throw sizeError(digest, source, size, data.length);
  const got = sha256Digest(data);
  if (got !== digest) throw integrityError(digest, source, got);
}

/**
 * Passes bytes through while hashing them; at the end it emits an OkdError('integrity') instead of ending when the
 * size or sha256 differ, so a consumer that keeps data only on a clean end never keeps bad data. Too many bytes
 * fail as soon as they arrive.
 */
export class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private received = 0;

  constructor(
    private readonly digest: string,
    private readonly size: number | undefined,
    private readonly source: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.size !== undefined && this.received > this.size) {
      callback(sizeError(this.digest, this.source, this.size, this.received));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.size !== undefined && this.received !== this.size) {
      callback(sizeError(this.digest, this.source, this.size, this.received));
      return;
    }
    const got = `sha256:${this.hash.digest('hex')}`;
    callback(got === this.digest ? null : integrityError(this.digest, this.source, got));
  }
}
