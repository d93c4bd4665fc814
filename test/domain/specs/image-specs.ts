/** Manifests, tags, image deletes and pulls (src/domain/deciders/images.ts). */
import { MAX_TAGS_PER_IMAGE, type imageDeciders } from '../../../src/domain/deciders/images.ts';
import { coreEvents as ev } from '../../../src/domain/events.ts';
import { settingsEvents } from '../../../src/domain/settings/settings-event-factories.ts';
import { signingEvents } from '../../../src/domain/signing/signing-event-factories.ts';
import { accepted, given, then, when, type SpecsFor } from '../given-when-then.ts';
import {
  at,
  config,
  created,
  digestOf,
  image,
  index,
  inRepo,
  layer,
  manifestPut,
  putManifest,
  scope,
  template,
  templateCreated,
  withBlobs,
  withImage,
} from './decider-fixtures.ts';

const immutableWithExclusion = ev.RepositoryCreated({
  ...created().data,
  imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
  imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
});

export const imageSpecs: SpecsFor<typeof imageDeciders> = {
  PutManifest: {
    'a new image with a tag is ManifestPut (size: its config and layers) then TagPut': (t) => {
      const m = image();
      then(t, when(given(withBlobs), putManifest(m, 'v1')), [
        manifestPut(m, 11),
        ev.TagPut({ ...at, tag: 'v1', digest: m.digest, previous: null }),
      ]);
    },
    'a new image without a tag is ManifestPut alone': (t) => {
      const m = image();
      then(t, when(given(withBlobs), putManifest(m, null)), [manifestPut(m, 11)]);
    },
    'every referenced blob must be in the repository (LayersNotFound, naming them)': (t) =>
      then(t, when(given(withBlobs), putManifest(image([layer, digestOf('missing')]), 'v1')), {
        code: 'LayersNotFound',
        detail: { digests: [digestOf('missing')] },
      }),
    'a foreign layer (with urls) need not be in the registry': (t) => {
      const foreign = digestOf('foreign');
      const m = image([layer], {
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 5 },
          {
            mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
            digest: foreign,
            size: 5,
            urls: ['https://example.com/l'],
          },
        ],
      });
      then(t, when(given(withBlobs), putManifest(m, null)), [manifestPut(m, 16)]);
    },
    'an index needs its child manifests in the repository (ReferencedImagesNotFound); its size is its own': (t) => {
      const child = image();
      const missing = index([child]);
      then(t, when(given(withBlobs), putManifest(missing, 'multi')), {
        code: 'ReferencedImagesNotFound',
        detail: { digests: [child.digest] },
      });
      const ok = given(withImage([]));
      then(t, when(ok, putManifest(missing, null)), [manifestPut(missing, missing.bytes.byteLength)]);
    },
    'the same image and tag again is a no-op on /v2 and ImageAlreadyExists on ECR': (t) => {
      const m = image();
      const state = given(withImage(['v1']));
      then(t, when(state, putManifest(m, 'v1', 'oci')), []);
      then(t, when(state, putManifest(m, 'v1', 'ecr')), 'ImageAlreadyExists');
      then(t, when(state, putManifest(m, null, 'ecr')), 'ImageAlreadyExists');
    },
    'a known image under a new tag is TagPut alone; a moved tag names where it was': (t) => {
      const a = image();
      const b = image([config]);
      then(t, when(given(withImage(['v1'])), putManifest(a, 'v2', 'ecr')), [
        ev.TagPut({ ...at, tag: 'v2', digest: a.digest, previous: null }),
      ]);
      then(t, when(given(withImage(['v1'])), putManifest(b, 'v1')), [
        manifestPut(b, 12),
        ev.TagPut({ ...at, tag: 'v1', digest: b.digest, previous: a.digest }),
      ]);
    },
    'an immutable tag cannot move (ImageTagAlreadyExists); a tag its exclusion filters match can': (t) => {
      const a = image();
      const b = image([config]);
      const history = [immutableWithExclusion, ...withBlobs.slice(1)];
      const pushedAs = (tag: string) => [...history, ...accepted(when(given(history), putManifest(a, tag)))];
      then(t, when(given(pushedAs('v1')), putManifest(b, 'v1')), 'ImageTagAlreadyExists');
      then(t, when(given(pushedAs('latest-dev')), putManifest(b, 'latest-dev')), [
        manifestPut(b, 12),
        ev.TagPut({ ...at, tag: 'latest-dev', digest: b.digest, previous: a.digest }),
      ]);
    },
    'into a missing repository is RepositoryNotFound, or creates it under a CREATE_ON_PUSH template': (t) => {
      const empty = index([]);
      then(t, when(given([]), putManifest(empty, 'v1')), 'RepositoryNotFound');
      const fresh = { ...at, repository: 'fresh' };
      then(t, when(given([templateCreated(template('ROOT'))]), { ...putManifest(empty, 'v1'), repository: 'fresh' }), [
        ev.RepositoryCreated({ ...created('fresh').data, cause: 'push' }),
        manifestPut(empty, empty.bytes.byteLength, 'fresh'),
        ev.TagPut({ ...fresh, tag: 'v1', digest: empty.digest, previous: null }),
      ]);
    },
    'a tag on an image that has 1000 tags already is ImageTagLimitExceeded': (t) => {
      const m = image();
      const many = Array.from({ length: MAX_TAGS_PER_IMAGE }, (_, i) => `t${i}`);
      then(t, when(given(withImage(many)), putManifest(m, 'one-more')), 'ImageTagLimitExceeded');
      then(t, when(given(withImage(many.slice(1))), putManifest(m, 'one-more')), [
        ev.TagPut({ ...at, tag: 'one-more', digest: m.digest, previous: null }),
      ]);
    },
    'an archived image pushed again is restored to STANDARD (and tagged when the tag is new)': (t) => {
      const m = image();
      const archived = [
        ...withImage(['v1']),
        settingsEvents.ImageStorageClassChanged({ ...at, digest: m.digest, storageClass: 'ARCHIVE' }),
      ];
      const restored = settingsEvents.ImageStorageClassChanged({ ...at, digest: m.digest, storageClass: 'STANDARD' });
      then(t, when(given(archived), putManifest(m, 'v1', 'ecr')), [restored]);
      then(t, when(given(archived), putManifest(m, 'v2')), [restored, ev.TagPut({ ...at, tag: 'v2', digest: m.digest, previous: null })]);
    },
    'a new image in a repository a signing rule matches is ImageSigningStarted for its profiles; a referrer is not signed': (t) => {
      const profile = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/release';
      const rules = settingsEvents.SigningConfigurationPut({
        account: scope.account,
        region: scope.region,
        rules: [{ signingProfileArn: profile, repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD_MATCH' }] }],
      });
      const m = image();
      then(t, when(given([...withBlobs, rules]), putManifest(m, 'v1')), [
        manifestPut(m, 11),
        ev.TagPut({ ...at, tag: 'v1', digest: m.digest, previous: null }),
        signingEvents.ImageSigningStarted({ ...at, digest: m.digest, profiles: [profile] }),
      ]);
      const referrer = image([layer], { subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: 10 } });
      then(t, when(given([...withImage([]), rules]), putManifest(referrer, null)), [manifestPut(referrer, 11)]);
    },
  },

  DeleteTag: {
    'a tag is TagDeleted; with deleteImageIfUntagged its image goes with its last tag': (t) => {
      const digest = image().digest;
      then(t, when(given(withImage(['v1'])), { type: 'DeleteTag', ...inRepo, tag: 'v1', deleteImageIfUntagged: false }), [
        ev.TagDeleted({ ...at, tag: 'v1', digest }),
      ]);
      then(t, when(given(withImage(['v1'])), { type: 'DeleteTag', ...inRepo, tag: 'v1', deleteImageIfUntagged: true }), [
        ev.TagDeleted({ ...at, tag: 'v1', digest }),
        ev.ImageDeleted({ ...at, digest }),
      ]);
    },
    'an image keeps living while another tag points at it': (t) =>
      then(t, when(given(withImage(['v1', 'v2'])), { type: 'DeleteTag', ...inRepo, tag: 'v1', deleteImageIfUntagged: true }), [
        ev.TagDeleted({ ...at, tag: 'v1', digest: image().digest }),
      ]),
    'an unknown tag is ImageNotFound; a missing repository RepositoryNotFound': (t) => {
      then(t, when(given(withImage()), { type: 'DeleteTag', ...inRepo, tag: 'nope', deleteImageIfUntagged: true }), 'ImageNotFound');
      then(t, when(given([]), { type: 'DeleteTag', ...inRepo, tag: 'v1', deleteImageIfUntagged: true }), 'RepositoryNotFound');
    },
  },

  DeleteImage: {
    'an image is ImageDeleted (its tags go with it)': (t) =>
      then(t, when(given(withImage(['v1', 'v2'])), { type: 'DeleteImage', ...inRepo, digest: image().digest }), [
        ev.ImageDeleted({ ...at, digest: image().digest }),
      ]),
    'an unknown digest is ImageNotFound; a missing repository RepositoryNotFound': (t) => {
      then(t, when(given(withImage()), { type: 'DeleteImage', ...inRepo, digest: layer }), 'ImageNotFound');
      then(t, when(given([]), { type: 'DeleteImage', ...inRepo, digest: layer }), 'RepositoryNotFound');
    },
  },

  RecordPull: {
    'a pull of a stored image is ImagePulled': (t) =>
      then(t, when(given(withImage()), { type: 'RecordPull', ...inRepo, digest: image().digest }), [
        ev.ImagePulled({ ...at, digest: image().digest }),
      ]),
    'a pull of an image or repository that is gone records nothing and is no error': (t) => {
      then(t, when(given(withBlobs), { type: 'RecordPull', ...inRepo, digest: image().digest }), []);
      then(t, when(given([]), { type: 'RecordPull', ...inRepo, digest: image().digest }), []);
    },
  },
};
