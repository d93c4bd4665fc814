/**
 * The server process of the scale benchmark: `node --expose-gc --import tsx scale-server.ts <journal>`.
 * It times its own start (startEmulator on the folder, its newest checkpoint then the tail, to
 * the first request answered), reports its memory after a full GC, and serves until SIGTERM.
 * Its one line on stdout: `READY <json>`.
 */
import { performance } from 'node:perf_hooks';

const dir = process.argv[2];
if (!dir) throw new Error('usage: scale-server.ts <journal folder>');
const t0 = performance.now();
const { startEmulator } = await import('../../../src/emulator.ts');
const loaded = performance.now();
const emu = await startEmulator({ journal: dir, port: 0, fsync: 'always', auth: 'none', logger: false });
const res = await fetch(`${emu.endpoint}/v2/_catalog?n=1`);
if (res.status !== 200) throw new Error(`first request: ${res.status}`);
await res.arrayBuffer();
const started = performance.now();
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
gc?.();
const mem = process.memoryUsage();
process.on('SIGTERM', () => {
  void emu.stop().then(() => process.exit(0));
});
process.stdout.write(
  `READY ${JSON.stringify({
    port: emu.port,
    loadMs: loaded - t0,
    startMs: started - loaded,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
    lastSeq: emu.engine.lastSeq,
  })}\n`,
);
