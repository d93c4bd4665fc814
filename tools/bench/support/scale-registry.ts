/**
 * The registries of the scale benchmark, written straight to a journal (no HTTP, no decide):
 * `images` images across 100 repositories, each image a config and 3 layers (every blob
 * distinct, so the blob tables grow with the registry) and 10 tags, plus an OCI index over
 * every 10 images of a repository (with a tag of its own). The events are the ones a /v2 push
 * records, built by the same factories: per blob UploadStarted, ChunkAppended, UploadCompleted;
 * per image ManifestPut and a TagPut per tag. A mark `built` ends the journal.
 *
 * Blob bytes are not written (only the journal matters to the figures measured; no blob is read).
 */
import { createHash } from 'node:crypto';
import { coreEvents as ev, type DomainEvent, type RepoRef, repositoryCreated } from '../../../src/domain/events.ts';
import { defaultRepoSettings } from '../../../src/domain/settings/settings-state.ts';
import { EVENT_VERSIONS } from '../../../src/domain/versions.ts';
import { Journal } from '../../../src/journal/index.ts';

export const SCALE_SCOPE = { account: '000000000000', region: 'us-east-1' };
export const SCALE_REPOS = 100;
export const TAGS_PER_IMAGE = 10;
export const LAYERS_PER_IMAGE = 3;
export const IMAGES_PER_INDEX = 10;
export const MARK = 'built';

const START = Date.parse('2026-01-01T00:00:00Z');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export const repoName = (r: number): string => `scale/repo-${String(r).padStart(3, '0')}`;
/** The k-th tag of image i (tags sort by image, then k). */
export const tagName = (i: number, k: number): string => `build-${String(i).padStart(7, '0')}-${k}`;

const sha = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
/** A digest that names no bytes (blobs are not written), distinct per (kind, i, k), as random-looking as real ones. */
const fakeDigest = (kind: number, i: number, k: number): string => sha(`${kind}/${i}/${k}`);

interface Pushed {
  digest: string;
  size: number;
  bytes: Buffer;
}

function imageManifest(i: number, config: string, layers: string[]): Pushed {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config, size: 1200 + (i % 300) },
      layers: layers.map((digest, k) => ({ mediaType: OCI_LAYER, digest, size: 1_000_000 * (k + 1) + i })),
      annotations: { 'org.opencontainers.image.created': new Date(START + i * 1000).toISOString() },
    }),
  );
  return { digest: sha(bytes), size: 1200 + (i % 300) + layers.reduce((s, _, k) => s + 1_000_000 * (k + 1) + i, 0), bytes };
}

function indexManifest(children: Pushed[]): Pushed {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((c, k) => ({
        mediaType: OCI_MANIFEST,
        digest: c.digest,
        size: c.bytes.length,
        platform: { architecture: k === 0 ? 'amd64' : `variant${k}`, os: 'linux' },
      })),
    }),
  );
  return { digest: sha(bytes), size: bytes.length, bytes };
}

function manifestPut(ref: RepoRef, m: Pushed, mediaType: string, blobs: string[], manifests: string[]): DomainEvent {
  return ev.ManifestPut({
    ...ref,
    digest: m.digest,
    mediaType,
    bytes: m.bytes,
    size: m.size,
    blobs,
    manifests,
    subject: null,
    artifactType: blobs.length > 0 ? OCI_CONFIG : null,
    configMediaType: blobs.length > 0 ? OCI_CONFIG : null,
  });
}

export interface BuiltRegistry {
  events: number;
  /** The seq of the event in the middle of the journal (for `state --at`). */
  middle: number;
  images: number;
  indexes: number;
}

/** Writes the journal of a registry of `images` images into the empty folder `dir`. */
export async function buildScaleRegistry(dir: string, images: number): Promise<BuiltRegistry> {
  const journal = await Journal.open(dir, { fsync: 'never' });
  let seq = 0;
  let batch: DomainEvent[] = [];
  const appended: Promise<unknown>[] = [];
  const flush = (): void => {
    if (batch.length === 0) return;
    const first = seq - batch.length;
    appended.push(
      journal.append(batch.map((e, k) => ({ type: e.type, v: EVENT_VERSIONS[e.type], time: START + (first + k) * 10, data: e.data }))),
    );
    batch = [];
  };
  const add = (e: DomainEvent): void => {
    batch.push(e);
    seq++;
    if (batch.length >= 2000) flush();
  };
  const refs = Array.from({ length: SCALE_REPOS }, (_, r): RepoRef => ({ ...SCALE_SCOPE, repository: repoName(r) }));
  for (const ref of refs) add(repositoryCreated(ref, defaultRepoSettings(), 'api'));
  const pending: Pushed[][] = refs.map(() => []);
  let uploads = 0;
  let indexes = 0;
  const pushBlob = (ref: RepoRef, digest: string, size: number): void => {
    const uploadId = `00000000-0000-4000-8000-${(uploads++).toString(16).padStart(12, '0')}`;
    add(ev.UploadStarted({ ...ref, uploadId, via: 'oci' }));
    add(ev.ChunkAppended({ uploadId, offset: 0, length: size, part: 0 }));
    add(ev.UploadCompleted({ uploadId, digest, size }));
  };
  for (let i = 0; i < images; i++) {
    const r = i % SCALE_REPOS;
    const ref = refs[r]!;
    const config = fakeDigest(1, i, 0);
    pushBlob(ref, config, 1200 + (i % 300));
    const layers = Array.from({ length: LAYERS_PER_IMAGE }, (_, k) => fakeDigest(2, i, k));
    for (const [k, d] of layers.entries()) pushBlob(ref, d, 1_000_000 * (k + 1) + i);
    const m = imageManifest(i, config, layers);
    add(manifestPut(ref, m, OCI_MANIFEST, [config, ...layers], []));
    for (let k = 0; k < TAGS_PER_IMAGE; k++) add(ev.TagPut({ ...ref, tag: tagName(i, k), digest: m.digest, previous: null }));
    const group = pending[r]!;
    group.push(m);
    if (group.length === IMAGES_PER_INDEX) {
      const index = indexManifest(group);
      add(
        manifestPut(
          ref,
          index,
          OCI_INDEX,
          [],
          group.map((c) => c.digest),
        ),
      );
      add(ev.TagPut({ ...ref, tag: `multi-${String(indexes).padStart(6, '0')}`, digest: index.digest, previous: null }));
      indexes++;
      group.length = 0;
    }
  }
  const middle = Math.ceil(seq / 2);
  add(ev.MarkSet({ name: MARK, at: seq }));
  flush();
  await Promise.all(appended);
  await journal.close();
  return { events: seq, middle, images, indexes };
}
