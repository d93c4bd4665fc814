import { isError, no, ok, refOf, requireRepository, type DeciderTable } from '../decision.ts';
import { domainError, type DomainError } from '../errors.ts';
import type { DomainEvent } from '../events.ts';
import type { RegistryScope } from '../scope.ts';
import type { Repository } from '../state.ts';
import type { LifecycleCommand } from './lifecycle-commands.ts';
import { evaluate, type LifecycleAction } from './lifecycle-evaluate.ts';
import { lifecycleEvents as ev } from './lifecycle-event-factories.ts';
import { lifecycleImagesOf } from './lifecycle-images.ts';
import { lifecycleValidationMessage, parsedLifecyclePolicy, validateLifecyclePolicy } from './lifecycle-validation.ts';

export const lifecyclePolicyNotFound = (scope: RegistryScope, name: string): DomainError =>
  domainError(
    'LifecyclePolicyNotFound',
    `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${scope.account}'`,
  );

/** The InvalidParameter error for policy text that does not validate, or undefined when it does. */
export function lifecyclePolicyError(text: string, parameter = 'LifecyclePolicyText'): DomainError | undefined {
  const v = validateLifecyclePolicy(text);
  return v.ok ? undefined : domainError('InvalidParameter', lifecycleValidationMessage(v, parameter));
}

/** What `policyText` does to the repository's images as of `at`. */
export function lifecycleActions(repo: Repository, policyText: string, at: number): LifecycleAction[] {
  return evaluate(parsedLifecyclePolicy(policyText), lifecycleImagesOf(repo), at);
}

export const lifecycleDeciders: DeciderTable<LifecycleCommand> = {
  PutLifecyclePolicy: (state, c) => {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    const invalid = lifecyclePolicyError(c.policyText);
    if (invalid) return no(invalid);
    return ok(ev.LifecyclePolicyPut({ policyText: c.policyText, ...refOf(c.scope, c.repository) }));
  },

  DeleteLifecyclePolicy: (state, c) => {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    if (repo.settings.lifecyclePolicyText === undefined) return no(lifecyclePolicyNotFound(c.scope, c.repository));
    return ok(ev.LifecyclePolicyDeleted(refOf(c.scope, c.repository)));
  },

  StartLifecyclePolicyPreview: (state, c) => {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    const text = c.policyText ?? repo.settings.lifecyclePolicyText;
    if (text === undefined) return no(lifecyclePolicyNotFound(c.scope, c.repository));
    if (c.policyText !== null) {
      const invalid = lifecyclePolicyError(c.policyText);
      if (invalid) return no(invalid);
    }
    if (repo.settings.lifecycle?.preview?.status === 'IN_PROGRESS')
      return no(
        domainError(
          'LifecyclePolicyPreviewInProgress',
          `The previous lifecycle policy preview request for the repository with name '${c.repository}' in the registry with id '${c.scope.account}' has not completed`,
        ),
      );
    return ok(ev.LifecyclePolicyPreviewStarted({ policyText: text, ...refOf(c.scope, c.repository) }));
  },

  CompleteLifecyclePolicyPreview: (state, c, ctx) => {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    const preview = repo.settings.lifecycle?.preview;
    if (preview?.status !== 'IN_PROGRESS') return ok();
    const actions = lifecycleActions(repo, preview.policyText, ctx.now);
    return ok(
      ev.LifecyclePolicyPreviewCompleted({
        evaluatedAt: ctx.now,
        results: actions.map((a) => ({
          digest: a.digest,
          action: a.action === 'expire' ? 'EXPIRE' : 'TRANSITION',
          rulePriority: a.rulePriority,
        })),
        ...refOf(c.scope, c.repository),
      }),
    );
  },

  EvaluateLifecyclePolicy: (state, c, ctx) => {
    const repo = requireRepository(state, c.scope, c.repository);
    if (isError(repo)) return no(repo);
    const text = repo.settings.lifecyclePolicyText;
    if (text === undefined) return no(lifecyclePolicyNotFound(c.scope, c.repository));
    const at = c.at ?? ctx.now;
    const actions = lifecycleActions(repo, text, at);
    const ref = refOf(c.scope, c.repository);
    const tags = new Map<string, string[]>();
    for (const [tag, digest] of repo.tags) {
      const list = tags.get(digest);
      if (list) list.push(tag);
      else tags.set(digest, [tag]);
    }
    const expired = actions.filter((a) => a.action === 'expire').length;
    const events: DomainEvent[] = [
      ev.LifecyclePolicyEvaluated({ evaluatedAt: at, trigger: c.trigger, expired, transitioned: actions.length - expired, ...ref }),
    ];
    for (const a of actions)
      events.push(
        a.action === 'expire'
          ? ev.ImageExpired({ digest: a.digest, tags: tags.get(a.digest) ?? [], rulePriority: a.rulePriority, evaluatedAt: at, ...ref })
          : ev.ImageTransitioned({ digest: a.digest, storageClass: 'ARCHIVE', rulePriority: a.rulePriority, evaluatedAt: at, ...ref }),
      );
    return ok(...events);
  },
};
