// A repository's tag index (digest -> its tags) stays what its tags say through any sequence of
// tag puts (new and moved), tag deletes and image deletes, and keeps each image's tags in the
// order they were put on it; a copy that shares its arrays is not changed by later puts.
import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import {
  copyTagIndex,
  copyTags,
  deleteTag,
  deleteTagsOf,
  indexTags,
  newTags,
  putTag,
  tagNamesVersion,
  tagsOf,
} from '../../src/domain/repository-tags.ts';
import type { Repository } from '../../src/domain/state.ts';

const emptyRepo = (): Repository => ({
  account: '000000000000',
  region: 'us-east-1',
  name: 'app',
  createdAt: 0,
  blobs: new Map(),
  images: new Map(),
  tags: new Map(),
  tagsByDigest: new Map(),
  referrers: new Map(),
  settings: {} as Repository['settings'],
});

type Op = { op: 'put'; tag: number; digest: number } | { op: 'delete'; tag: number } | { op: 'deleteImage'; digest: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), tag: fc.nat(12), digest: fc.nat(5) }),
  fc.record({ op: fc.constant('delete' as const), tag: fc.nat(12) }),
  fc.record({ op: fc.constant('deleteImage' as const), digest: fc.nat(5) }),
);

test('the index holds exactly the tags of each digest, in the order they were put on it', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const repo = emptyRepo();
        // the model: per digest, its tags in the order they arrived there
        const model = new Map<string, string[]>();
        const drop = (tag: string): void => {
          for (const [d, list] of model) {
            const rest = list.filter((x) => x !== tag);
            if (rest.length === 0) model.delete(d);
            else model.set(d, rest);
          }
        };
        for (const o of ops) {
          if (o.op === 'put') {
            const tag = `t${o.tag}`;
            const digest = `d${o.digest}`;
            if (repo.tags.get(tag) !== digest) {
              drop(tag);
              model.set(digest, [...(model.get(digest) ?? []), tag]);
            }
            putTag(repo, tag, digest);
          } else if (o.op === 'delete') {
            drop(`t${o.tag}`);
            deleteTag(repo, `t${o.tag}`);
          } else {
            model.delete(`d${o.digest}`);
            deleteTagsOf(repo, `d${o.digest}`);
          }
        }
        const sorted = (m: ReadonlyMap<string, readonly string[]>): [string, string[]][] =>
          [...m].map(([d, l]): [string, string[]] => [d, [...l]]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
        assert.deepEqual(sorted(repo.tagsByDigest), sorted(model));
        // the index holds the same facts as the tags Map
        const fromTags = indexTags(repo.tags);
        assert.deepEqual([...fromTags.keys()].sort(), [...repo.tagsByDigest.keys()].sort());
        for (const [d, list] of fromTags) assert.deepEqual([...list].sort(), [...tagsOf(repo, d)].sort());
      }),
    ),
  );
});

test('a copy of the index (copyTagIndex) is not changed by later puts', (t) => {
  const repo = emptyRepo();
  putTag(repo, 'v1', 'd1');
  const copy = copyTagIndex(repo.tagsByDigest);
  putTag(repo, 'latest', 'd1');
  putTag(repo, 'v1', 'd2');
  t.deepEqual(copy.get('d1'), ['v1']);
  t.deepEqual(tagsOf(repo, 'd1'), ['latest']);
  t.deepEqual(tagsOf(repo, 'd2'), ['v1']);
  t.deepEqual(tagsOf(repo, 'none'), []);
});

test('tagNamesVersion changes when a tag is added or removed, not when one moves to another image', (t) => {
  for (const repo of [emptyRepo(), { ...emptyRepo(), ...newTags() }]) {
    const v0 = tagNamesVersion(repo);
    putTag(repo, 'v1', 'd1');
    const v1 = tagNamesVersion(repo);
    t.not(v1, v0);
    putTag(repo, 'v1', 'd2');
    t.is(tagNamesVersion(repo), v1);
    deleteTag(repo, 'v1');
    t.not(tagNamesVersion(repo), v1);
  }
});

type ReadOp = Op | { op: 'read'; what: number; tag: number; digest: number } | { op: 'copy' };
const readOpArb: fc.Arbitrary<ReadOp> = fc.oneof(
  { weight: 4, arbitrary: opArb },
  fc.record({ op: fc.constant('read' as const), what: fc.nat(6), tag: fc.nat(12), digest: fc.nat(5) }),
  fc.record({ op: fc.constant('copy' as const) }),
);

test('deferred tag tables (newTags) answer every read as plain Maps given the same puts, deletes and copies do, in the same order', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(readOpArb, { maxLength: 80 }), (ops) => {
        let plain = emptyRepo();
        let deferred: Repository = { ...emptyRepo(), ...newTags() };
        const read = (r: Repository, what: number, tag: string, digest: string): unknown => {
          switch (what) {
            case 0:
              return r.tags.get(tag);
            case 1:
              return [...tagsOf(r, digest)];
            case 2:
              return [r.tags.size, r.tagsByDigest.size, r.tags.has(tag), r.tagsByDigest.has(digest)];
            case 3:
              return [...r.tags];
            case 4:
              return [...r.tagsByDigest].map(([d, l]) => [d, [...l]]);
            case 5: {
              const seen: string[] = [];
              r.tags.forEach((d, tg) => {
                seen.push(`${tg}=${d}`);
              });
              return [seen, [...r.tags.keys()], [...r.tagsByDigest.values()].map((l) => [...l])];
            }
            default:
              return tagNamesVersion(r) - (versions.get(r) ?? 0);
          }
        };
        // tagNamesVersion is compared by how much it moved since the repository was made or copied
        const versions = new Map<Repository, number>();
        for (const o of ops) {
          if (o.op === 'put') {
            putTag(plain, `t${o.tag}`, `d${o.digest}`);
            putTag(deferred, `t${o.tag}`, `d${o.digest}`);
          } else if (o.op === 'delete') {
            deleteTag(plain, `t${o.tag}`);
            deleteTag(deferred, `t${o.tag}`);
          } else if (o.op === 'deleteImage') {
            deleteTagsOf(plain, `d${o.digest}`);
            deleteTagsOf(deferred, `d${o.digest}`);
          } else if (o.op === 'copy') {
            plain = { ...plain, tags: new Map(plain.tags), tagsByDigest: copyTagIndex(plain.tagsByDigest) };
            deferred = { ...deferred, ...copyTags(deferred) };
            versions.set(plain, tagNamesVersion(plain));
            versions.set(deferred, tagNamesVersion(deferred));
          } else {
            assert.deepEqual(read(deferred, o.what, `t${o.tag}`, `d${o.digest}`), read(plain, o.what, `t${o.tag}`, `d${o.digest}`));
          }
        }
        for (let what = 0; what <= 6; what++) assert.deepEqual(read(deferred, what, 't0', 'd0'), read(plain, what, 't0', 'd0'));
      }),
    ),
  );
});
