import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { checkMarkerValues, installerSlotBytes, MarkerPatcher, RELEASE_ARCHITECTURE_SLOT, RELEASE_IMAGE_SLOT, RELEASE_VERSION_SLOT } from '../../src/core/release/extractMarkers';

async function patch(data: Buffer, values: ConstructorParameters<typeof MarkerPatcher>[0], chunk: number): Promise<{ out: Buffer; patcher: MarkerPatcher }> {
  const patcher = new MarkerPatcher(values);
  const parts: Buffer[] = [];
  const chunks = function* () {
    for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
  };
  await pipeline(Readable.from(chunks()), patcher, async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) parts.push(part);
  });
  return { out: Buffer.concat(parts), patcher };
}

function slotAt(buf: Buffer, offset: number, total: number): string {
  const slot = buf.subarray(offset, offset + total);
  return slot.subarray(0, slot.indexOf(0)).toString();
}

describe('release extract: marker patching', () => {
  const image = `127.0.0.1:5000/okd/custom@sha256:${'e'.repeat(64)}`;
  const values = [
    { slot: RELEASE_IMAGE_SLOT, value: image },
    { slot: RELEASE_VERSION_SLOT, value: '4.19.0-okd-scos.1-custom-202611021345' },
    { slot: RELEASE_ARCHITECTURE_SLOT, value: 'linux/amd64' },
  ];

  it('fills the installer slots in place, keeping the size, whatever the chunking', async () => {
    const data = randomBytes(300_000);
    const offsets = { image: 4095, version: 150_000, arch: 299_000 };
    installerSlotBytes(RELEASE_IMAGE_SLOT).copy(data, offsets.image);
    installerSlotBytes(RELEASE_VERSION_SLOT).copy(data, offsets.version);
    installerSlotBytes(RELEASE_ARCHITECTURE_SLOT).copy(data, offsets.arch);
    for (const chunk of [1, 7, 100, 4096, 65536, 1_000_000]) {
      const { out, patcher } = await patch(Buffer.from(data), values, chunk);
      assert.equal(out.length, data.length, `size kept with ${chunk}-byte chunks`);
      assert.equal(slotAt(out, offsets.image, RELEASE_IMAGE_SLOT.total), image);
      assert.equal(slotAt(out, offsets.version, RELEASE_VERSION_SLOT.total), '4.19.0-okd-scos.1-custom-202611021345');
      assert.equal(slotAt(out, offsets.arch, RELEASE_ARCHITECTURE_SLOT.total), 'linux/amd64');
      assert.ok(out.subarray(offsets.image + image.length, offsets.image + RELEASE_IMAGE_SLOT.total).every((b) => b === 0), 'rest of the slot is NUL');
      assert.deepEqual(out.subarray(0, offsets.image), data.subarray(0, offsets.image), 'bytes before are untouched');
      assert.deepEqual(out.subarray(offsets.arch + RELEASE_ARCHITECTURE_SLOT.total), data.subarray(offsets.arch + RELEASE_ARCHITECTURE_SLOT.total));
      assert.deepEqual(patcher.missing, []);
      assert.deepEqual(patcher.patched.map((p) => [p.name, p.offset]), [['release image', offsets.image], ['release version', offsets.version], ['release architecture', offsets.arch]].sort((a, b) => (a[1] as number) - (b[1] as number)));
    }
  });

  it('accepts a slot written as "!" + marker + NUL padding, and reports slots it did not find', async () => {
    const data = Buffer.alloc(10_000, 0x41);
    const slot = Buffer.alloc(RELEASE_VERSION_SLOT.total, 0);
    slot.write('!_RELEASE_VERSION_LOCATION_', 'latin1');
    slot.copy(data, 5000);
    const { out, patcher } = await patch(data, values, 512);
    assert.equal(slotAt(out, 5000, RELEASE_VERSION_SLOT.total), '4.19.0-okd-scos.1-custom-202611021345');
    assert.deepEqual(patcher.missing.sort(), ['release architecture', 'release image']);
    assert.equal(out.length, data.length);
  });

  it('leaves a look-alike that is not a slot alone', async () => {
    const data = Buffer.alloc(2000, 0x41);
    data.write('\0_RELEASE_VERSION_LOCATION_\0XXXXYYYY', 100, 'latin1');
    const { out, patcher } = await patch(data, [values[1] as (typeof values)[number]], 64);
    assert.deepEqual(out, data);
    assert.deepEqual(patcher.missing, ['release version']);
  });

  it('refuses a value longer than its slot before reading anything', () => {
    assert.throws(
      () => checkMarkerValues([{ slot: RELEASE_VERSION_SLOT, value: 'v'.repeat(93) }], 'usr/bin/openshift-install'),
      (err: Error) => err.message === `the release version "${'v'.repeat(93)}" is 93 bytes, but usr/bin/openshift-install has room for 92`,
    );
    checkMarkerValues([{ slot: RELEASE_VERSION_SLOT, value: 'v'.repeat(92) }], 'f');
  });
});
