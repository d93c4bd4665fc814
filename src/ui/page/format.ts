/** Small formatting helpers shared by the panels. */
export const shortDigest = (d: string): string => (d.startsWith('sha256:') ? d.slice(7, 19) : d.slice(0, 19));

export const bytes = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KiB`
      : n < 1024 ** 3
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${(n / 1024 ** 3).toFixed(2)} GiB`;

export const time = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export const mediaTypeShort = (mt: string): string =>
  mt
    .replace('application/vnd.oci.image.', 'oci ')
    .replace('application/vnd.docker.distribution.', 'docker ')
    .replace(/\.v\d\+json$/, '')
    .replace(/\+json$/, '');
