/** Default bound of the manifest texts kept in memory (setting `okd.manifestCacheMB`). */
export const DEFAULT_MANIFEST_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Manifest texts read from the payload cache, kept in memory up to a number of bytes (UTF-8), least recently used
 * dropped first. A text larger than the whole bound is returned but not kept. A dropped text is read again from the
 * cache on its next use, so the bound costs time, never correctness.
 */
export class ManifestTexts {
  private readonly texts = new Map<string, { text: string; bytes: number }>();
  private total = 0;

  constructor(private maxBytes = DEFAULT_MANIFEST_CACHE_BYTES) {}

  /** Bytes of the texts kept now. */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.texts.size;
  }

  /** Changes the bound (a settings change); texts beyond the new one are dropped now. */
  setLimit(maxBytes: number): void {
    this.maxBytes = Math.max(0, maxBytes);
    this.evict(0);
  }

  get(key: string): string | undefined {
    const hit = this.texts.get(key);
    if (!hit) return undefined;
    this.texts.delete(key);
    this.texts.set(key, hit);
    return hit.text;
  }

  set(key: string, text: string): void {
    this.delete(key);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > this.maxBytes) return;
    this.evict(bytes);
    this.texts.set(key, { text, bytes });
    this.total += bytes;
  }

  delete(key: string): void {
    const old = this.texts.get(key);
    if (!old) return;
    this.texts.delete(key);
    this.total -= old.bytes;
  }

  clear(): void {
    this.texts.clear();
    this.total = 0;
  }

  /** The text under `key`: kept, else `read()` and kept (within the bound). */
  async read(key: string, read: () => Promise<string>): Promise<string> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const text = await read();
    this.set(key, text);
    return text;
  }

  /** Drops the least recently used texts until `room` more bytes fit. */
  private evict(room: number): void {
    for (const [key, entry] of this.texts) {
      if (this.total + room <= this.maxBytes) return;
      this.texts.delete(key);
      this.total -= entry.bytes;
    }
  }
}
