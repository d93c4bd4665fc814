import test from 'ava';
import { Journal, JournalReader, upcast } from '../../src/journal/index.ts';
import type { UpcastTable } from '../../src/journal/index.ts';
import { tempDir } from './helpers.ts';

// A test-only event in two shapes: v1 { name: "Ada Lovelace" }, v2 { firstName, lastName }.
interface PersonNamedV1 {
  name: string;
}
interface PersonNamedV2 {
  firstName: string;
  lastName: string;
}
const upcasters: UpcastTable = {
  TestPersonNamed: {
    1: (data) => {
      const { name } = data as PersonNamedV1;
      const [firstName = '', ...rest] = name.split(' ');
      return { firstName, lastName: rest.join(' ') } satisfies PersonNamedV2;
    },
  },
};

test('v1 records on disk are read back as v2', async (t) => {
  const dir = await tempDir(t);
  const old = await Journal.open(dir, { fsync: 'always' });
  await old.append([
    { type: 'TestPersonNamed', v: 1, time: 1, data: { name: 'Ada Lovelace' } },
    { type: 'TestPersonNamed', v: 2, time: 2, data: { firstName: 'Grace', lastName: 'Hopper' } },
    { type: 'TestOtherThing', v: 1, time: 3, data: { name: 'untouched' } },
  ]);
  await old.close();

  const expected = [
    { seq: 1, type: 'TestPersonNamed', v: 2, time: 1, data: { firstName: 'Ada', lastName: 'Lovelace' } },
    { seq: 2, type: 'TestPersonNamed', v: 2, time: 2, data: { firstName: 'Grace', lastName: 'Hopper' } },
    { seq: 3, type: 'TestOtherThing', v: 1, time: 3, data: { name: 'untouched' } },
  ];
  const j = await Journal.open(dir, { fsync: 'always', upcasters });
  t.deepEqual([...j.read()], expected);
  await j.close();
  const r = JournalReader.open(dir, { upcasters });
  t.deepEqual([...r.read()], expected);
  const raw = JournalReader.open(dir);
  t.deepEqual([...raw.read(1, 1)][0]?.data, { name: 'Ada Lovelace' }, 'the file itself is never rewritten');
});

test('upcasters chain until no upcaster exists for the version', (t) => {
  const table: UpcastTable = { T: { 1: (d) => ({ ...(d as object), two: true }), 2: (d) => ({ ...(d as object), three: true }) } };
  const e = { seq: 7, type: 'T', v: 1, time: 0, data: { one: true } };
  t.deepEqual(upcast(e, table), { seq: 7, type: 'T', v: 3, time: 0, data: { one: true, two: true, three: true } });
  t.is(upcast({ ...e, v: 3 }, table).v, 3);
  const unknown = { ...e, type: 'U' };
  t.is(upcast(unknown, table), unknown);
});
