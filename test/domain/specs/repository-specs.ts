/** CreateRepository and DeleteRepository (src/domain/deciders/repositories.ts). */
import type { repositoryDeciders } from '../../../src/domain/deciders/repositories.ts';
import { coreEvents as ev, repositoryCreated } from '../../../src/domain/events.ts';
import { defaultRepoSettings } from '../../../src/domain/settings/settings-state.ts';
import { given, then, when, type SpecsFor } from '../given-when-then.ts';
import { at, created, inRepo, scope, withImage } from './decider-fixtures.ts';

export const repositorySpecs: SpecsFor<typeof repositoryDeciders> = {
  CreateRepository: {
    'a new name is RepositoryCreated with the default settings under the ones requested': (t) =>
      then(t, when(given([]), { type: 'CreateRepository', ...inRepo, settings: { scanOnPush: true, imageTagMutability: 'IMMUTABLE' } }), [
        repositoryCreated(at, { ...defaultRepoSettings(), scanOnPush: true, imageTagMutability: 'IMMUTABLE' }, 'api'),
      ]),
    'a taken name is RepositoryAlreadyExists': (t) =>
      then(t, when(given([created()]), { type: 'CreateRepository', ...inRepo, settings: {} }), 'RepositoryAlreadyExists'),
    "resource tags follow ECR's rules: a reserved key is InvalidTagParameter, a key given twice keeps its last value": (t) => {
      then(
        t,
        when(given([]), { type: 'CreateRepository', ...inRepo, settings: { resourceTags: [{ Key: 'aws:owner', Value: 'x' }] } }),
        'InvalidTagParameter',
      );
      const twice = [
        { Key: 'team', Value: 'blue' },
        { Key: 'team', Value: 'green' },
      ];
      then(t, when(given([]), { type: 'CreateRepository', ...inRepo, settings: { resourceTags: twice } }), [
        repositoryCreated(at, { ...defaultRepoSettings(), resourceTags: [{ Key: 'team', Value: 'green' }] }, 'api'),
      ]);
    },
    'a name outside ECR grammar is InvalidName': (t) =>
      then(t, when(given([]), { type: 'CreateRepository', scope, repository: 'Team/App', settings: {} }), 'InvalidName'),
    'the same name in another region is another repository': (t) => {
      const west = { account: scope.account, region: 'us-west-2' };
      then(t, when(given([created()]), { type: 'CreateRepository', scope: west, repository: 'team/app', settings: {} }), [
        created('team/app', west),
      ]);
    },
  },

  DeleteRepository: {
    'an empty repository is RepositoryDeleted': (t) =>
      then(t, when(given([created()]), { type: 'DeleteRepository', ...inRepo, force: false }), [ev.RepositoryDeleted(at)]),
    'a repository with images is RepositoryNotEmpty unless forced': (t) => {
      const state = given(withImage());
      then(t, when(state, { type: 'DeleteRepository', ...inRepo, force: false }), 'RepositoryNotEmpty');
      then(t, when(state, { type: 'DeleteRepository', ...inRepo, force: true }), [ev.RepositoryDeleted(at)]);
    },
    'a missing repository is RepositoryNotFound': (t) =>
      then(t, when(given([]), { type: 'DeleteRepository', ...inRepo, force: true }), 'RepositoryNotFound'),
  },
};
