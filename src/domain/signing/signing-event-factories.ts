/** One factory per managed-signing event type (fixed key order, see ../events.ts). */
import type { EventOf } from '../events.ts';
import type { SigningEventMap } from './signing-events.ts';

type D<K extends keyof SigningEventMap> = SigningEventMap[K];

export const signingEvents = {
  ImageSigningStarted: (d: D<'ImageSigningStarted'>): EventOf<'ImageSigningStarted'> => ({
    type: 'ImageSigningStarted',
    data: { account: d.account, region: d.region, repository: d.repository, digest: d.digest, profiles: [...d.profiles] },
  }),
  ImageSigned: (d: D<'ImageSigned'>): EventOf<'ImageSigned'> => ({
    type: 'ImageSigned',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      profileArn: d.profileArn,
      signature: d.signature,
    },
  }),
  ImageSigningFailed: (d: D<'ImageSigningFailed'>): EventOf<'ImageSigningFailed'> => ({
    type: 'ImageSigningFailed',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      profileArn: d.profileArn,
      failureCode: d.failureCode,
      failureReason: d.failureReason,
    },
  }),
  SigningCertificateIssued: (d: D<'SigningCertificateIssued'>): EventOf<'SigningCertificateIssued'> => ({
    type: 'SigningCertificateIssued',
    data: { account: d.account, region: d.region, profileArn: d.profileArn, certificate: d.certificate },
  }),
} as const;

/** Schema version of each managed-signing event type (bump with an upcaster, see ../upcasters.ts). */
export const SIGNING_EVENT_VERSIONS: { [K in keyof SigningEventMap]: number } = {
  ImageSigningStarted: 1,
  ImageSigned: 1,
  ImageSigningFailed: 1,
  SigningCertificateIssued: 1,
};
