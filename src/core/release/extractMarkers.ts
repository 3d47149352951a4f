import { Transform, type TransformCallback } from 'node:stream';
import { OkdError } from '../errors';

/**
 * A NUL-padded slot in a binary that `oc adm release extract` fills in. The installer declares it as
 * `"\x00_RELEASE_IMAGE_LOCATION_\x00" + "X" * 300 + "\x00"` (openshift/installer pkg/asset/releaseimage,
 * pkg/version); oc searches for exactly those bytes and writes the value plus a NUL at the slot's start.
 * `total` is the slot's length, so a value may have at most `total - 1` bytes.
 */
export interface MarkerSlot {
  /** What the value is, for messages: `release image`. */
  name: string;
  /** The marker without its first byte: `_RELEASE_IMAGE_LOCATION_`. */
  marker: string;
  total: number;
}

export const RELEASE_IMAGE_SLOT: MarkerSlot = { name: 'release image', marker: '_RELEASE_IMAGE_LOCATION_', total: 1 + 24 + 1 + 300 + 1 };
export const RELEASE_VERSION_SLOT: MarkerSlot = { name: 'release version', marker: '_RELEASE_VERSION_LOCATION_', total: 1 + 26 + 1 + 64 + 1 };
export const RELEASE_ARCHITECTURE_SLOT: MarkerSlot = { name: 'release architecture', marker: '_RELEASE_ARCHITECTURE_LOCATION_', total: 1 + 31 + 1 + 64 + 1 };

export interface MarkerValue {
  slot: MarkerSlot;
  value: string;
}

/** The slot as compiled into the installer: NUL, marker, NUL, X padding, NUL. */
export function installerSlotBytes(slot: MarkerSlot): Buffer {
  const head = Buffer.from(`\0${slot.marker}\0`, 'latin1');
  return Buffer.concat([head, Buffer.alloc(slot.total - head.length - 1, 'X'), Buffer.from([0])]);
}

/** Fails before anything is read when a value is longer than its slot allows. */
export function checkMarkerValues(values: MarkerValue[], file: string): void {
  for (const { slot, value } of values) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > slot.total - 1) {
      throw new OkdError(
        'invalid-input',
        `the ${slot.name} "${value}" is ${bytes} bytes, but ${file} has room for ${slot.total - 1}`,
        'push the release to a shorter repository name or give it a shorter name',
      );
    }
    if (value.includes('\0')) throw new OkdError('invalid-input', `the ${slot.name} value contains a NUL byte`);
  }
}

interface Pending {
  slot: MarkerSlot;
  value: Buffer;
  /** `<marker>\0`: what follows the slot's first byte. */
  needle: Buffer;
}

/**
 * Replaces the first occurrence of each slot in a byte stream, keeping the length: the value, then NULs to the
 * end of the slot. A slot starts with NUL (as compiled) or `!` (as some tools write it), then the marker and a
 * NUL; the rest is `X` or NUL padding. The stream holds back one slot's length so a slot split across chunks is
 * found; once every slot is patched the rest passes straight through.
 */
export class MarkerPatcher extends Transform {
  private pending: Pending[];
  private carry: Buffer = Buffer.alloc(0);
  private readonly keep: number;
  readonly patched: { name: string; value: string; offset: number }[] = [];
  private offset = 0;

  constructor(values: MarkerValue[]) {
    super();
    this.pending = values.map(({ slot, value }) => ({ slot, value: Buffer.from(value, 'utf8'), needle: Buffer.from(`${slot.marker}\0`, 'latin1') }));
    this.keep = Math.max(0, ...values.map((v) => v.slot.total)) - 1;
  }

  /** Names of the slots not found (oc warns about them; the file is still written). */
  get missing(): string[] {
    return this.pending.map((p) => p.slot.name);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.pending.length === 0) {
      this.offset += chunk.length;
      callback(null, chunk);
      return;
    }
    // A copy: the slot is patched in place and the producer's buffer is not ours to change.
    const buf = Buffer.concat([this.carry, chunk]);
    this.patch(buf);
    const cut = this.pending.length === 0 ? buf.length : Math.max(0, buf.length - this.keep);
    this.carry = Buffer.from(buf.subarray(cut));
    if (cut > 0) this.push(buf.subarray(0, cut));
    this.offset += cut;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.patch(this.carry);
    if (this.carry.length) this.push(this.carry);
    this.carry = Buffer.alloc(0);
    callback();
  }

  private patch(buf: Buffer): void {
    this.pending = this.pending.filter((p) => {
      for (let at = buf.indexOf(p.needle, 1); at >= 0; at = buf.indexOf(p.needle, at + 1)) {
        const start = at - 1;
        if (start + p.slot.total > buf.length) return true; // completes in a later chunk
        if (!isSlot(buf, start, p)) continue;
        p.value.copy(buf, start);
        buf.fill(0, start + p.value.length, start + p.slot.total);
        this.patched.push({ name: p.slot.name, value: p.value.toString('utf8'), offset: this.offset + start });
        return false;
      }
      return true;
    });
  }
}

function isSlot(buf: Buffer, start: number, p: Pending): boolean {
  const first = buf[start];
  if (first !== 0x00 && first !== 0x21) return false;
  const end = start + p.slot.total;
  for (let i = start + 1 + p.needle.length; i < end - 1; i++) {
    const b = buf[i];
    if (b !== 0x58 && b !== 0x00) return false;
  }
  return buf[end - 1] === 0x00;
}
