// A signed push end to end: skopeo pushes an image, managed signing signs it, and the
// signature is a Notary Project referrer that skopeo pulls like any artifact and that
// verifies with the published certificate (node's crypto); a tampered manifest does not.
import { CreateRepositoryCommand, ListImageReferrersCommand, PutSigningConfigurationCommand } from '@aws-sdk/client-ecr';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startEcr } from '../ecr/ecr-fixture.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { makeImageLayout } from '../support/clients/oci-layout.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { NOTARY, PROFILE, pemCertificates, signingSettled, verifyNotarySignature } from './signing-support.ts';
import { adminRequest } from '../support/admin.ts';

const test = testRequiring(['skopeo']);
const creds = { username: 'AWS', password: 'dev-token' };

test('skopeo push -> Notary Project signature referrer that verifies with the published certificate; tampering is caught', async (t) => {
  await using f = await startEcr({ auth: 'any' });
  await using skopeo = await createSkopeo();
  const dir = await makeTempDir('signed');
  t.teardown(() => removeDir(dir));
  await f.ecr.send(
    new PutSigningConfigurationCommand({
      signingConfiguration: {
        rules: [{ signingProfileArn: PROFILE, repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD_MATCH' }] }],
      },
    }),
  );
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  const host = f.emu.registryHost;
  const image = await makeImageLayout(path.join(dir, 'in'), { tag: 'v1', layers: 2 });
  await skopeo.copy(`oci:${image.dir}:v1`, `docker://${host}/team/app:v1`, { destCreds: creds });
  const digest = image.manifest.digest;

  t.deepEqual(
    (await signingSettled(f.ecr, 'team/app', digest)).map((s) => [s.signingProfileArn, s.status]),
    [[PROFILE, 'COMPLETE']],
  );

  // The signature is a referrer on both faces.
  const listed = await f.ecr.send(new ListImageReferrersCommand({ repositoryName: 'team/app', subjectId: { imageDigest: digest } }));
  t.is(listed.referrers?.length, 1);
  const sig = listed.referrers![0]!;
  t.is(sig.artifactType, NOTARY);
  t.is(sig.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  const auth = { authorization: `Basic ${Buffer.from('AWS:x').toString('base64')}` };
  const index = (await (await fetch(`${f.emu.endpoint}/v2/team/app/referrers/${digest}`, { headers: auth })).json()) as {
    manifests: { digest: string; artifactType: string; annotations?: Record<string, string> }[];
  };
  t.deepEqual(
    index.manifests.map((m) => [m.digest, m.artifactType]),
    [[sig.digest, NOTARY]],
  );

  // The published certificate: the one the signature names by thumbprint.
  const pem = await (await adminRequest(f.emu.endpoint, 'GET', '/signing/certificates?format=pem')).text();
  const [cert] = pemCertificates(pem);
  t.truthy(cert);
  const thumb = createHash('sha256').update(cert!).digest('hex');
  t.deepEqual(JSON.parse(index.manifests[0]!.annotations?.['io.cncf.notary.x509chain.thumbprint#S256'] ?? '[]'), [thumb]);
  const listing = (await (await adminRequest(f.emu.endpoint, 'GET', '/signing/certificates')).json()) as {
    certificates: { signingProfileArn: string; current: boolean; sha256: string }[];
  };
  t.deepEqual(
    listing.certificates.map((c) => [c.signingProfileArn, c.current, c.sha256]),
    [[PROFILE, true, thumb]],
  );

  // skopeo pulls the signature like any artifact.
  const sigRef = `docker://${host}/team/app@${sig.digest}`;
  const sigManifestBytes = await skopeo.inspectRaw(sigRef, { creds });
  const sigManifest = JSON.parse(sigManifestBytes.toString('utf8')) as {
    artifactType: string;
    subject: { digest: string };
    layers: { mediaType: string; digest: string }[];
  };
  t.is(sigManifest.artifactType, NOTARY);
  t.is(sigManifest.subject.digest, digest);
  t.is(sigManifest.layers[0]!.mediaType, 'application/jose+json');
  const out = path.join(dir, 'sig');
  await skopeo.copy(sigRef, `oci:${out}:sig`, { srcCreds: creds });
  const envelopeDigest = sigManifest.layers[0]!.digest;
  const envelope = await readFile(path.join(out, 'blobs', 'sha256', envelopeDigest.slice('sha256:'.length)));
  t.is(`sha256:${createHash('sha256').update(envelope).digest('hex')}`, envelopeDigest);

  // It verifies over the image's manifest as the registry serves it...
  const served = await skopeo.inspectRaw(`docker://${host}/team/app:v1`, { creds });
  t.deepEqual(served, image.manifestBytes);
  const verdict = verifyNotarySignature(envelope, served, pem);
  t.true(verdict.ok, JSON.stringify(verdict));

  // ...and not over a tampered manifest, a tampered envelope, or with another trust store.
  const tampered = Buffer.from(served.toString('utf8').replace('"schemaVersion":2', '"schemaVersion": 2'));
  t.deepEqual(verifyNotarySignature(envelope, tampered, pem), { ok: false, reason: 'the signed artifact is not this manifest' });
  const env = JSON.parse(envelope.toString('utf8')) as { payload: string };
  const forged = JSON.stringify({
    ...env,
    payload: Buffer.from(
      JSON.stringify({
        targetArtifact: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${createHash('sha256').update(tampered).digest('hex')}`,
          size: tampered.length,
        },
      }),
    ).toString('base64url'),
  });
  t.deepEqual(verifyNotarySignature(Buffer.from(forged), tampered, pem), { ok: false, reason: 'signature does not verify' });
  t.deepEqual(verifyNotarySignature(envelope, served, ''), { ok: false, reason: 'the signing certificate is not trusted' });
});
