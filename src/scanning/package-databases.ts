/**
 * Readers of the files that say what is installed in an image:
 *
 * - os-release(5): `KEY=value` lines, values optionally quoted ("..." or '...',
 *   with backslash escapes inside double quotes), `#` comments.
 * - dpkg's status file (dpkg(1), deb-control(5) syntax): stanzas separated by blank
 *   lines, `Field: value` with continuation lines starting with a space or tab. A
 *   package is installed when the third word of `Status` is `installed` (a
 *   `status.d/` file of a distroless image may have no Status: it lists an installed
 *   package). `Source: name (version)` names the source package.
 * - apk's installed database (apk-package(5)): stanzas separated by blank lines, one
 *   `X:value` line per field: `P` name, `V` version, `A` architecture, `o` origin
 *   (source package).
 */
import type { InstalledPackage, OsRelease } from '../domain/scanning/scanning-state.ts';

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1);
    out[key] = value;
  }
  return out;
}

export function osReleaseOf(text: string): OsRelease | null {
  const fields = parseOsRelease(text);
  const id = fields.ID?.toLowerCase();
  if (!id) return null;
  return { id, versionId: fields.VERSION_ID ?? null, prettyName: fields.PRETTY_NAME ?? null };
}

/** Splits a database into stanzas of field lines (continuations joined to their field). */
function stanzas(text: string, continues: (line: string) => boolean): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      if (current.length > 0) out.push(current);
      current = [];
    } else if (continues(line) && current.length > 0) current[current.length - 1] += `\n${line}`;
    else current.push(line);
  }
  if (current.length > 0) out.push(current);
  return out;
}

interface Origin {
  path: string;
  layer: string;
}

export function dpkgPackages(text: string, origin: Origin): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const stanza of stanzas(text, (l) => l.startsWith(' ') || l.startsWith('\t'))) {
    const fields = new Map<string, string>();
    for (const line of stanza) {
      const colon = line.indexOf(':');
      if (colon > 0) fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version) continue;
    const status = fields.get('status');
    if (status !== undefined && status.split(/\s+/)[2] !== 'installed') continue;
    const source = fields.get('source')?.split(/\s+/)[0];
    out.push({
      name,
      version,
      source: source && source !== name ? source : null,
      arch: fields.get('architecture') ?? null,
      manager: 'dpkg',
      path: origin.path,
      layer: origin.layer,
    });
  }
  return out;
}

export function apkPackages(text: string, origin: Origin): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const stanza of stanzas(text, () => false)) {
    const fields = new Map<string, string>();
    for (const line of stanza) if (line.length >= 2 && line[1] === ':' && !fields.has(line[0]!)) fields.set(line[0]!, line.slice(2));
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) continue;
    const origin_ = fields.get('o');
    out.push({
      name,
      version,
      source: origin_ && origin_ !== name ? origin_ : null,
      arch: fields.get('A') ?? null,
      manager: 'apk',
      path: origin.path,
      layer: origin.layer,
    });
  }
  return out;
}
