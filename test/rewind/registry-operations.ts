// Random registry histories for the property tests (replay, compaction): operations on two
// repositories through the three faces (/v2 pushes, deletes and open uploads, ECR settings,
// admin marks and resets), the fast-check generator of them, and their application to a
// running emulator through a RegistryDriver.
import fc from 'fast-check';
import { MEDIA, type RegistryDriver, tinyLayer } from '../../src/testkit/registry-driver.ts';

/** The repositories the operations work on (both are created before the first operation). */
export const REPOSITORIES = ['alpha', 'beta'] as const;

const repo = fc.constantFrom(...REPOSITORIES);
const tag = fc.constantFrom('v1', 'v2', 'latest');
const markName = fc.constantFrom('m1', 'm2');
const content = fc.integer({ min: 0, max: 3 });

export type Op =
  | { op: 'create'; repo: string; immutable: boolean }
  | { op: 'push'; repo: string; tag: string; content: number }
  | { op: 'retag'; repo: string; from: string; to: string }
  | { op: 'delete'; repo: string; tag: string }
  | { op: 'untag'; repo: string; tag: string }
  | { op: 'mutability'; repo: string; immutable: boolean }
  | { op: 'deleteRepo'; repo: string }
  /** a blob no manifest references */
  | { op: 'blob'; repo: string; content: number }
  /** an upload started with one chunk and never finished */
  | { op: 'openUpload'; repo: string; content: number }
  | { op: 'policy'; repo: string; content: number }
  | { op: 'mark'; name: string }
  | { op: 'reset'; name: string };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), repo, immutable: fc.boolean() }),
  { arbitrary: fc.record({ op: fc.constant('push' as const), repo, tag, content }), weight: 3 },
  fc.record({ op: fc.constant('retag' as const), repo, from: tag, to: tag }),
  fc.record({ op: fc.constant('delete' as const), repo, tag }),
  fc.record({ op: fc.constant('untag' as const), repo, tag }),
  fc.record({ op: fc.constant('mutability' as const), repo, immutable: fc.boolean() }),
  fc.record({ op: fc.constant('deleteRepo' as const), repo }),
  fc.record({ op: fc.constant('blob' as const), repo, content }),
  fc.record({ op: fc.constant('openUpload' as const), repo, content }),
  fc.record({ op: fc.constant('policy' as const), repo, content }),
  fc.record({ op: fc.constant('mark' as const), name: markName }),
  fc.record({ op: fc.constant('reset' as const), name: markName }),
);

/** Starts a /v2 upload and sends one chunk, leaving it open. */
async function openUpload(r: RegistryDriver, repository: string, bytes: Uint8Array): Promise<void> {
  const started = await fetch(`${r.endpoint}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await started.arrayBuffer();
  const location = started.headers.get('location');
  if (started.status !== 202 || location === null) return;
  const url = location.startsWith('http') ? location : `${r.endpoint}${location}`;
  const res = await fetch(url, {
    method: 'PATCH',
    body: bytes,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${bytes.byteLength - 1}` },
  });
  await res.arrayBuffer();
}

/** Applies one operation; an operation the registry refuses throws (and changes nothing). */
export async function apply(r: RegistryDriver, o: Op): Promise<void> {
  switch (o.op) {
    case 'create':
      await r.createRepository(o.repo, o.immutable ? { imageTagMutability: 'IMMUTABLE' } : {});
      return;
    case 'push':
      await r.pushImage(o.repo, o.tag, `content ${o.content}\n`);
      return;
    case 'retag': {
      const m = await r.getManifest(o.repo, o.from);
      if (m) await r.putManifest(o.repo, o.to, m.bytes, MEDIA.ociManifest);
      return;
    }
    case 'delete': {
      const m = await r.getManifest(o.repo, o.tag);
      if (m) await r.deleteManifest(o.repo, m.digest);
      return;
    }
    case 'untag':
      await r.ecr('BatchDeleteImage', { repositoryName: o.repo, imageIds: [{ imageTag: o.tag }] });
      return;
    case 'mutability':
      await r.ecr('PutImageTagMutability', { repositoryName: o.repo, imageTagMutability: o.immutable ? 'IMMUTABLE' : 'MUTABLE' });
      return;
    case 'deleteRepo':
      await r.ecr('DeleteRepository', { repositoryName: o.repo, force: true });
      return;
    case 'blob':
      await r.pushBlob(o.repo, tinyLayer('lone.txt', `lone blob ${o.content}\n`));
      return;
    case 'openUpload':
      await openUpload(r, o.repo, Buffer.from(`never finished ${o.content}\n`));
      return;
    case 'policy':
      await r.ecr('SetRepositoryPolicy', {
        repositoryName: o.repo,
        policyText: JSON.stringify({ Version: '2012-10-17', Statement: [], Id: `p${o.content}` }),
      });
      return;
    case 'mark':
      await r.admin('POST', '/marks', { name: o.name });
      return;
    case 'reset':
      await r.admin('POST', '/reset', { to: o.name });
      return;
  }
}
