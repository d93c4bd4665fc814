// Signing keys: deterministic under --seed (a recording signs alike every run), kept in the
// journal folder, and carried by snapshot files so a restored registry signs with the same key.
import {
  CreateRepositoryCommand,
  GetAuthorizationTokenCommand,
  ListImageReferrersCommand,
  PutImageCommand,
  PutSigningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import test from 'ava';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../../src/projections/canonical-state.ts';
import { keyFileName } from '../../src/signing/signing-keys.ts';
import { prepareImage, startEcr, type EcrFixture } from '../ecr/ecr-fixture.ts';
import { PROFILE, signingSettled, verifyNotarySignature } from './signing-support.ts';
import { adminRequest } from '../support/admin.ts';

async function signedImage(f: EcrFixture, repositoryName: string, seed: string): Promise<string> {
  const img = await prepareImage(f.ecr, repositoryName, seed);
  await f.ecr.send(new PutImageCommand({ repositoryName, imageManifest: img.manifest, imageTag: seed }));
  const statuses = await signingSettled(f.ecr, repositoryName, img.digest);
  if (statuses[0]?.status !== 'COMPLETE') throw new Error(`not signed: ${JSON.stringify(statuses)}`);
  return img.digest;
}

async function recording(): Promise<{ events: string[]; pem: string }> {
  await using f = await startEcr({ seed: 7, clock: '2024-05-01T00:00:00Z,1' });
  await f.ecr.send(new PutSigningConfigurationCommand({ signingConfiguration: { rules: [{ signingProfileArn: PROFILE }] } }));
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  await signedImage(f, 'team/app', 'one');
  await signedImage(f, 'team/app', 'two');
  const pem = await (await adminRequest(f.emu.endpoint, 'GET', '/signing/certificates?format=pem')).text();
  return { events: [...f.emu.events()].map((e) => canonicalJson({ seq: e.seq, type: e.type, v: e.v, time: e.time, data: e.data })), pem };
}

test('under --seed and a recording clock, two runs record the same journal: same key, certificate and signatures', async (t) => {
  const a = await recording();
  const b = await recording();
  t.true(a.events.some((e) => e.includes('"SigningCertificateIssued"')));
  t.is(a.events.filter((e) => e.includes('"ImageSigned"')).length, 2);
  t.deepEqual(a.events, b.events);
  t.is(a.pem, b.pem);
});

test('a snapshot file carries the signing key: the restored registry signs with the same certificate', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-signing-snap-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'base.snapshot');
  let pem: string;
  {
    await using f = await startEcr(); // no seed: a random key, only in the journal folder
    await f.ecr.send(new PutSigningConfigurationCommand({ signingConfiguration: { rules: [{ signingProfileArn: PROFILE }] } }));
    await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
    await signedImage(f, 'team/app', 'before');
    pem = await (await adminRequest(f.emu.endpoint, 'GET', '/signing/certificates?format=pem')).text();
    await f.emu.snapshot(file);
  }
  const journal = join(dir, 'restored');
  await using g = await startEcr({ fromSnapshot: file, journal });
  t.deepEqual(await readdir(join(journal, 'signing', 'keys')), [keyFileName(PROFILE)]);
  const digest = await signedImage(g, 'team/app', 'after');
  t.is(await (await adminRequest(g.emu.endpoint, 'GET', '/signing/certificates?format=pem')).text(), pem, 'no new certificate');
  t.false([...g.emu.events()].some((e) => e.type === 'SigningCertificateIssued'));

  // The new signature verifies with the certificate published before the snapshot.
  const refs = await g.ecr.send(new ListImageReferrersCommand({ repositoryName: 'team/app', subjectId: { imageDigest: digest } }));
  const token = (await g.ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!;
  const headers = { authorization: `Basic ${token}` };
  const sig = (await (await fetch(`${g.emu.endpoint}/v2/team/app/manifests/${refs.referrers![0]!.digest}`, { headers })).json()) as {
    layers: { digest: string }[];
  };
  const envelope = Buffer.from(
    await (await fetch(`${g.emu.endpoint}/v2/team/app/blobs/${sig.layers[0]!.digest}`, { headers })).arrayBuffer(),
  );
  const image = Buffer.from(await (await fetch(`${g.emu.endpoint}/v2/team/app/manifests/${digest}`, { headers })).arrayBuffer());
  t.like(verifyNotarySignature(envelope, image, pem), { ok: true });
});
