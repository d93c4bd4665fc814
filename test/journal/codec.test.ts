import { testProp, fc } from '@fast-check/ava';
import { Packr } from 'msgpackr';
import { decodePayload, encodePayload } from '../../src/journal/codec.ts';
import { fastUnpack } from '../../src/journal/fast-unpack.ts';

const envelope = fc.record({
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  type: fc.string({ minLength: 1 }),
  v: fc.nat({ max: 1000 }),
  time: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  // JSON-shaped data (msgpackr writes -0 as the integer 0, as JSON would)
  data: fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
});

testProp('an envelope decodes to what was encoded', [envelope], (t, e) => {
  const payload = encodePayload(e);
  t.deepEqual(decodePayload(payload, 0, payload.length), e);
});

testProp('an envelope decodes the same from the middle of a larger buffer', [envelope, fc.nat({ max: 40 })], (t, e, pad) => {
  const payload = encodePayload(e);
  const buf = Buffer.concat([Buffer.alloc(pad, 0xee), payload, Buffer.alloc(7, 0xee)]);
  t.deepEqual(decodePayload(buf, pad, pad + payload.length), e);
});

const reference = new Packr({ useRecords: false, copyBuffers: true });

testProp(
  "the fast decoder returns what msgpackr returns, or defers to it",
  [fc.anything({ withBoxedValues: false, withMap: true, withSet: false, withDate: true, withTypedArray: false, withNullPrototype: false, withObjectString: false })],
  (t, value) => {
    const bytes = reference.pack(value);
    let fast: unknown;
    try {
      fast = fastUnpack(bytes, 0, bytes.length);
    } catch (err) {
      t.is((err as Error).message, 'msgpack value outside the fast subset');
      return;
    }
    t.deepEqual(fast, reference.unpack(bytes));
  },
);

testProp('binary data in an event comes back as its own copy', [fc.uint8Array({ minLength: 1, maxLength: 64 })], (t, bytes) => {
  const payload = encodePayload({ seq: 1, type: 'BlobSeen', v: 1, time: 0, data: { bytes: Buffer.from(bytes) } });
  const e = decodePayload(payload, 0, payload.length);
  payload.fill(0);
  t.deepEqual(new Uint8Array((e.data as { bytes: Buffer }).bytes), bytes);
});
