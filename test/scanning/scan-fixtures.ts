/**
 * Layer and image fixtures for the scanning tests: tars built with tar-stream,
 * package databases with known package versions, and advisories about them.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import type { ECRClient } from '@aws-sdk/client-ecr';
import { uploadLayer, type Layer } from '../ecr/ecr-fixture.ts';

export interface TarItem {
  path: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

/** A tar of the items, in order (fixed times and owners). */
export async function tarOf(items: TarItem[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const item of items) {
    const type = item.type ?? 'file';
    const header = {
      name: item.path,
      type,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
      mode: type === 'directory' ? 0o755 : 0o644,
      ...(item.linkname ? { linkname: item.linkname } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      pack.entry(header, type === 'file' ? (item.content ?? '') : '', cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const gzip = (b: Buffer): Buffer => gzipSync(b, { level: 6 });

export const DEBIAN_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
export const ALPINE_OS_RELEASE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n';

export function dpkgStanza(name: string, version: string, extra: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    Package: name,
    Status: 'install ok installed',
    Priority: 'optional',
    Architecture: 'amd64',
    Version: version,
    ...extra,
  };
  return `${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\nDescription: the ${name} package\n second line of the description\n .\n third\n`;
}

/** A dpkg status file: openssl 3.0.11 (source of libssl3), zlib, bash, and a removed package. */
export const DPKG_STATUS = [
  dpkgStanza('bash', '5.2.15-2+b2'),
  dpkgStanza('libssl3', '3.0.11-1~deb12u2', { Source: 'openssl' }),
  dpkgStanza('openssl', '3.0.11-1~deb12u2'),
  dpkgStanza('zlib1g', '1:1.2.13.dfsg-1', { Source: 'zlib (1:1.2.13.dfsg-1)' }),
  dpkgStanza('removed-pkg', '1.0-1', { Status: 'deinstall ok config-files' }),
].join('\n');

export function apkStanza(name: string, version: string, origin = name): string {
  return `C:Q1abcdefghijklmnopqrstuvwxyz=\nP:${name}\nV:${version}\nA:x86_64\nS:1000\nI:2000\nT:the ${name} package\nU:https://example.org\nL:MIT\no:${origin}\nm:Someone <someone@example.org>\nt:1700000000\nc:0123456789abcdef\nF:usr/lib\nR:lib${name}.so\n`;
}

/** An apk database: busybox, musl, libcrypto3 (origin openssl). */
export const APK_INSTALLED = [
  apkStanza('busybox', '1.36.1-r15'),
  apkStanza('musl', '1.2.4_git20230717-r4'),
  apkStanza('libcrypto3', '3.1.4-r5', 'openssl'),
].join('\n');

/** Advisories about those packages; the comment says whether each should match. */
export const ADVISORIES = [
  // Debian image
  {
    id: 'CVE-2024-0001',
    package: 'openssl',
    ecosystem: 'debian:12',
    fixed: '3.0.13-1~deb12u1',
    cvss: { score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
    description: 'openssl overflow',
    uri: 'https://security-tracker.debian.org/tracker/CVE-2024-0001',
  }, // libssl3 + openssl
  { id: 'CVE-2023-0002', package: 'openssl', ecosystem: 'debian', fixed: '3.0.9-1', severity: 'HIGH' }, // fixed before 3.0.11: no
  { id: 'CVE-2024-0003', package: 'zlib', ecosystem: 'debian', affected: '>= 1:1.2.0, < 1:1.3', severity: 'MEDIUM' }, // zlib1g
  { id: 'CVE-2024-0004', package: 'bash', ecosystem: 'ubuntu', severity: 'LOW' }, // other distribution: no
  { id: 'CVE-2024-0005', package: 'removed-pkg', ecosystem: 'debian', severity: 'HIGH' }, // not installed: no
  // Alpine image
  { id: 'CVE-2024-1001', package: 'openssl', ecosystem: 'alpine:3.19', fixed: '3.1.4-r6', severity: 'HIGH' }, // libcrypto3
  { id: 'CVE-2024-1002', package: 'busybox', ecosystem: 'alpine', fixed: '1.36.1-r7', severity: 'CRITICAL' }, // fixed before r15: no
  { id: 'CVE-2024-1003', package: 'musl', ecosystem: 'alpine', affected: '< 1.2.4_git20230717-r5', cvss: 5.5 }, // musl, MEDIUM from the score
];

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export const blob = (bytes: Buffer): Layer => ({ bytes, digest: sha256(bytes) });

/** An image config blob for `architecture`. */
export const configOf = (architecture = 'amd64'): Layer =>
  blob(Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));

/** Uploads the config and layers, returns the image manifest over them. */
export async function uploadImage(
  ecr: ECRClient,
  repositoryName: string,
  layers: Layer[],
  config: Layer = configOf(),
  layerMediaType = 'application/vnd.oci.image.layer.v1.tar+gzip',
): Promise<string> {
  for (const b of [config, ...layers])
    await uploadLayer(ecr, repositoryName, b).catch((err: Error) => {
      if (err.name !== 'LayerAlreadyExistsException') throw err;
    });
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.bytes.length },
    layers: layers.map((l) => ({ mediaType: layerMediaType, digest: l.digest, size: l.bytes.length })),
  });
}
