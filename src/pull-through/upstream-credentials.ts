/**
 * The credentials of upstream registries, by the ARN of the Secrets Manager secret a pull through
 * cache rule names (`credentialArn`). They come from `--upstream-credentials ARN=user:pass` and the
 * admin API, and live in memory only: never in the journal, never in a snapshot file.
 */
import type { Credentials } from './upstream-auth.ts';

export class UpstreamCredentials {
  readonly #byArn = new Map<string, Credentials>();

  constructor(initial: Readonly<Record<string, Credentials>> = {}) {
    for (const [arn, c] of Object.entries(initial)) this.#byArn.set(arn, { username: c.username, password: c.password });
  }

  get(arn: string): Credentials | undefined {
    return this.#byArn.get(arn);
  }

  has(arn: string): boolean {
    return this.#byArn.has(arn);
  }

  set(arn: string, credentials: Credentials): void {
    this.#byArn.set(arn, { username: credentials.username, password: credentials.password });
  }

  delete(arn: string): boolean {
    return this.#byArn.delete(arn);
  }

  /** The ARNs held (never the secrets). */
  arns(): string[] {
    return [...this.#byArn.keys()].sort();
  }
}
