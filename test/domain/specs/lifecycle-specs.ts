/** Lifecycle policies, their previews and their runs (src/domain/lifecycle/lifecycle-decide.ts). */
import type { lifecycleDeciders } from '../../../src/domain/lifecycle/lifecycle-decide.ts';
import { lifecycleEvents as ev } from '../../../src/domain/lifecycle/lifecycle-event-factories.ts';
import { given, then, WHEN, when, type SpecsFor } from '../given-when-then.ts';
import { at, config, created, image, inRepo, manifestPut, withBlobs } from './decider-fixtures.ts';

const DAY = 24 * 60 * 60 * 1000;
const policy = (rules: unknown[]): string => JSON.stringify({ rules });
/** Keep one untagged image: expire the others, oldest first. */
const KEEP_ONE = policy([
  { rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
]);
/** Archive what was not pulled for 30 days. */
const ARCHIVE_UNPULLED = policy([
  {
    rulePriority: 1,
    selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 },
    action: { type: 'transition', targetStorageClass: 'archive' },
  },
]);
const older = image();
const newer = image([config]);
/** team/app with two untagged images, `older` pushed before `newer`. */
const twoUntagged = [...withBlobs, manifestPut(older, 11), manifestPut(newer, 12)];
const put = (text: string) => ev.LifecyclePolicyPut({ ...at, policyText: text });

export const lifecycleSpecs: SpecsFor<typeof lifecycleDeciders> = {
  PutLifecyclePolicy: {
    'a valid policy is LifecyclePolicyPut, as given': (t) =>
      then(t, when(given([created()]), { type: 'PutLifecyclePolicy', ...inRepo, policyText: KEEP_ONE }), [put(KEEP_ONE)]),
    'a policy that does not validate is InvalidParameter; a missing repository RepositoryNotFound': (t) => {
      then(t, when(given([created()]), { type: 'PutLifecyclePolicy', ...inRepo, policyText: '{"rules": []}' }), 'InvalidParameter');
      then(t, when(given([]), { type: 'PutLifecyclePolicy', ...inRepo, policyText: KEEP_ONE }), 'RepositoryNotFound');
    },
  },

  DeleteLifecyclePolicy: {
    'a policy put is LifecyclePolicyDeleted': (t) =>
      then(t, when(given([created(), put(KEEP_ONE)]), { type: 'DeleteLifecyclePolicy', ...inRepo }), [ev.LifecyclePolicyDeleted(at)]),
    'no policy is LifecyclePolicyNotFound; a missing repository RepositoryNotFound': (t) => {
      then(t, when(given([created()]), { type: 'DeleteLifecyclePolicy', ...inRepo }), 'LifecyclePolicyNotFound');
      then(t, when(given([]), { type: 'DeleteLifecyclePolicy', ...inRepo }), 'RepositoryNotFound');
    },
  },

  StartLifecyclePolicyPreview: {
    "a preview of a given policy, or of the repository's own, is LifecyclePolicyPreviewStarted": (t) => {
      then(t, when(given([created()]), { type: 'StartLifecyclePolicyPreview', ...inRepo, policyText: KEEP_ONE }), [
        ev.LifecyclePolicyPreviewStarted({ ...at, policyText: KEEP_ONE }),
      ]);
      then(t, when(given([created(), put(ARCHIVE_UNPULLED)]), { type: 'StartLifecyclePolicyPreview', ...inRepo, policyText: null }), [
        ev.LifecyclePolicyPreviewStarted({ ...at, policyText: ARCHIVE_UNPULLED }),
      ]);
    },
    'no policy to preview is LifecyclePolicyNotFound; a given one that does not validate InvalidParameter': (t) => {
      then(t, when(given([created()]), { type: 'StartLifecyclePolicyPreview', ...inRepo, policyText: null }), 'LifecyclePolicyNotFound');
      then(
        t,
        when(given([created()]), { type: 'StartLifecyclePolicyPreview', ...inRepo, policyText: '{"rules": []}' }),
        'InvalidParameter',
      );
    },
    'one preview at a time: LifecyclePolicyPreviewInProgress': (t) =>
      then(
        t,
        when(given([created(), ev.LifecyclePolicyPreviewStarted({ ...at, policyText: KEEP_ONE })]), {
          type: 'StartLifecyclePolicyPreview',
          ...inRepo,
          policyText: KEEP_ONE,
        }),
        'LifecyclePolicyPreviewInProgress',
      ),
  },

  CompleteLifecyclePolicyPreview: {
    'the preview in progress runs now: LifecyclePolicyPreviewCompleted with what it would do': (t) =>
      then(
        t,
        when(given([...twoUntagged, ev.LifecyclePolicyPreviewStarted({ ...at, policyText: KEEP_ONE })]), {
          type: 'CompleteLifecyclePolicyPreview',
          ...inRepo,
        }),
        [
          ev.LifecyclePolicyPreviewCompleted({
            ...at,
            evaluatedAt: WHEN,
            results: [{ digest: older.digest, action: 'EXPIRE', rulePriority: 1 }],
          }),
        ],
      ),
    'no preview in progress changes nothing; a missing repository is RepositoryNotFound': (t) => {
      then(t, when(given(twoUntagged), { type: 'CompleteLifecyclePolicyPreview', ...inRepo }), []);
      then(t, when(given([]), { type: 'CompleteLifecyclePolicyPreview', ...inRepo }), 'RepositoryNotFound');
    },
  },

  EvaluateLifecyclePolicy: {
    'a run is LifecyclePolicyEvaluated, then ImageExpired for each image it expires (with its tags, rule and time)': (t) =>
      then(
        t,
        when(given([...twoUntagged, put(KEEP_ONE)]), { type: 'EvaluateLifecyclePolicy', ...inRepo, at: WHEN - 10, trigger: 'schedule' }),
        [
          ev.LifecyclePolicyEvaluated({ ...at, evaluatedAt: WHEN - 10, trigger: 'schedule', expired: 1, transitioned: 0 }),
          ev.ImageExpired({ ...at, digest: older.digest, tags: [], rulePriority: 1, evaluatedAt: WHEN - 10 }),
        ],
      ),
    'a transition rule is ImageTransitioned to ARCHIVE; a run asked for runs as of now': (t) => {
      const late = WHEN + 40 * DAY;
      then(
        t,
        when(given([...withBlobs, manifestPut(older, 11), put(ARCHIVE_UNPULLED)]), {
          type: 'EvaluateLifecyclePolicy',
          ...inRepo,
          at: late,
          trigger: 'request',
        }),
        [
          ev.LifecyclePolicyEvaluated({ ...at, evaluatedAt: late, trigger: 'request', expired: 0, transitioned: 1 }),
          ev.ImageTransitioned({ ...at, digest: older.digest, storageClass: 'ARCHIVE', rulePriority: 1, evaluatedAt: late }),
        ],
      );
      then(
        t,
        when(given([...twoUntagged, put(ARCHIVE_UNPULLED)]), { type: 'EvaluateLifecyclePolicy', ...inRepo, at: null, trigger: 'request' }),
        [ev.LifecyclePolicyEvaluated({ ...at, evaluatedAt: WHEN, trigger: 'request', expired: 0, transitioned: 0 })],
      );
    },
    'no policy is LifecyclePolicyNotFound; a missing repository RepositoryNotFound': (t) => {
      then(
        t,
        when(given(twoUntagged), { type: 'EvaluateLifecyclePolicy', ...inRepo, at: null, trigger: 'request' }),
        'LifecyclePolicyNotFound',
      );
      then(t, when(given([]), { type: 'EvaluateLifecyclePolicy', ...inRepo, at: null, trigger: 'schedule' }), 'RepositoryNotFound');
    },
  },
};
