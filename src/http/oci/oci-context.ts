/** What every /v2 route knows once the auth and parameter middleware ran. */
import type Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import type { RegistryScope } from '../../domain/scope.ts';

export interface OciState {
  /** The registry (account, region) the credentials act in. */
  scope: RegistryScope;
}

export type OciRouter = Router<OciState>;
export type OciContext = RouterContext<OciState>;
/** A /v2 route's handler: answers through `ctx`, or throws what the error middleware answers. */
export type OciHandler = (ctx: OciContext) => Promise<void>;

/** The path a client is sent back to for `name` (Location headers are relative, as distribution's are). */
export const repoPath = (name: string): string => `/v2/${name}`;
