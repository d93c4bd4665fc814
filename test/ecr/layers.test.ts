/** InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload, BatchCheckLayerAvailability, GetDownloadUrlForLayer. */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  UploadLayerPartCommand,
  type InvalidLayerPartException,
} from '@aws-sdk/client-ecr';
import { layer, sha256, startEcr, uploadLayer } from './ecr-fixture.ts';
import { sameBytes } from '../support/bytes.ts';

const MiB = 1024 * 1024;

test('a layer uploaded in parts of 5 MiB and a short last part completes under its digest', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'big' }));
  const bytes = randomBytes(11 * MiB + 123);
  const { uploadId, partSize } = await f.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'big' }));
  t.regex(uploadId ?? '', /^[0-9a-f-]{36}$/);
  t.true((partSize ?? 0) >= 5 * MiB);
  const cuts = [0, 5 * MiB, 10 * MiB, bytes.length];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const part = await f.ecr.send(
      new UploadLayerPartCommand({
        repositoryName: 'big',
        uploadId,
        partFirstByte: cuts[i],
        partLastByte: cuts[i + 1]! - 1,
        layerPartBlob: bytes.subarray(cuts[i], cuts[i + 1]),
      }),
    );
    t.is(part.lastByteReceived, cuts[i + 1]! - 1);
  }
  const done = await f.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'big', uploadId, layerDigests: [sha256(bytes)] }));
  t.like(done, { registryId: '000000000000', repositoryName: 'big', uploadId, layerDigest: sha256(bytes) });
  const check = await f.ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'big', layerDigests: [sha256(bytes)] }));
  t.deepEqual(check.layers, [{ layerDigest: sha256(bytes), layerAvailability: 'AVAILABLE', layerSize: bytes.length }]);
});

test('UploadLayerPart errors: InvalidLayerPart (gap, length) with lastValidByteReceived, UploadNotFound; a small part is taken', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'parts' }));
  const { uploadId } = await f.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'parts' }));
  const small = Buffer.from('0123456789');
  await f.ecr.send(
    new UploadLayerPartCommand({ repositoryName: 'parts', uploadId, partFirstByte: 0, partLastByte: 9, layerPartBlob: small }),
  );
  const gap = await t.throwsAsync<InvalidLayerPartException>(
    f.ecr.send(
      new UploadLayerPartCommand({ repositoryName: 'parts', uploadId, partFirstByte: 20, partLastByte: 29, layerPartBlob: small }),
    ),
  );
  t.is(gap?.name, 'InvalidLayerPartException');
  t.is(gap?.lastValidByteReceived, 9);
  t.is(gap?.uploadId, uploadId);
  const length = await t.throwsAsync<InvalidLayerPartException>(
    f.ecr.send(
      new UploadLayerPartCommand({ repositoryName: 'parts', uploadId, partFirstByte: 10, partLastByte: 99, layerPartBlob: small }),
    ),
  );
  t.is(length?.name, 'InvalidLayerPartException');
  const unknown = await t.throwsAsync(
    f.ecr.send(
      new UploadLayerPartCommand({
        repositoryName: 'parts',
        uploadId: '00000000-0000-4000-8000-000000000000',
        partFirstByte: 0,
        partLastByte: 9,
        layerPartBlob: small,
      }),
    ),
  );
  t.is(unknown?.name, 'UploadNotFoundException');
  // The refused parts left the upload as it was: it still completes with its 10 bytes.
  await f.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'parts', uploadId, layerDigests: [sha256(small)] }));
  t.pass();
});

test('CompleteLayerUpload errors: InvalidLayer, EmptyUpload, LayerAlreadyExists, UploadNotFound', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'done' }));
  const blob = layer('some layer');
  await uploadLayer(f.ecr, 'done', blob);

  const { uploadId: empty } = await f.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'done' }));
  const e1 = await t.throwsAsync(
    f.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'done', uploadId: empty, layerDigests: [blob.digest] })),
  );
  t.is(e1?.name, 'EmptyUploadException');

  const { uploadId } = await f.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'done' }));
  await f.ecr.send(
    new UploadLayerPartCommand({
      repositoryName: 'done',
      uploadId,
      partFirstByte: 0,
      partLastByte: 9,
      layerPartBlob: blob.bytes.subarray(0, 10),
    }),
  );
  const wrong = await t.throwsAsync(
    f.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'done', uploadId, layerDigests: [sha256('else')] })),
  );
  t.is(wrong?.name, 'InvalidLayerException');
  const notSha = await t.throwsAsync(
    f.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'done', uploadId, layerDigests: ['md5:abc'] })),
  );
  t.is(notSha?.name, 'InvalidLayerException');

  const { uploadId: again } = await f.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'done' }));
  await f.ecr.send(
    new UploadLayerPartCommand({
      repositoryName: 'done',
      uploadId: again,
      partFirstByte: 0,
      partLastByte: blob.bytes.length - 1,
      layerPartBlob: blob.bytes,
    }),
  );
  const exists = await t.throwsAsync(
    f.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'done', uploadId: again, layerDigests: [blob.digest] })),
  );
  t.is(exists?.name, 'LayerAlreadyExistsException');
  const unknown = await t.throwsAsync(
    f.ecr.send(
      new CompleteLayerUploadCommand({
        repositoryName: 'done',
        uploadId: '00000000-0000-4000-8000-000000000000',
        layerDigests: [blob.digest],
      }),
    ),
  );
  t.is(unknown?.name, 'UploadNotFoundException');
  const noRepo = await t.throwsAsync(f.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'nope' })));
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test('BatchCheckLayerAvailability reports available layers and failures for missing or invalid digests', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'chk' }));
  const blob = layer('present');
  await uploadLayer(f.ecr, 'chk', blob);
  const r = await f.ecr.send(
    new BatchCheckLayerAvailabilityCommand({ repositoryName: 'chk', layerDigests: [blob.digest, sha256('absent'), 'garbage'] }),
  );
  t.deepEqual(r.layers, [{ layerDigest: blob.digest, layerAvailability: 'AVAILABLE', layerSize: blob.bytes.length }]);
  t.deepEqual(
    r.failures?.map((x) => [x.layerDigest, x.failureCode]),
    [
      [sha256('absent'), 'MissingLayerDigest'],
      ['garbage', 'InvalidLayerDigest'],
    ],
  );
  const noRepo = await t.throwsAsync(
    f.ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'nope', layerDigests: [blob.digest] })),
  );
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test('GetDownloadUrlForLayer gives a URL on the emulator that serves the bytes, for an hour', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dl' }));
  const blob = layer('downloadable bytes');
  await uploadLayer(f.ecr, 'dl', blob);
  const { downloadUrl, layerDigest } = await f.ecr.send(
    new GetDownloadUrlForLayerCommand({ repositoryName: 'dl', layerDigest: blob.digest }),
  );
  t.is(layerDigest, blob.digest);
  t.true(downloadUrl?.startsWith(`http://${f.emu.registryHost}/_ecr/layers/`));
  const local = downloadUrl!;
  const res = await fetch(local);
  t.is(res.status, 200);
  sameBytes(t, Buffer.from(await res.arrayBuffer()), blob.bytes);
  const forged = await fetch(local.slice(0, -3) + 'AAA');
  t.is(forged.status, 403);
  f.emu.clock.advance(61 * 60 * 1000);
  t.is((await fetch(local)).status, 403, 'expired');
  const missing = await t.throwsAsync(
    f.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'dl', layerDigest: sha256('nothing') })),
  );
  t.is(missing?.name, 'LayersNotFoundException');
  const noRepo = await t.throwsAsync(f.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'nope', layerDigest: blob.digest })));
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test("LayerPartTooSmallException is raised by CompleteLayerUpload (the only operation AWS's model lists it for), not by the next UploadLayerPart", async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'small' }));
  const { uploadId } = await f.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'small' }));
  const part = Buffer.from('0123456789');
  await f.ecr.send(
    new UploadLayerPartCommand({ repositoryName: 'small', uploadId, partFirstByte: 0, partLastByte: 9, layerPartBlob: part }),
  );
  const second = await f.ecr.send(
    new UploadLayerPartCommand({ repositoryName: 'small', uploadId, partFirstByte: 10, partLastByte: 19, layerPartBlob: part }),
  );
  t.is(second.lastByteReceived, 19, 'the part after a 10-byte part is taken');
  const done = await t.throwsAsync(
    f.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'small', uploadId, layerDigests: [sha256(Buffer.concat([part, part]))] })),
  );
  t.is(done?.name, 'LayerPartTooSmallException', 'the 10-byte first part was not the last');
  // a single small part is the last part: it completes
  const { uploadId: one } = await f.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'small' }));
  await f.ecr.send(
    new UploadLayerPartCommand({ repositoryName: 'small', uploadId: one, partFirstByte: 0, partLastByte: 9, layerPartBlob: part }),
  );
  await t.notThrowsAsync(
    f.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'small', uploadId: one, layerDigests: [sha256(part)] })),
  );
});
