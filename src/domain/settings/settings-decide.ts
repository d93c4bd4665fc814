/** decide() for the ECR-only commands. Pure, like ../decide.ts. */
import type { DecideContext } from '../commands.ts';
import type { Decision } from '../decide.ts';
import { domainError } from '../errors.ts';
import type { RegistryState } from '../state.ts';
import { repoKey } from '../scope.ts';
import type { SettingsCommand } from './settings-commands.ts';
import { settingsEvents as ev } from './settings-event-factories.ts';

export function decideSettings(state: RegistryState, c: SettingsCommand, ctx: DecideContext): Decision {
  void ctx;
  switch (c.type) {
    case 'TagRepository': {
      const repo = state.repos.get(repoKey(c.scope, c.repository));
      if (!repo) return { ok: false, error: domainError('RepositoryNotFound', `repository ${c.repository} not found`) };
      return {
        ok: true,
        events: [ev.RepositoryTagged({ account: c.scope.account, region: c.scope.region, repository: c.repository, tags: c.tags })],
      };
    }
    default: {
      const never: never = c.type;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
}
