import test from 'ava';
import { testProp, fc } from '@fast-check/ava';
import { Packr } from 'msgpackr';
import { decodeFrame, decodePayload, encodePayload, peekCount, peekSeq } from '../../src/journal/codec.ts';
import type { Envelope } from '../../src/journal/index.ts';
import { fastUnpack } from '../../src/journal/fast-unpack.ts';

const envelope = fc.record({
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  type: fc.string({ minLength: 1 }),
  v: fc.nat({ max: 1000 }),
  time: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  // JSON-shaped data (msgpackr writes -0 as the integer 0, as JSON would); no `__proto__` key,
  // which msgpackr decodes as `__proto_` (events never carry one)
  data: fc
    .jsonValue()
    .filter((v) => !JSON.stringify(v).includes('"__proto__"'))
    .map((v) => JSON.parse(JSON.stringify(v)) as unknown),
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
  'the fast decoder returns what msgpackr returns, or defers to it',
  [
    fc.anything({
      withBoxedValues: false,
      withMap: true,
      withSet: false,
      withDate: true,
      withTypedArray: false,
      withNullPrototype: false,
      withObjectString: false,
    }),
  ],
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

test('the fast decoder reads ASCII and other strings of every length up to 40 as msgpackr does', (t) => {
  for (let len = 0; len <= 40; len++)
    for (const alphabet of ['build-0123456789', 'é-ü-ß-☃']) {
      const s = Array.from({ length: len }, (_, i) => alphabet[(i * 7) % alphabet.length]).join('');
      const bytes = reference.pack({ tag: s, again: s });
      t.deepEqual(fastUnpack(bytes, 0, bytes.length), { tag: s, again: s }, `length ${len}`);
    }
});

testProp('binary data in an event comes back as its own copy', [fc.uint8Array({ minLength: 1, maxLength: 64 })], (t, bytes) => {
  const payload = encodePayload({ seq: 1, type: 'BlobSeen', v: 1, time: 0, data: { bytes: Buffer.from(bytes) } });
  const e = decodePayload(payload, 0, payload.length);
  payload.fill(0);
  t.deepEqual(new Uint8Array((e.data as { bytes: Buffer }).bytes), bytes);
});

/** A frame payload as the writer lays it out: `dd <u32 BE count>` then the envelopes. */
function batchPayload(envs: Envelope[]): Buffer {
  const head = Buffer.alloc(5);
  head[0] = 0xdd;
  head.writeUInt32BE(envs.length, 1);
  return Buffer.concat([head, ...envs.map((e) => encodePayload(e))]);
}

const word = fc.oneof(
  fc.constantFrom('a', 'repo', 'sha256:', 'é', '名前', 'application/vnd.oci.image.manifest.v1+json'),
  fc.string({ maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
// maps drawn from a few key sets, so shapes repeat, change and collide across the batch
const shapedData = fc.oneof(
  fc.record({ name: word, size: fc.integer(), tag: word }),
  fc.record({ name: word, size: fc.integer() }),
  fc.record({ size: fc.integer(), name: word }),
  fc.dictionary(
    word.filter((k) => k !== '__proto__'),
    fc.oneof(word, fc.integer(), fc.boolean()),
    { maxKeys: 6 },
  ),
);

testProp(
  'a batch payload decodes to its envelopes, and the fast decoder agrees with msgpackr on every item',
  [fc.array(fc.record({ type: word.filter((s) => s.length > 0), data: shapedData }), { minLength: 1, maxLength: 30 })],
  (t, items) => {
    const envs: Envelope[] = items.map((it, i) => ({ seq: 10 + i, type: it.type, v: 1, time: 1_700_000_000_000 + i, data: it.data }));
    const payload = batchPayload(envs);
    const out: Envelope[] = [];
    t.is(decodeFrame(payload, 0, payload.length, out), envs.length);
    t.deepEqual(
      out,
      reference.unpack(payload).map((a: unknown[]) => ({ seq: a[0], type: a[1], v: a[2], time: a[3], data: a[4] })),
    );
    t.deepEqual(out, envs);
    t.is(peekSeq(payload, 0, payload.length), 10);
    t.is(peekCount(payload, 0, payload.length), envs.length);
  },
);

test('an empty batch, or one whose count runs past its bytes, does not decode', (t) => {
  const empty = batchPayload([]);
  t.throws(() => decodeFrame(empty, 0, empty.length, []));
  const one = batchPayload([{ seq: 1, type: 'T', v: 1, time: 0, data: null }]);
  one.writeUInt32BE(2, 1);
  t.throws(() => decodeFrame(one, 0, one.length, []));
});
