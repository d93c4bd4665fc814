// The import graph of the project and the rules it must follow (src/README.md says the same
// in prose). Imports are read from the source text: static `import`/`export ... from`, side-effect
// imports and dynamic `import('...')`, type-only imports included (a type is a dependency too).
import { dirname, join, normalize } from 'node:path';

/** The rooms of src/ and the rooms each may import besides itself. */
export const ROOM_RULES: Readonly<Record<string, readonly string[]>> = {
  'src/domain': [],
  'src/support': [],
  'src/config.ts': [],
  'src/journal': ['src/support'],
  'src/blobs': ['src/domain', 'src/support'],
  'src/projections': ['src/domain', 'src/journal', 'src/support'],
  'src/queries': ['src/domain', 'src/projections', 'src/support'],
  'src/snapshot-file': ['src/projections', 'src/blobs', 'src/journal', 'src/domain', 'src/support'],
  'src/replay': ['src/snapshot-file', 'src/projections', 'src/blobs', 'src/journal', 'src/domain', 'src/support'],
  'src/engine': ['src/replay', 'src/snapshot-file', 'src/projections', 'src/blobs', 'src/journal', 'src/domain', 'src/support'],
  'src/signing': ['src/engine', 'src/domain', 'src/support'],
  'src/eventbridge': ['src/engine', 'src/replay', 'src/domain', 'src/support'],
  'src/boot': ['src/engine', 'src/replay', 'src/snapshot-file', 'src/projections', 'src/blobs', 'src/journal', 'src/domain', 'src/support'],
  'src/lifecycle': ['src/engine', 'src/domain', 'src/support'],
  'src/replication': ['src/engine', 'src/domain', 'src/support'],
  'src/pull-through': ['src/engine', 'src/domain', 'src/support'],
  'src/manifest-conversion': ['src/domain', 'src/support'],
  'src/http': [
    'src/engine',
    'src/lifecycle',
    'src/pull-through',
    'src/queries',
    'src/manifest-conversion',
    'src/replay/index.ts',
    'src/ui',
    'src/domain',
    'src/support',
    'src/config.ts',
  ],
  'src/ui': ['src/queries', 'src/replay/index.ts', 'src/support'],
  'src/emulator.ts': [
    'src/boot',
    'src/engine',
    'src/signing',
    'src/eventbridge',
    'src/lifecycle',
    'src/scanning',
    'src/replication',
    'src/pull-through',
    'src/http',
    'src/blobs',
    'src/domain',
    'src/support',
    'src/config.ts',
  ],
  'src/scanning': ['src/engine', 'src/projections', 'src/blobs', 'src/domain', 'src/support'],
  'src/index.ts': ['src/emulator.ts', 'src/config.ts', 'src/domain'],
  'src/cli': [
    'src/emulator.ts',
    'src/config.ts',
    'src/replay',
    'src/snapshot-file',
    'src/projections',
    'src/journal',
    'src/domain',
    'src/support',
  ],
  'src/cli.ts': ['src/cli'],
  'src/testkit': ['src/support'],
};

/** Rooms whose files may not import any package or node: module (pure code). */
const PURE_ROOMS = new Set(['src/domain']);

const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The room a src/ file belongs to (the longest matching rule), or undefined. */
export function roomOf(file: string): string | undefined {
  let best: string | undefined;
  for (const room of Object.keys(ROOM_RULES))
    if ((file === room || file.startsWith(`${room}/`)) && (best === undefined || room.length > best.length)) best = room;
  return best;
}

const PACKAGE = (spec: string): string => `package:${spec}`;

/** The project files (and packages, as `package:<name>`) that `file` imports. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of withoutComments.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec === undefined) continue;
    if (spec.startsWith('.')) out.push(normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts'));
    else out.push(PACKAGE(spec));
  }
  return out;
}

const allowed = (from: string, to: string): boolean => {
  const room = roomOf(from);
  if (room === undefined) return true;
  if (to.startsWith('package:')) return !PURE_ROOMS.has(room);
  if (!to.startsWith('src/')) return false;
  if (roomOf(to) === room) return true;
  return ROOM_RULES[room]!.some((r) => to === r || to.startsWith(`${r}/`));
};

/** Every import that breaks a room rule, as `from -> to (room may not use other)`. */
export function violations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    if (!from.startsWith('src/')) continue;
    for (const to of targets)
      if (!allowed(from, to)) {
        const room = roomOf(from)!.replace(/^src\//, '');
        const other = to.startsWith('package:') ? to : (roomOf(to) ?? to).replace(/^src\//, '');
        out.push(`${from} -> ${to} (${room} may not use ${other})`);
      }
  }
  return out.sort();
}

/** Every import cycle between project files, each as a path that returns to its start. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
