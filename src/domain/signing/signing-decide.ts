/** decide() for the signing worker's commands. Pure, like ../decide.ts. */
import { no, ok, refOf, regOf, registrySettings, type DeciderTable, type Decision } from '../decision.ts';
import { domainError } from '../errors.ts';
import type { DomainEvent } from '../events.ts';
import { repoKey } from '../scope.ts';
import type { RegistryState } from '../state.ts';
import type { SigningCommand } from './signing-commands.ts';
import { signingEvents } from './signing-event-factories.ts';
import { signingStatuses } from './signing-state.ts';

/** The image and its IN_PROGRESS status for the profile, or why the outcome is not recorded. */
function pending(state: RegistryState, c: SigningCommand): Decision | 'pending' {
  const repo = state.repos.get(repoKey(c.scope, c.repository));
  const image = repo?.images.get(c.digest);
  if (!image) return no(domainError('ImageNotFound', `image ${c.digest} is no longer in repository '${c.repository}'`));
  const status = signingStatuses(image).find((s) => s.profileArn === c.profileArn);
  // Recorded already (a worker resumed after a restart): nothing more to record.
  if (status?.status !== 'IN_PROGRESS') return ok();
  return 'pending';
}

export const signingDeciders: DeciderTable<SigningCommand> = {
  RecordImageSignature: (state, c) => {
    const p = pending(state, c);
    if (p !== 'pending') return p;
    const repo = state.repos.get(repoKey(c.scope, c.repository))!;
    if (repo.images.get(c.signature)?.subject !== c.digest)
      return no(domainError('ImageNotFound', `no signature manifest ${c.signature} of ${c.digest} in repository '${c.repository}'`));
    const events: DomainEvent[] = [];
    const certs = registrySettings(state, c.scope).signingCertificates?.[c.profileArn];
    if (c.certificate !== null && !sameBytes(certs?.at(-1), c.certificate))
      events.push(signingEvents.SigningCertificateIssued({ profileArn: c.profileArn, certificate: c.certificate, ...regOf(c.scope) }));
    events.push(
      signingEvents.ImageSigned({ digest: c.digest, profileArn: c.profileArn, signature: c.signature, ...refOf(c.scope, c.repository) }),
    );
    return ok(...events);
  },
  RecordImageSigningFailure: (state, c) => {
    const p = pending(state, c);
    if (p !== 'pending') return p;
    const { digest, profileArn, failureCode, failureReason } = c;
    return ok(signingEvents.ImageSigningFailed({ digest, profileArn, failureCode, failureReason, ...refOf(c.scope, c.repository) }));
  },
};

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}
