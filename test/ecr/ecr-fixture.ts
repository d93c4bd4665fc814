/** Shared set-up of the ECR tests: an emulator on port 0 and a real ECRClient pointed at it. */
import { createHash } from 'node:crypto';
import { ECRClient } from '@aws-sdk/client-ecr';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator.ts';

export interface EcrFixture extends AsyncDisposable {
  emu: Emulator;
  ecr: ECRClient;
  /** A client signing with other credentials (e.g. a 12-digit access key naming another account). */
  client(accessKeyId: string, region?: string): ECRClient;
}

export async function startEcr(options: EmulatorOptions = {}): Promise<EcrFixture> {
  const emu = await startEmulator({ port: 0, fsync: 'never', logger: false, ...options });
  const client = (accessKeyId: string, region = 'us-east-1') =>
    new ECRClient({
      endpoint: emu.endpoint,
      region,
      credentials: { accessKeyId, secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  const ecr = client('test');
  return {
    emu,
    ecr,
    client,
    async [Symbol.asyncDispose]() {
      ecr.destroy();
      await emu.stop();
    },
  };
}

/** The journal's last sequence number, as GET /_rewind/health reports it (what "changes nothing" is checked against). */
export async function journaledSeq(endpoint: string): Promise<number> {
  const res = await fetch(`${endpoint}/_rewind/health`);
  return ((await res.json()) as { journal: { lastSeq: number } }).journal.lastSeq;
}

export const sha256 = (bytes: Uint8Array | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Layer {
  bytes: Buffer;
  digest: string;
}

export const layer = (text: string): Layer => {
  const bytes = Buffer.from(text);
  return { bytes, digest: sha256(bytes) };
};

/** Uploads a blob through InitiateLayerUpload / UploadLayerPart / CompleteLayerUpload. */
export async function uploadLayer(ecr: ECRClient, repositoryName: string, blob: Layer): Promise<void> {
  const { InitiateLayerUploadCommand, UploadLayerPartCommand, CompleteLayerUploadCommand } = await import('@aws-sdk/client-ecr');
  const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  await ecr.send(
    new UploadLayerPartCommand({
      repositoryName,
      uploadId,
      partFirstByte: 0,
      partLastByte: blob.bytes.length - 1,
      layerPartBlob: blob.bytes,
    }),
  );
  await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [blob.digest] }));
}

/** An OCI image manifest over a config and layers (their sizes and digests). */
export function imageManifest(config: Layer, layers: Layer[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.bytes.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.bytes.length })),
    ...extra,
  });
}

/** Creates `repositoryName`, uploads a config and one layer, and returns a manifest over them (not yet put). */
export async function prepareImage(
  ecr: ECRClient,
  repositoryName: string,
  seed: string,
): Promise<{ manifest: string; digest: string; config: Layer; layer: Layer }> {
  const config = layer(`{"architecture":"amd64","os":"linux","seed":"${seed}"}`);
  const l = layer(`layer bytes of ${seed}`);
  await uploadLayer(ecr, repositoryName, config);
  await uploadLayer(ecr, repositoryName, l);
  const manifest = imageManifest(config, [l]);
  return { manifest, digest: sha256(manifest), config, layer: l };
}
