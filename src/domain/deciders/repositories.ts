/** Creating and deleting repositories. */
import type { CoreCommand } from '../commands.ts';
import { findRepository, no, ok, refOf, repositoryNotFound, type DeciderTable } from '../decision.ts';
import { domainError } from '../errors.ts';
import { coreEvents as ev, repositoryCreated } from '../events.ts';
import { isRepositoryName, REPOSITORY_NAME_PATTERN } from '../names.ts';
import { mergeTags, tagProblem } from '../settings/resource-tags.ts';
import { defaultRepoSettings } from '../settings/settings-state.ts';

type RepositoryCommand = Extract<CoreCommand, { type: 'CreateRepository' | 'DeleteRepository' }>;

export const repositoryDeciders: DeciderTable<RepositoryCommand> = {
  CreateRepository(state, c) {
    if (!isRepositoryName(c.repository))
      return no(
        domainError(
          'InvalidName',
          c.repository.length < 2 || c.repository.length > 256
            ? `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length ${c.repository.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 256'}'`
            : `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '${REPOSITORY_NAME_PATTERN}''`,
        ),
      );
    if (findRepository(state, c.scope, c.repository))
      return no(
        domainError(
          'RepositoryAlreadyExists',
          `The repository with name '${c.repository}' already exists in the registry with id '${c.scope.account}'`,
        ),
      );
    const tags = tagProblem([], c.settings.resourceTags ?? []);
    if (tags) return no(tags);
    const s = { ...defaultRepoSettings(), ...c.settings, resourceTags: mergeTags([], c.settings.resourceTags ?? []) };
    return ok(repositoryCreated(refOf(c.scope, c.repository), s, 'api'));
  },

  DeleteRepository(state, c) {
    const repo = findRepository(state, c.scope, c.repository);
    if (!repo) return no(repositoryNotFound(c.scope, c.repository));
    if (repo.images.size > 0 && !c.force)
      return no(
        domainError(
          'RepositoryNotEmpty',
          `The repository with name '${c.repository}' in registry with id '${c.scope.account}' cannot be deleted because it still contains images`,
        ),
      );
    return ok(ev.RepositoryDeleted(refOf(c.scope, c.repository)));
  },
};
