// Which manifest a GET answers with for its Accept header (src/http/oci/content-negotiation.ts): the
// same answer for the same header every time, also once more distinct headers than it remembers
// have been read.
import test from 'ava';
import { MEDIA_TYPES } from '../../src/domain/manifest.ts';
import type { Image, Repository } from '../../src/domain/state.ts';
import { negotiate } from '../../src/http/oci/content-negotiation.ts';

const repo = {} as Repository;
const oci = { mediaType: MEDIA_TYPES.ociManifest } as Image;
const docker = { mediaType: MEDIA_TYPES.dockerManifest } as Image;
const index = { mediaType: MEDIA_TYPES.ociIndex } as Image;

const cases: [string, Image, boolean, string][] = [
  ['', oci, true, 'stored'],
  ['*/*', oci, false, 'stored'],
  [`${MEDIA_TYPES.ociManifest}`, oci, false, 'stored'],
  [`text/html, ${MEDIA_TYPES.ociManifest.toUpperCase()};q=0.9`, oci, false, 'stored'],
  [`${MEDIA_TYPES.dockerManifest}`, oci, true, 'docker'],
  [`${MEDIA_TYPES.dockerManifest}`, oci, false, 'refused'],
  [`${MEDIA_TYPES.ociManifest}`, docker, true, 'oci'],
  [`${MEDIA_TYPES.dockerManifest}, application/json`, index, true, 'refused'],
];

const outcome = (accept: string, image: Image, byTag: boolean): string => {
  const n = negotiate(repo, image, accept, byTag);
  return !n.ok ? 'refused' : n.convert === undefined ? 'stored' : n.convert;
};

test('end-3: the Accept header chooses the stored manifest, a conversion (by tag only) or a refusal, the same each time it is read', (t) => {
  for (let round = 0; round < 3; round++) {
    for (const [accept, image, byTag, expected] of cases)
      t.is(outcome(accept, image, byTag), expected, `${accept} (${image.mediaType}, by tag: ${byTag})`);
    // more distinct headers than are remembered: the answers stay the same
    for (let i = 0; i < 400; i++) t.is(outcome(`application/x-${round}-${i}, ${MEDIA_TYPES.dockerManifest}`, oci, false), 'refused');
  }
});
