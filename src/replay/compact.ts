/**
 * `ecr-rewind compact JOURNAL NEW`: a new journal with the same final state and
 * the shortest history, holding only the blobs that state references.
 *
 * The history is written from the final state: per repository its creation
 * (with its final settings), one upload per distinct blob and mounts for the
 * repositories that share it, its manifests (at their push times), pulls and
 * tags; then the open uploads. ECR settings events of the effective history
 * (effective-history.ts) that still apply are replayed after it. The result is
 * replayed and compared with the final state; if they differ (an event type this
 * file cannot rebuild), the effective history itself is written instead.
 * Blobs no repository links are dropped from the state and the store; bookmarks
 * are dropped (their sequence numbers mean nothing in the new history).
 */
import type { DomainEvent, RecordedEvent, RepoRef } from '../domain/events.ts';
import { coreEvents as ev, repositoryCreated } from '../domain/events.ts';
import { evolve } from '../domain/evolve.ts';
import { repoKey } from '../domain/scope.ts';
import { cloneState, emptyState, type RegistryState } from '../domain/state.ts';
import { EVENT_VERSIONS } from '../domain/versions.ts';
import { HISTORY_FRAMES, Journal } from '../journal/index.ts';
import { BlobStore } from '../blobs/blob-store.ts';
import { settlePacks } from '../snapshot-file/settle.ts';
import { copyPrefix, shareBlobs } from './blob-links.ts';
import { stateHash } from '../projections/canonical-state.ts';
import { effectiveHistory } from './effective-history.ts';
import { assertNewFolder } from './new-folder.ts';
import type { JournalHistory } from './journal-history.ts';
import { startJournalAt } from '../projections/checkpoint.ts';
import { replayTo } from './time-travel.ts';

const CORE_TYPES = new Set<string>(Object.keys(ev));

interface Timed {
  event: DomainEvent;
  time: number;
}

export interface CompactReport {
  method: 'rebuilt' | 'effective-history';
  eventsBefore: number;
  eventsAfter: number;
  blobsBefore: number;
  blobsAfter: number;
  stateHash: string;
}

/** The final state with the blobs no repository links left out: what compaction keeps. */
export function referencedOnly(state: RegistryState): RegistryState {
  const out = cloneState(state);
  const linked = new Set<string>();
  for (const r of out.repos.values()) for (const d of r.blobs.keys()) linked.add(d);
  for (const d of [...out.blobs.keys()]) if (!linked.has(d)) out.blobs.delete(d);
  return out;
}

function rebuild(final: RegistryState, effective: readonly RecordedEvent[]): Timed[] {
  const out: Timed[] = [];
  const seen = new Set<string>();
  let n = 0;
  for (const r of final.repos.values()) {
    const ref = { account: r.account, region: r.region, repository: r.name };
    out.push({
      time: r.createdAt,
      event: repositoryCreated(ref, r.settings, 'api'),
    });
    for (const [digest, size] of r.blobs) {
      if (seen.has(digest)) out.push({ time: r.createdAt, event: ev.BlobMounted({ ...ref, digest, size, from: null }) });
      else {
        seen.add(digest);
        const uploadId = `compacted-${String(++n).padStart(8, '0')}`;
        out.push({ time: r.createdAt, event: ev.UploadStarted({ ...ref, uploadId, via: 'oci' }) });
        out.push({ time: r.createdAt, event: ev.UploadCompleted({ uploadId, digest, size }) });
      }
    }
    for (const i of r.images.values()) {
      out.push({
        time: i.pushedAt,
        event: ev.ManifestPut({
          ...ref,
          digest: i.digest,
          mediaType: i.mediaType,
          bytes: i.bytes,
          size: i.size,
          blobs: [...i.blobs],
          manifests: [...i.manifests],
          subject: i.subject ?? null,
          artifactType: i.artifactType ?? null,
          configMediaType: i.configMediaType ?? null,
        }),
      });
      if (i.lastPulledAt !== undefined) out.push({ time: i.lastPulledAt, event: ev.ImagePulled({ ...ref, digest: i.digest }) });
    }
    for (const [tag, digest] of r.tags)
      out.push({ time: r.images.get(digest)?.pushedAt ?? r.createdAt, event: ev.TagPut({ ...ref, tag, digest, previous: null }) });
  }
  for (const u of final.uploads.values()) {
    const repo = final.repos.get(u.repo);
    if (!repo) continue; // an upload outlives no repository (RepositoryDeleted closes them)
    const ref = { account: repo.account, region: repo.region, repository: repo.name };
    out.push({ time: u.startedAt, event: ev.UploadStarted({ ...ref, uploadId: u.id, via: u.via }) });
    if (u.offset > 0 || u.lastPart > 0)
      out.push({ time: u.startedAt, event: ev.ChunkAppended({ uploadId: u.id, offset: 0, length: u.offset, part: u.lastPart }) });
  }
  // ECR settings events that still apply: after the last creation of their repository.
  const lastCreated = new Map<string, number>();
  effective.forEach((e, i) => {
    if (e.type === 'RepositoryCreated') lastCreated.set(repoKey(e.data, e.data.repository), i);
  });
  effective.forEach((e, i) => {
    if (CORE_TYPES.has(e.type)) return;
    const d = e.data as Partial<RepoRef>;
    if (typeof d.repository === 'string' && (lastCreated.get(repoKey(d as RepoRef, d.repository)) ?? -1) > i) return;
    out.push({ time: e.time, event: { type: e.type, data: e.data } as DomainEvent });
  });
  return out;
}

function replayTimed(events: readonly Timed[], from: RegistryState = emptyState()): RegistryState {
  const state = cloneState(from);
  let seq = state.seq;
  for (const t of events) evolve(state, { ...t.event, seq: ++seq, v: EVENT_VERSIONS[t.event.type], time: t.time } as RecordedEvent);
  return state;
}

export async function compactJournal(history: JournalHistory, target: string): Promise<CompactReport> {
  await assertNewFolder(target);
  await settlePacks(history.dir); // blobs still in a snapshot pack: extracted first
  const final = replayTo(history, history.lastSeq).state;
  const effective = effectiveHistory(history);
  const wanted = referencedOnly(final);
  const wantedHash = stateHash(wanted);
  let events = rebuild(final, effective);
  let method: CompactReport['method'] = 'rebuilt';
  let base: RegistryState | undefined;
  if (stateHash(replayTimed(events)) !== wantedHash) {
    method = 'effective-history';
    base = history.origin?.state;
    events = effective.map((e) => ({ time: e.time, event: { type: e.type, data: e.data } as DomainEvent }));
  }
  const kept = method === 'rebuilt' ? wanted : final;

  if (base && history.origin) await startJournalAt(target, { state: history.origin.state, marks: new Map() });
  const journal = await Journal.open(target, { fsync: 'never' });
  try {
    const appended: Promise<unknown>[] = [];
    for (let i = 0; i < events.length; i += 1000)
      appended.push(
        journal.append(
          events.slice(i, i + 1000).map((t) => ({ type: t.event.type, v: EVENT_VERSIONS[t.event.type], time: t.time, data: t.event.data })),
          HISTORY_FRAMES,
        ),
      );
    await Promise.all(appended);
    await journal.flush();
  } finally {
    await journal.close();
  }
  const blobs = await shareBlobs(history.dir, target, kept.blobs.keys());
  if (blobs.missing.length > 0) throw new Error(`compact: blobs missing from ${history.dir}: ${blobs.missing.join(', ')}`);
  const from = new BlobStore(history.dir, { durable: false });
  const to = new BlobStore(target, { durable: false });
  for (const u of kept.uploads.values()) await copyPrefix(from.stagingPath(u.id), to.stagingPath(u.id), u.offset);
  return {
    method,
    eventsBefore: history.lastSeq - history.firstSeq + 1,
    eventsAfter: events.length,
    blobsBefore: final.blobs.size,
    blobsAfter: kept.blobs.size,
    stateHash: stateHash(kept),
  };
}
