// Child process of memory.test.ts: runs the emulator alone, so its RSS is the server's own.
// It sends { port } once listening, samples RSS every 20 ms, and answers 'peak' with
// { baseline, peak } (peak since the last 'reset') and 'stop' by stopping.

import { startEmulator } from '../../src/emulator.ts';

const emu = await startEmulator({ port: 0, fsync: 'never', auth: 'none', logger: false });
await emu.engine.execute({
  type: 'CreateRepository',
  scope: { account: emu.config.account, region: emu.config.region },
  repository: 'mem/big',
  settings: {},
});
global.gc?.();
let baseline = process.memoryUsage().rss;
let peak = baseline;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
process.on('message', async (msg) => {
  if (msg === 'peak') process.send?.({ baseline, peak: Math.max(peak, process.memoryUsage().rss) });
  if (msg === 'reset') {
    global.gc?.();
    baseline = process.memoryUsage().rss;
    peak = baseline;
    process.send?.({ baseline });
  }
  if (msg === 'stop') {
    clearInterval(timer);
    await emu.stop();
    process.exit(0);
  }
});
process.send?.({ port: emu.port });
