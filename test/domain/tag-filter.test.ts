import test from 'ava';
import { isTagImmutable, matchesTagFilter } from '../../src/domain/tag-filter.ts';

test('ECR tag filters: * matches any run, nothing else is special', (t) => {
  t.true(matchesTagFilter('latest', 'latest'));
  t.true(matchesTagFilter('release-1.2', 'release-*'));
  t.true(matchesTagFilter('a-b-c', '*-b-*'));
  t.true(matchesTagFilter('abc', '*'));
  t.false(matchesTagFilter('release', 'release-*'));
  t.false(matchesTagFilter('v1?', 'v1.'));
  t.false(matchesTagFilter('v1x', 'v1?'));
  t.false(matchesTagFilter('ab', 'a*b*b'));
});

test('mutability with exclusions', (t) => {
  const filters = [{ filterType: 'WILDCARD', filter: 'dev-*' }];
  t.true(isTagImmutable('IMMUTABLE', filters, 'dev-1'));
  t.false(isTagImmutable('MUTABLE', filters, 'v1'));
  t.false(isTagImmutable('IMMUTABLE_WITH_EXCLUSION', filters, 'dev-1'));
  t.true(isTagImmutable('IMMUTABLE_WITH_EXCLUSION', filters, 'v1'));
  t.true(isTagImmutable('MUTABLE_WITH_EXCLUSION', filters, 'dev-1'));
  t.false(isTagImmutable('MUTABLE_WITH_EXCLUSION', filters, 'v1'));
});
