/** decide() for the signing worker's commands. Pure, like ../decide.ts. */
import type { DecideContext } from '../commands.ts';
import type { Decision } from '../decide.ts';
import { domainError } from '../errors.ts';
import { coreEvents, type DomainEvent } from '../events.ts';
import { repoKey, scopeKey } from '../scope.ts';
import type { RegistryState } from '../state.ts';
import type { SigningCommand } from './signing-commands.ts';
import { signingEvents } from './signing-event-factories.ts';
import { signingStatuses } from './signing-state.ts';

type Of<T extends SigningCommand['type']> = Extract<SigningCommand, { type: T }>;

const ok = (...events: DomainEvent[]): Decision => ({ ok: true, events });

/** The image and its IN_PROGRESS status for the profile, or why the outcome is not recorded. */
function pending(state: RegistryState, c: SigningCommand): Decision | 'pending' {
  const repo = state.repos.get(repoKey(c.scope, c.repository));
  const image = repo?.images.get(c.digest);
  if (!image) return { ok: false, error: domainError('ImageNotFound', `image ${c.digest} is no longer in repository '${c.repository}'`) };
  const status = signingStatuses(image).find((s) => s.profileArn === c.profileArn);
  // Recorded already (a worker resumed after a restart): nothing more to record.
  if (status?.status !== 'IN_PROGRESS') return ok();
  return 'pending';
}

export const signingDeciders: { [T in SigningCommand['type']]: (state: RegistryState, c: Of<T>, ctx: DecideContext) => Decision } = {
  RecordImageSignature: (state, c) => {
    const p = pending(state, c);
    if (p !== 'pending') return p;
    const ref = { account: c.scope.account, region: c.scope.region, repository: c.repository };
    const repo = state.repos.get(repoKey(c.scope, c.repository))!;
    const events: DomainEvent[] = [];
    const certs = state.registries.get(scopeKey(c.scope))?.signingCertificates?.[c.profileArn];
    if (c.certificate !== null && !sameBytes(certs?.at(-1), c.certificate))
      events.push(
        signingEvents.SigningCertificateIssued({
          account: ref.account,
          region: ref.region,
          profileArn: c.profileArn,
          certificate: c.certificate,
        }),
      );
    // The signature's blobs, recorded like a push: linked if the registry has them, else uploaded.
    for (const b of c.blobs) {
      if (repo.blobs.has(b.digest)) continue;
      if (state.blobs.has(b.digest)) {
        events.push(coreEvents.BlobMounted({ ...ref, digest: b.digest, size: b.size, from: null }));
        continue;
      }
      events.push(coreEvents.UploadStarted({ ...ref, uploadId: b.uploadId, via: 'oci' }));
      if (b.size > 0) events.push(coreEvents.ChunkAppended({ uploadId: b.uploadId, offset: 0, length: b.size, part: 0 }));
      events.push(coreEvents.UploadCompleted({ uploadId: b.uploadId, digest: b.digest, size: b.size }));
    }
    const m = c.signature.manifest;
    if (!repo.images.has(c.signature.digest))
      events.push(
        coreEvents.ManifestPut({
          ...ref,
          digest: c.signature.digest,
          mediaType: m.mediaType,
          bytes: c.signature.bytes,
          size: m.blobs.reduce((sum, b) => sum + b.size, 0),
          blobs: m.blobs.map((b) => b.digest),
          manifests: [],
          subject: m.subject?.digest ?? null,
          artifactType: m.artifactType ?? m.config?.mediaType ?? null,
          configMediaType: m.config?.mediaType ?? null,
        }),
      );
    events.push(signingEvents.ImageSigned({ ...ref, digest: c.digest, profileArn: c.profileArn, signature: c.signature.digest }));
    return ok(...events);
  },
  RecordImageSigningFailure: (state, c) => {
    const p = pending(state, c);
    if (p !== 'pending') return p;
    return ok(
      signingEvents.ImageSigningFailed({
        account: c.scope.account,
        region: c.scope.region,
        repository: c.repository,
        digest: c.digest,
        profileArn: c.profileArn,
        failureCode: c.failureCode,
        failureReason: c.failureReason,
      }),
    );
  },
};

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

export function decideSigning(state: RegistryState, c: SigningCommand, ctx: DecideContext): Decision {
  return (signingDeciders[c.type] as (state: RegistryState, c: SigningCommand, ctx: DecideContext) => Decision)(state, c, ctx);
}
