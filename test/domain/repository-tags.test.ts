// A repository's tag index (digest -> its tags) stays what its tags say through any sequence of
// tag puts (new and moved), tag deletes and image deletes, and keeps each image's tags in the
// order they were put on it; a copy that shares its arrays is not changed by later puts.
import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { copyTagIndex, deleteTag, deleteTagsOf, indexTags, putTag, tagNamesVersion, tagsOf } from '../../src/domain/repository-tags.ts';
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
  const repo = emptyRepo();
  const v0 = tagNamesVersion(repo);
  putTag(repo, 'v1', 'd1');
  const v1 = tagNamesVersion(repo);
  t.not(v1, v0);
  putTag(repo, 'v1', 'd2');
  t.is(tagNamesVersion(repo), v1);
  deleteTag(repo, 'v1');
  t.not(tagNamesVersion(repo), v1);
});
