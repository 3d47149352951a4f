import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { OkdError } from '../errors';

/** How many random names are tried before giving up (each collision means someone else created that name). */
const ATTEMPTS = 8;

/**
 * Exclusive create, and never through a symlink: O_EXCL already fails on any existing name, dangling symlinks
 * included; O_NOFOLLOW says so twice where the platform has it (not on Windows, where `wx` is what Node offers).
 */
const CREATE_FLAGS = constants.O_NOFOLLOW !== undefined ? constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW : 'wx';

export interface PartialFileOptions {
  /** The random part of the name (tests force collisions with it). */
  random?: () => string;
  /** The mode once complete. */
  mode?: number;
}

/**
 * A file being written next to its final name: `.<name>.<random hex>.partial` in the same folder (so the last
 * step is a rename on one file system), created exclusively with mode 0600 so nobody reads or runs a half-written
 * binary, then given its mode through the open descriptor, flushed, and renamed over the target, which replaces
 * an existing file (or a symlink at the target, never what it points to) in one step. `discard()` removes it; it
 * is safe to call after `commit()` or twice.
 */
export class PartialFile {
  private done = false;

  private constructor(
    readonly target: string,
    readonly temp: string,
    private readonly handle: fs.FileHandle,
    private readonly mode: number,
  ) {}

  static async create(target: string, options: PartialFileOptions = {}): Promise<PartialFile> {
    const dir = path.dirname(target);
    const random = options.random ?? (() => randomBytes(8).toString('hex'));
    const taken: string[] = [];
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const temp = path.join(dir, `.${path.basename(target)}.${random()}.partial`);
      try {
        const handle = await fs.open(temp, CREATE_FLAGS, 0o600);
        return new PartialFile(target, temp, handle, options.mode ?? 0o755);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // ELOOP: O_NOFOLLOW met a symlink at that name (some systems say so instead of EEXIST).
        if (code === 'EEXIST' || code === 'ELOOP') {
          taken.push(path.basename(temp));
          continue;
        }
        throw new OkdError('failed', `cannot create a file in ${dir}: ${(err as Error).message}`, 'choose a folder you can write to with --to', { cause: err });
      }
    }
    throw new OkdError('conflict', `cannot create a temporary file in ${dir}: ${taken.join(', ')} already existed`, 'something else is creating files there; check the folder, or choose another one with --to');
  }

  /**
   * A stream into the file; it leaves the descriptor open for `commit()`. (Not `FileHandle.createWriteStream`
   * without autoClose: such a stream holds the handle, and `close()` then waits for it forever.)
   */
  stream(): Writable {
    const handle = this.handle;
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        const writeAll = async (): Promise<void> => {
          for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
        };
        writeAll().then(() => callback(), callback);
      },
    });
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  /** Sets the final mode on the descriptor (not the path), flushes, closes and renames into place. */
  async commit(): Promise<void> {
    try {
      await this.handle.chmod(this.mode);
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    try {
      await fs.rename(this.temp, this.target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const hint = code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EPERM' ? `${this.target} is a folder; remove it or choose another --to` : undefined;
      throw new OkdError('failed', `cannot write ${this.target}: ${(err as Error).message}`, hint, { cause: err });
    }
    this.done = true;
  }

  /** Closes and removes the partial file (unlinking the name: if it was swapped for a symlink, only that goes). */
  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => undefined);
    await fs.rm(this.temp, { force: true });
  }
}
