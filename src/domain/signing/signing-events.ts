/** Managed signing facts. Part of the one closed union in ../events.ts. */
interface InRegistry {
  account: string;
  region: string;
}
interface InRepository extends InRegistry {
  repository: string;
}

export interface SigningEventMap {
  /** A pushed manifest matched signing rules: its status is IN_PROGRESS for each of `profiles`. */
  ImageSigningStarted: InRepository & { digest: string; profiles: string[] };
  /** The signature of `digest` made with `profileArn` is the referrer `signature` (COMPLETE). */
  ImageSigned: InRepository & { digest: string; profileArn: string; signature: string };
  ImageSigningFailed: InRepository & { digest: string; profileArn: string; failureCode: string; failureReason: string };
  /** The self-signed test certificate (DER) that signs for `profileArn` from now on. */
  SigningCertificateIssued: InRegistry & { profileArn: string; certificate: Uint8Array };
}
