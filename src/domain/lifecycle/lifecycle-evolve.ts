/** Folds lifecycle events into the registry state (in place, like ../evolve.ts), as a record keyed by event type. */
import type { EvolverTable } from '../decision.ts';
import type { RecordedEvent } from '../events.ts';
import { deleteTag } from '../repository-tags.ts';
import { repoKey } from '../scope.ts';
import type { RegistryState, Repository } from '../state.ts';
import type { LifecycleEventMap } from './lifecycle-events.ts';
import type { LifecyclePreviewResult, RepoLifecycle } from './lifecycle-state.ts';

type LifecycleRecordedEvent = Extract<RecordedEvent, { type: keyof LifecycleEventMap }>;

const repoOf = (state: RegistryState, d: { account: string; region: string; repository: string }): Repository | undefined =>
  state.repos.get(repoKey(d, d.repository));

function lifecycleOf(repo: Repository): RepoLifecycle {
  return (repo.settings.lifecycle ??= {});
}

export const lifecycleEvolvers: EvolverTable<LifecycleRecordedEvent> = {
  LifecyclePolicyPut: (state, e) => {
    const repo = repoOf(state, e.data);
    if (!repo) return;
    repo.settings.lifecyclePolicyText = e.data.policyText;
    lifecycleOf(repo).policyPutAt = e.time;
  },
  LifecyclePolicyDeleted: (state, e) => {
    const repo = repoOf(state, e.data);
    if (!repo) return;
    delete repo.settings.lifecyclePolicyText;
    const lc = lifecycleOf(repo);
    delete lc.policyPutAt;
    delete lc.lastEvaluatedAt;
  },
  LifecyclePolicyEvaluated: (state, e) => {
    const repo = repoOf(state, e.data);
    if (repo) lifecycleOf(repo).lastEvaluatedAt = e.data.evaluatedAt;
  },
  ImageExpired: (state, e) => {
    const repo = repoOf(state, e.data);
    const image = repo?.images.get(e.data.digest);
    if (!repo || !image) return;
    repo.images.delete(e.data.digest);
    for (const tag of e.data.tags) if (repo.tags.get(tag) === e.data.digest) deleteTag(repo, tag);
    if (image.subject !== undefined) {
      const list = repo.referrers.get(image.subject);
      if (list) {
        const rest = list.filter((d) => d !== e.data.digest);
        if (rest.length === 0) repo.referrers.delete(image.subject);
        else repo.referrers.set(image.subject, rest);
      }
    }
  },
  ImageTransitioned: (state, e) => {
    const image = repoOf(state, e.data)?.images.get(e.data.digest);
    if (!image) return;
    image.storageClass = e.data.storageClass;
    image.storageClassChangedAt = e.data.evaluatedAt;
  },
  LifecyclePolicyPreviewStarted: (state, e) => {
    const repo = repoOf(state, e.data);
    if (repo) lifecycleOf(repo).preview = { status: 'IN_PROGRESS', policyText: e.data.policyText, startedAt: e.time };
  },
  LifecyclePolicyPreviewCompleted: (state, e) => {
    const repo = repoOf(state, e.data);
    const preview = repo?.settings.lifecycle?.preview;
    if (!repo || !preview) return;
    // The images as they are now, when the preview ran (their tags, push time and storage class).
    const tags = new Map<string, string[]>();
    for (const [tag, digest] of repo.tags) {
      const list = tags.get(digest);
      if (list) list.push(tag);
      else tags.set(digest, [tag]);
    }
    const results: LifecyclePreviewResult[] = [];
    for (const r of e.data.results) {
      const image = repo.images.get(r.digest);
      if (!image) continue;
      results.push({
        digest: r.digest,
        tags: tags.get(r.digest) ?? [],
        pushedAt: image.pushedAt,
        storageClass: image.storageClass,
        action: r.action,
        rulePriority: r.rulePriority,
      });
    }
    repo.settings.lifecycle = {
      ...repo.settings.lifecycle,
      preview: { ...preview, status: 'COMPLETE', evaluatedAt: e.data.evaluatedAt, results },
    };
  },
};
