/** Uploads, whole-blob pushes, mounts and blob deletes (src/domain/deciders/uploads.ts). */
import { decide } from '../../../src/domain/decide.ts';
import { MIN_ECR_LAYER_PART, UPLOAD_TTL_MS, type uploadDeciders } from '../../../src/domain/deciders/uploads.ts';
import { coreEvents as ev } from '../../../src/domain/events.ts';
import { lifecycleEvents } from '../../../src/domain/lifecycle/lifecycle-event-factories.ts';
import { settingsEvents } from '../../../src/domain/settings/settings-event-factories.ts';
import { given, NOW, then, when, type SpecsFor } from '../given-when-then.ts';
import { at, created, digestOf, inRepo, layer, scope, template, templateCreated, withBlobs } from './decider-fixtures.ts';

const other = { ...at, repository: 'team/other' };
/** An open /v2 upload `u` into team/app holding 5 bytes. */
const openUpload = [
  created(),
  ev.UploadStarted({ ...at, uploadId: 'u', via: 'oci' }),
  ev.ChunkAppended({ uploadId: 'u', offset: 0, length: 5, part: 0 }),
];
/** An open ECR upload `e` into team/app whose part 1 holds `length` bytes. */
const ecrUpload = (length: number) => [
  created(),
  ev.UploadStarted({ ...at, uploadId: 'e', via: 'ecr' }),
  ...(length > 0 ? [ev.ChunkAppended({ uploadId: 'e', offset: 0, length, part: 1 })] : []),
];
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] });
/** What a CREATE_ON_PUSH template `team` (with a repository policy) creates for team/new. */
const pushCreated = [
  ev.RepositoryCreated({
    ...at,
    repository: 'team/new',
    imageTagMutability: 'MUTABLE',
    imageTagMutabilityExclusionFilters: [],
    scanOnPush: false,
    encryptionType: 'AES256',
    kmsKey: null,
    resourceTags: [],
    cause: 'push',
  }),
  settingsEvents.RepositoryPolicySet({ ...at, repository: 'team/new', policyText: POLICY }),
];
const teamTemplate = templateCreated(template('team', { repositoryPolicy: POLICY }));

export const uploadSpecs: SpecsFor<typeof uploadDeciders> = {
  StartUpload: {
    'an upload into an existing repository is UploadStarted, with the face that started it': (t) =>
      then(t, when(given([created()]), { type: 'StartUpload', ...inRepo, uploadId: 'u', via: 'ecr' }), [
        ev.UploadStarted({ ...at, uploadId: 'u', via: 'ecr' }),
      ]),
    'into a missing repository is RepositoryNotFound (ECR refuses pushes to unknown repositories)': (t) =>
      then(t, when(given([]), { type: 'StartUpload', scope, repository: 'nope', uploadId: 'u', via: 'oci' }), 'RepositoryNotFound'),
    'into a missing repository under a CREATE_ON_PUSH template creates it first, with the policy of the template': (t) =>
      then(t, when(given([teamTemplate]), { type: 'StartUpload', scope, repository: 'team/new', uploadId: 'u', via: 'oci' }), [
        ...pushCreated,
        ev.UploadStarted({ ...at, repository: 'team/new', uploadId: 'u', via: 'oci' }),
      ]),
    "a template's lifecycle policy comes with the repository it creates": (t) => {
      const lifecyclePolicy = JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
        ],
      });
      const state = given([templateCreated(template('team', { lifecyclePolicy }))]);
      then(t, when(state, { type: 'StartUpload', scope, repository: 'team/new', uploadId: 'u', via: 'oci' }), [
        pushCreated[0]!,
        lifecycleEvents.LifecyclePolicyPut({ ...at, repository: 'team/new', policyText: lifecyclePolicy }),
        ev.UploadStarted({ ...at, repository: 'team/new', uploadId: 'u', via: 'oci' }),
      ]);
    },
    'a template creates nothing outside its prefix, nor a name outside ECR grammar': (t) => {
      then(
        t,
        when(given([teamTemplate]), { type: 'StartUpload', scope, repository: 'teams/new', uploadId: 'u', via: 'oci' }),
        'RepositoryNotFound',
      );
      const root = given([templateCreated(template('ROOT'))]);
      then(t, when(root, { type: 'StartUpload', scope, repository: 'Team/New', uploadId: 'u', via: 'oci' }), 'InvalidName');
    },
  },

  AppendChunk: {
    'a chunk where the upload is is ChunkAppended': (t) =>
      then(t, when(given(openUpload), { type: 'AppendChunk', uploadId: 'u', offset: 5, length: 7, part: 0 }), [
        ev.ChunkAppended({ uploadId: 'u', offset: 5, length: 7, part: 0 }),
      ]),
    'a chunk elsewhere is UploadOffsetMismatch, naming the last byte received': (t) =>
      then(t, when(given(openUpload), { type: 'AppendChunk', uploadId: 'u', offset: 0, length: 5, part: 0 }), {
        code: 'UploadOffsetMismatch',
        detail: { lastValidByteReceived: 4 },
      }),
    'an empty chunk changes nothing': (t) =>
      then(t, when(given(openUpload), { type: 'AppendChunk', uploadId: 'u', offset: 5, length: 0, part: 0 }), []),
    'an unknown upload is UploadNotFound': (t) =>
      then(t, when(given([created()]), { type: 'AppendChunk', uploadId: 'x', offset: 0, length: 5, part: 0 }), 'UploadNotFound'),
    'ECR: a part after a part under 5 MiB is accepted too (CompleteUpload refuses the layer)': (t) =>
      then(t, when(given(ecrUpload(100)), { type: 'AppendChunk', uploadId: 'e', offset: 100, length: 10, part: 2 }), [
        ev.ChunkAppended({ uploadId: 'e', offset: 100, length: 10, part: 2 }),
      ]),
  },

  CompleteUpload: {
    'the verified bytes of an upload are UploadCompleted': (t) =>
      then(t, when(given(openUpload), { type: 'CompleteUpload', uploadId: 'u', digest: layer, size: 5, chunk: null }), [
        ev.UploadCompleted({ uploadId: 'u', digest: layer, size: 5 }),
      ]),
    'a final chunk sent with the PUT is ChunkAppended before UploadCompleted': (t) =>
      then(t, when(given(openUpload), { type: 'CompleteUpload', uploadId: 'u', digest: layer, size: 8, chunk: { offset: 5, length: 3 } }), [
        ev.ChunkAppended({ uploadId: 'u', offset: 5, length: 3, part: 0 }),
        ev.UploadCompleted({ uploadId: 'u', digest: layer, size: 8 }),
      ]),
    'a final chunk elsewhere is UploadOffsetMismatch': (t) =>
      then(
        t,
        when(given(openUpload), { type: 'CompleteUpload', uploadId: 'u', digest: layer, size: 8, chunk: { offset: 4, length: 4 } }),
        'UploadOffsetMismatch',
      ),
    'a size other than what the upload holds is DigestMismatch': (t) =>
      then(t, when(given(openUpload), { type: 'CompleteUpload', uploadId: 'u', digest: layer, size: 6, chunk: null }), 'DigestMismatch'),
    'an unknown upload is UploadNotFound': (t) =>
      then(t, when(given([created()]), { type: 'CompleteUpload', uploadId: 'x', digest: layer, size: 0, chunk: null }), 'UploadNotFound'),
    'ECR: a layer with a part under 5 MiB that was not the last is LayerPartTooSmall; a small last part is fine': (t) => {
      const big = MIN_ECR_LAYER_PART;
      const smallThenMore = [...ecrUpload(100), ev.ChunkAppended({ uploadId: 'e', offset: 100, length: 10, part: 2 })];
      then(
        t,
        when(given(smallThenMore), { type: 'CompleteUpload', uploadId: 'e', digest: layer, size: 110, chunk: null }),
        'LayerPartTooSmall',
      );
      const bigThenSmall = [...ecrUpload(big), ev.ChunkAppended({ uploadId: 'e', offset: big, length: 10, part: 2 })];
      then(t, when(given(bigThenSmall), { type: 'CompleteUpload', uploadId: 'e', digest: layer, size: big + 10, chunk: null }), [
        ev.UploadCompleted({ uploadId: 'e', digest: layer, size: big + 10 }),
      ]);
    },
    'ECR: an empty upload is UploadEmpty': (t) =>
      then(
        t,
        when(given(ecrUpload(0)), { type: 'CompleteUpload', uploadId: 'e', digest: digestOf(''), size: 0, chunk: null }),
        'UploadEmpty',
      ),
    'ECR: a layer the repository has is BlobAlreadyExists; /v2 completes it again': (t) => {
      const ecr = [...withBlobs, ...ecrUpload(5).slice(1)];
      then(t, when(given(ecr), { type: 'CompleteUpload', uploadId: 'e', digest: layer, size: 5, chunk: null }), 'BlobAlreadyExists');
      const oci = [...withBlobs, ...openUpload.slice(1)];
      then(t, when(given(oci), { type: 'CompleteUpload', uploadId: 'u', digest: layer, size: 5, chunk: null }), [
        ev.UploadCompleted({ uploadId: 'u', digest: layer, size: 5 }),
      ]);
    },
  },

  CancelUpload: {
    'an open upload is UploadCancelled': (t) =>
      then(t, when(given(openUpload), { type: 'CancelUpload', uploadId: 'u' }), [ev.UploadCancelled({ uploadId: 'u' })]),
    'a completed or unknown upload is UploadNotFound': (t) => {
      then(t, when(given(withBlobs), { type: 'CancelUpload', uploadId: 'u1' }), 'UploadNotFound');
      then(t, when(given([created()]), { type: 'CancelUpload', uploadId: 'x' }), 'UploadNotFound');
    },
  },

  ExpireUpload: {
    'an upload whose staged bytes are gone is UploadExpired at once (start-up reconciles them)': (t) =>
      then(t, when(given(openUpload), { type: 'ExpireUpload', uploadId: 'u', reason: 'staged-bytes-missing' }), [
        ev.UploadExpired({ uploadId: 'u', reason: 'staged-bytes-missing' }),
      ]),
    'an upload is kept open for 24 hours of the registry clock: before that a ttl expiry is InvalidParameter, after it UploadExpired': (
      t,
    ) => {
      then(t, when(given(openUpload), { type: 'ExpireUpload', uploadId: 'u', reason: 'ttl' }), 'InvalidParameter');
      const later = decide(given(openUpload), { type: 'ExpireUpload', uploadId: 'u', reason: 'ttl' }, { now: NOW + UPLOAD_TTL_MS + 1 });
      then(t, later, [ev.UploadExpired({ uploadId: 'u', reason: 'ttl' })]);
    },
    'a completed or unknown upload is UploadNotFound': (t) => {
      then(t, when(given(withBlobs), { type: 'ExpireUpload', uploadId: 'u1', reason: 'ttl' }), 'UploadNotFound');
      then(t, when(given([created()]), { type: 'ExpireUpload', uploadId: 'x', reason: 'staged-bytes-missing' }), 'UploadNotFound');
    },
  },

  PushBlob: {
    'a whole blob is UploadStarted, ChunkAppended and UploadCompleted at once': (t) =>
      then(t, when(given([created()]), { type: 'PushBlob', ...inRepo, uploadId: 'p', digest: layer, size: 5 }), [
        ev.UploadStarted({ ...at, uploadId: 'p', via: 'oci' }),
        ev.ChunkAppended({ uploadId: 'p', offset: 0, length: 5, part: 0 }),
        ev.UploadCompleted({ uploadId: 'p', digest: layer, size: 5 }),
      ]),
    'an empty blob has no ChunkAppended': (t) =>
      then(t, when(given([created()]), { type: 'PushBlob', ...inRepo, uploadId: 'p', digest: digestOf(''), size: 0 }), [
        ev.UploadStarted({ ...at, uploadId: 'p', via: 'oci' }),
        ev.UploadCompleted({ uploadId: 'p', digest: digestOf(''), size: 0 }),
      ]),
    'into a missing repository is RepositoryNotFound, or creates it under a CREATE_ON_PUSH template': (t) => {
      then(t, when(given([]), { type: 'PushBlob', ...inRepo, uploadId: 'p', digest: layer, size: 5 }), 'RepositoryNotFound');
      then(t, when(given([teamTemplate]), { type: 'PushBlob', scope, repository: 'team/new', uploadId: 'p', digest: layer, size: 5 }), [
        ...pushCreated,
        ev.UploadStarted({ ...at, repository: 'team/new', uploadId: 'p', via: 'oci' }),
        ev.ChunkAppended({ uploadId: 'p', offset: 0, length: 5, part: 0 }),
        ev.UploadCompleted({ uploadId: 'p', digest: layer, size: 5 }),
      ]);
    },
  },

  MountBlob: {
    'a blob of another repository is BlobMounted, with its size and where it came from': (t) => {
      const state = given([...withBlobs, created('team/other')]);
      then(t, when(state, { type: 'MountBlob', scope, repository: 'team/other', digest: layer, from: 'team/app' }), [
        ev.BlobMounted({ ...other, digest: layer, size: 5, from: 'team/app' }),
      ]);
      then(t, when(state, { type: 'MountBlob', scope, repository: 'team/other', digest: layer, from: null }), [
        ev.BlobMounted({ ...other, digest: layer, size: 5, from: null }),
      ]);
    },
    'a blob the registry or the named repository does not hold is BlobNotFound': (t) => {
      const state = given([...withBlobs, created('team/other'), created('team/empty')]);
      then(t, when(state, { type: 'MountBlob', scope, repository: 'team/other', digest: digestOf('x'), from: null }), 'BlobNotFound');
      then(t, when(state, { type: 'MountBlob', scope, repository: 'team/other', digest: layer, from: 'team/empty' }), 'BlobNotFound');
    },
    'a blob the repository has already changes nothing': (t) =>
      then(t, when(given(withBlobs), { type: 'MountBlob', ...inRepo, digest: layer, from: null }), []),
    'into a missing repository is RepositoryNotFound': (t) =>
      then(
        t,
        when(given(withBlobs), { type: 'MountBlob', scope, repository: 'team/nope', digest: layer, from: 'team/app' }),
        'RepositoryNotFound',
      ),
  },

  DeleteBlob: {
    'a blob linked into the repository is BlobDeleted': (t) =>
      then(t, when(given(withBlobs), { type: 'DeleteBlob', ...inRepo, digest: layer }), [ev.BlobDeleted({ ...at, digest: layer })]),
    'a blob the repository does not link is BlobNotFound, even when another one does': (t) =>
      then(
        t,
        when(given([...withBlobs, created('team/other')]), { type: 'DeleteBlob', scope, repository: 'team/other', digest: layer }),
        'BlobNotFound',
      ),
    'a missing repository is RepositoryNotFound': (t) =>
      then(t, when(given([]), { type: 'DeleteBlob', ...inRepo, digest: layer }), 'RepositoryNotFound'),
  },
};
