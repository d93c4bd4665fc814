/**
 * The advisory list's validation (`--advisories FILE`, PUT /_rewind/scanning/advisories): the
 * first problem, named by its place in the list. The texts are the ones ecr-rewind answered with
 * zod, kept word for word when the list moved to valibot (zod is no longer a dependency): types,
 * bounds, unknown keys (all listed), the cvss that is a score or a structure.
 */
import test from 'ava';
import { AdvisoryInputError, parseAdvisories } from '../../src/scanning/advisory-input.ts';

type Case = [doc: unknown[], expected: string | { accepted: unknown }];

const CASES: Case[] = [
  [[{ id: '', package: 'openssl', ecosystem: 'debian:12' }], 'invalid advisory at 0.id: Too small: expected string to have >=1 characters'],
  [[{ package: 'p', ecosystem: 'debian' }], 'invalid advisory at 0.id: Invalid input: expected string, received undefined'],
  [[{ id: 5, package: 'openssl', ecosystem: 'debian:12' }], 'invalid advisory at 0.id: Invalid input: expected string, received number'],
  [[5], 'invalid advisory at 0: Invalid input: expected object, received number'],
  [[[]], 'invalid advisory at 0: Invalid input: expected object, received array'],
  [[null], 'invalid advisory at 0: Invalid input: expected object, received null'],
  [
    [{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', extra: 1, other: 2 }],
    'invalid advisory at 0: Unrecognized keys: "extra", "other"',
  ],
  [
    [{ id: 'CVE-1', package: 'openssl', ecosystem: 'bad eco' }],
    'invalid advisory at 0.ecosystem: must be a distribution, optionally with :<release>',
  ],
  [[{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', fixed: 'has space' }], 'invalid advisory at 0.fixed: must be a version'],
  [
    [{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', severity: 'bogus' }],
    'invalid advisory at 0.severity: Invalid option: expected one of "CRITICAL"|"HIGH"|"MEDIUM"|"LOW"|"INFORMATIONAL"|"UNDEFINED"',
  ],
  [
    [{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', severity: 3 }],
    'invalid advisory at 0.severity: Invalid input: expected string, received number',
  ],
  [
    [{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', cvss: 11 }],
    'invalid advisory at 0.cvss: Too big: expected number to be <=10',
  ],
  [
    [{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', cvss: -1 }],
    'invalid advisory at 0.cvss: Too small: expected number to be >=0',
  ],
  [[{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', cvss: 'high' }], 'invalid advisory at 0.cvss: Invalid input'],
  [
    [{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', cvss: { score: 11 } }],
    'invalid advisory at 0.cvss.score: Too big: expected number to be <=10',
  ],
  [
    [{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', cvss: { score: 5, extra: 1 } }],
    'invalid advisory at 0.cvss: Unrecognized key: "extra"',
  ],
  [
    [{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', cvss: { score: 5, version: 'xxxxxxxxxxxxxxxxx' } }],
    'invalid advisory at 0.cvss.version: Too big: expected string to have <=16 characters',
  ],
  [[{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', cvss: { vector: 'v' } }], 'invalid advisory at 0.cvss: Invalid input'],
  [[{ id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', cvss: [] }], 'invalid advisory at 0.cvss: Invalid input'],
  [
    [
      { id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12' },
      { id: 'CVE-1', package: 'openssl', ecosystem: 'debian:12', uri: 1 },
    ],
    'invalid advisory at 1.uri: Invalid input: expected string, received number',
  ],
  [
    [
      {
        id: 'CVE-1',
        package: 'openssl',
        ecosystem: 'debian:12',
        severity: 'high',
        cvss: { score: 9.8, vector: 'CVSS:3.1/AV:N' },
        affected: '>= 1.0, < 2.0',
        fixed: '2.0',
        description: null,
        uri: null,
      },
    ],
    {
      accepted: [
        {
          id: 'CVE-1',
          package: 'openssl',
          ecosystem: 'debian:12',
          affected: '>= 1.0, < 2.0',
          fixed: '2.0',
          severity: 'HIGH',
          cvss: { score: 9.8, vector: 'CVSS:3.1/AV:N', version: '3.1' },
          description: null,
          uri: null,
        },
      ],
    },
  ],
];

for (const [doc, expected] of CASES) {
  test(JSON.stringify(doc).slice(0, 110), (t) => {
    if (typeof expected !== 'string') {
      t.deepEqual(parseAdvisories(doc), expected.accepted);
      return;
    }
    const err = t.throws(() => parseAdvisories(doc), { instanceOf: AdvisoryInputError });
    t.is(err?.message, expected);
  });
}
