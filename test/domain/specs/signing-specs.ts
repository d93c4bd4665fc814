/** What the signing worker records (src/domain/signing/signing-decide.ts). */
import type { signingDeciders } from '../../../src/domain/signing/signing-decide.ts';
import { signingEvents as ev } from '../../../src/domain/signing/signing-event-factories.ts';
import { given, then, when, type SpecsFor } from '../given-when-then.ts';
import { at, image, inRepo, layer, manifestPut, scope, withImage } from './decider-fixtures.ts';

const profile = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/release';
const reg = { account: scope.account, region: scope.region };
const signed = image();
/** A signature manifest of `signed` (its subject), pushed beside it. */
const signature = image([layer], {
  artifactType: 'application/vnd.cncf.notary.signature',
  subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: signed.digest, size: signed.bytes.byteLength },
});
const certificate = Uint8Array.from([0x30, 0x82, 0x01, 0x0a]);
/** team/app with `signed` (tag v1) waiting for its signature by `profile`, and the signature manifest pushed. */
const pending = [
  ...withImage(['v1']),
  ev.ImageSigningStarted({ ...at, digest: signed.digest, profiles: [profile] }),
  manifestPut(signature, 11),
];
const recordSignature = {
  type: 'RecordImageSignature',
  ...inRepo,
  digest: signed.digest,
  profileArn: profile,
  signature: signature.digest,
} as const;
const failure = {
  type: 'RecordImageSigningFailure',
  ...inRepo,
  digest: signed.digest,
  profileArn: profile,
  failureCode: 'SigningProfileNotFound',
  failureReason: 'the profile is in another region',
} as const;

export const signingSpecs: SpecsFor<typeof signingDeciders> = {
  RecordImageSignature: {
    'a signature of an image in progress is ImageSigned; a certificate new for the profile is SigningCertificateIssued first': (t) => {
      then(t, when(given(pending), { ...recordSignature, certificate: null }), [
        ev.ImageSigned({ ...at, digest: signed.digest, profileArn: profile, signature: signature.digest }),
      ]);
      then(t, when(given(pending), { ...recordSignature, certificate }), [
        ev.SigningCertificateIssued({ ...reg, profileArn: profile, certificate }),
        ev.ImageSigned({ ...at, digest: signed.digest, profileArn: profile, signature: signature.digest }),
      ]);
    },
    "the profile's current certificate is not issued again": (t) =>
      then(
        t,
        when(given([ev.SigningCertificateIssued({ ...reg, profileArn: profile, certificate }), ...pending]), {
          ...recordSignature,
          certificate,
        }),
        [ev.ImageSigned({ ...at, digest: signed.digest, profileArn: profile, signature: signature.digest })],
      ),
    'an outcome recorded already changes nothing (a worker resumed after a restart)': (t) => {
      const done = [...pending, ev.ImageSigned({ ...at, digest: signed.digest, profileArn: profile, signature: signature.digest })];
      then(t, when(given(done), { ...recordSignature, certificate: null }), []);
    },
    'an image gone, or a signature manifest that is not there or not of the image, is ImageNotFound': (t) => {
      then(t, when(given(withImage(['v1'])), { ...recordSignature, digest: layer, certificate: null }), 'ImageNotFound');
      const withoutSignature = pending.slice(0, -1);
      then(t, when(given(withoutSignature), { ...recordSignature, certificate: null }), 'ImageNotFound');
      then(t, when(given(pending), { ...recordSignature, signature: signed.digest, certificate: null }), 'ImageNotFound');
    },
  },

  RecordImageSigningFailure: {
    'a failure of an image in progress is ImageSigningFailed, with its code and reason': (t) =>
      then(t, when(given(pending), failure), [
        ev.ImageSigningFailed({
          ...at,
          digest: signed.digest,
          profileArn: profile,
          failureCode: 'SigningProfileNotFound',
          failureReason: 'the profile is in another region',
        }),
      ]),
    'an outcome recorded already changes nothing; an image gone is ImageNotFound': (t) => {
      const done = [...pending, ev.ImageSigned({ ...at, digest: signed.digest, profileArn: profile, signature: signature.digest })];
      then(t, when(given(done), failure), []);
      then(t, when(given(pending), { ...failure, digest: layer }), 'ImageNotFound');
    },
  },
};
