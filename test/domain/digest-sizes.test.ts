import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { DigestSizes } from '../../src/domain/digest-sizes.ts';
import { cloneState, emptyState } from '../../src/domain/state.ts';

type Op =
  | { op: 'set'; d: number; size: number }
  | { op: 'delete'; d: number }
  | { op: 'get'; d: number }
  | { op: 'has'; d: number }
  | { op: 'size' }
  | { op: 'entries' }
  | { op: 'copy' };

const digest = fc.integer({ min: 0, max: 12 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), d: digest, size: fc.integer({ min: 0, max: 1e9 }) }) },
  fc.record({ op: fc.constant('delete' as const), d: digest }),
  fc.record({ op: fc.constant('get' as const), d: digest }),
  fc.record({ op: fc.constant('has' as const), d: digest }),
  fc.record({ op: fc.constant('size' as const) }),
  fc.record({ op: fc.constant('entries' as const) }),
  fc.record({ op: fc.constant('copy' as const) }),
);
const name = (d: number): string => `sha256:${String(d).padStart(64, '0')}`;

testProp(
  'a DigestSizes answers every call as a Map given the same calls would, in the same order (from columns or empty, through copies; its size counted from the columns when their names differ)',
  [fc.array(fc.tuple(digest, fc.nat()), { maxLength: 8 }), fc.array(op, { maxLength: 60 }), fc.boolean()],
  (t, initial, ops, namesDiffer) => {
    const names = Array.from({ length: 13 }, (_, d) => name(d));
    const model = new Map<string, number>();
    for (const [d, size] of initial) model.set(names[d]!, size);
    let table: Map<string, number> = DigestSizes.fromColumns(
      initial.map(([d]) => d),
      (i) => names[i]!,
      initial.map(([, size]) => size),
      namesDiffer,
    );
    for (const o of ops) {
      switch (o.op) {
        case 'set':
          t.is(table.set(name(o.d), o.size), table);
          model.set(name(o.d), o.size);
          break;
        case 'delete':
          t.is(table.delete(name(o.d)), model.delete(name(o.d)));
          break;
        case 'get':
          t.is(table.get(name(o.d)), model.get(name(o.d)));
          break;
        case 'has':
          t.is(table.has(name(o.d)), model.has(name(o.d)));
          break;
        case 'size':
          t.is(table.size, model.size);
          break;
        case 'entries':
          t.deepEqual([...table], [...model]);
          break;
        case 'copy': {
          const copy = DigestSizes.copy(table);
          t.deepEqual([...copy.keys()], [...model.keys()]);
          // the copy is independent of the original
          copy.set(name(99), 1);
          table = DigestSizes.copy(table);
          break;
        }
      }
    }
    t.deepEqual([...table.entries()], [...model.entries()]);
    t.deepEqual([...new Map(table)], [...model]);
  },
);

test('the size of a table from columns whose names differ is counted without building the table, repeated indexes once', (t) => {
  let named = 0;
  const table = DigestSizes.fromColumns(
    [3, 1, 3, 0],
    (i) => {
      named++;
      return name(i);
    },
    [1, 2, 3, 4],
    true,
  );
  t.is(table.size, 3);
  t.is(named, 0);
  t.is(table.get(name(3)), 3);
  t.is(table.size, 3);
});

test('cloneState copies the blob tables with what they defer (structuredClone does not call their methods)', (t) => {
  const s = emptyState();
  s.blobs.set(name(1), 10);
  s.blobs.set(name(2), 20);
  const clone = cloneState(s);
  t.deepEqual(
    [...clone.blobs],
    [
      [name(1), 10],
      [name(2), 20],
    ],
  );
  const decoded = DigestSizes.fromColumns([1, 0], (i) => name(i), [5, 6]);
  decoded.settle();
  t.deepEqual(
    structuredClone(decoded),
    new Map([
      [name(1), 5],
      [name(0), 6],
    ]),
  );
});
