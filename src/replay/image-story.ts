/**
 * An image's story (GET /_rewind/image): every event that touched one manifest
 * of one repository (pushed, tagged, retagged away, untagged, pulled, deleted,
 * referred to by a referrer), with its manifest and config JSON. The manifest
 * comes from its last ManifestPut event, so a deleted image still shows it; the
 * config from the blob store when the blob is there.
 */
import type { RecordedEvent } from '../domain/events.ts';
import { parseManifest } from '../domain/manifest.ts';
import type { Timeline } from './timeline.ts';
import type { TimelineRow } from './timeline-index.ts';

/** A config blob larger than this is named, not shown. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface ImageStory {
  repository: string;
  digest: string;
  /** What each event did to this image, oldest first. */
  events: (TimelineRow & { role: string })[];
  mediaType: string | null;
  /** The manifest as pushed (parsed JSON), or null when no event holds it. */
  manifest: unknown;
  config: { digest: string; mediaType: string; size: number; json: unknown } | null;
  /** Why the config is not shown, when it is not. */
  configNote?: string;
}

/** Reads a blob of at most `max` bytes; undefined when the store has none. */
export type BlobReader = (digest: string, max: number) => Promise<Uint8Array | undefined>;

function roleOf(row: TimelineRow, digest: string): string {
  switch (row.type) {
    case 'ManifestPut':
      return row.digest === digest ? 'pushed' : `referrer ${row.digest} pushed`;
    case 'TagPut':
      if (row.digest === digest) return row.other ? `tag ${row.tag} moved here from ${row.other}` : `tagged ${row.tag}`;
      return `tag ${row.tag} moved away to ${row.digest}`;
    case 'TagDeleted':
      return `untagged ${row.tag}`;
    case 'ImageDeleted':
      return 'deleted';
    case 'ImagePulled':
      return 'pulled';
    default:
      return row.summary;
  }
}

const json = (bytes: Uint8Array): unknown => {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return null;
  }
};

/** Undefined when no event of the journal names this image in this repository. */
export async function imageStory(
  timeline: Timeline,
  read: (from: number, to: number) => Iterable<RecordedEvent>,
  readBlob: BlobReader,
  repository: string,
  digest: string,
): Promise<ImageStory | undefined> {
  await timeline.ready();
  const positions = timeline.index.imageEvents(repository, digest);
  if (positions.length === 0) return undefined;
  const events = positions.map((p) => {
    const row = timeline.index.row(p);
    return { ...row, role: roleOf(row, digest) };
  });
  const put = events.findLast((e) => e.type === 'ManifestPut' && e.digest === digest);
  let bytes: Uint8Array | undefined;
  let mediaType: string | null = null;
  if (put) {
    for (const e of read(put.seq, put.seq))
      if (e.type === 'ManifestPut') {
        bytes = e.data.bytes;
        mediaType = e.data.mediaType;
      }
  }
  const story: ImageStory = { repository, digest, events, mediaType, manifest: bytes ? json(bytes) : null, config: null };
  if (!bytes || !mediaType) return story;
  const parsed = parseManifest(bytes, mediaType);
  const config = parsed.ok ? parsed.manifest.config : undefined;
  if (!config) return story;
  if (config.size > MAX_CONFIG_BYTES) {
    story.configNote = `the config blob has ${config.size} bytes: not shown`;
    return story;
  }
  const blob = await readBlob(config.digest, MAX_CONFIG_BYTES);
  if (!blob) story.configNote = 'the config blob is not in the blob store';
  else story.config = { digest: config.digest, mediaType: config.mediaType, size: config.size, json: json(blob) };
  return story;
}
