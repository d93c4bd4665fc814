/** Folds the managed-signing events into the registry state (in place, like ../evolve.ts). */
import type { EvolverTable } from '../decision.ts';
import type { RecordedEvent } from '../events.ts';
import { repoKey, scopeKey } from '../scope.ts';
import type { Image, RegistryState } from '../state.ts';
import type { SigningEventMap } from './signing-events.ts';
import { SIGNING_EXTRA, signingStatuses, type ImageSigningStatus } from './signing-state.ts';

export type SigningRecordedEvent = Extract<RecordedEvent, { type: keyof SigningEventMap }>;

const imageOf = (state: RegistryState, d: { account: string; region: string; repository: string; digest: string }): Image | undefined =>
  state.repos.get(repoKey(d, d.repository))?.images.get(d.digest);

/** Replaces the status of one profile (the statuses keep their order). */
function setStatus(image: Image, next: ImageSigningStatus): void {
  const statuses = signingStatuses(image).map((s) => (s.profileArn === next.profileArn ? next : s));
  image.extra = { ...image.extra, [SIGNING_EXTRA]: statuses };
}

export const signingEvolvers: EvolverTable<SigningRecordedEvent> = {
  ImageSigningStarted: (state, e) => {
    const image = imageOf(state, e.data);
    if (!image) return;
    const statuses: ImageSigningStatus[] = e.data.profiles.map((profileArn) => ({ profileArn, status: 'IN_PROGRESS' }));
    image.extra = { ...image.extra, [SIGNING_EXTRA]: statuses };
  },
  ImageSigned: (state, e) => {
    const image = imageOf(state, e.data);
    if (image) setStatus(image, { profileArn: e.data.profileArn, status: 'COMPLETE', signature: e.data.signature });
  },
  ImageSigningFailed: (state, e) => {
    const image = imageOf(state, e.data);
    if (image)
      setStatus(image, {
        profileArn: e.data.profileArn,
        status: 'FAILED',
        failureCode: e.data.failureCode,
        failureReason: e.data.failureReason,
      });
  },
  SigningCertificateIssued: (state, e) => {
    const key = scopeKey(e.data);
    let reg = state.registries.get(key);
    if (!reg) state.registries.set(key, (reg = {}));
    const certs = reg.signingCertificates ?? {};
    reg.signingCertificates = { ...certs, [e.data.profileArn]: [...(certs[e.data.profileArn] ?? []), e.data.certificate] };
  },
};
