// A 1 GiB layer is pushed (one streamed PATCH) and pulled back through the emulator, which
// runs in a child process: its RSS must grow by less than 100 MiB, i.e. bytes are streamed,
// never held. The bytes are generated while sent and hashed while received.

import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

function generated(total: number): { stream: ReadableStream<Uint8Array>; digest: Promise<string> } {
  const block = Buffer.alloc(MiB);
  const hash = createHash('sha256');
  let sent = 0;
  let done!: (d: string) => void;
  const digest = new Promise<string>((resolve) => (done = resolve));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) {
        done(`sha256:${hash.digest('hex')}`);
        controller.close();
        return;
      }
      block.writeUInt32BE(sent / MiB, 0); // every MiB differs
      const chunk = Buffer.from(block);
      hash.update(chunk);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, digest };
}

test('a 1 GiB layer pushes and pulls with the server RSS growing by less than 100 MiB', async (t) => {
  t.timeout(120_000);
  const child = fork(fileURLToPath(new URL('./memory-server.ts', import.meta.url)), [], {
    execArgv: ['--import=tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const next = <T>(): Promise<T> => new Promise((resolve) => child.once('message', (m) => resolve(m as T)));
  const { port } = await next<{ port: number }>();
  const base = `http://127.0.0.1:${port}/v2/mem/big`;

  const post = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
  const location = `http://127.0.0.1:${port}${post.headers.get('location')}`;
  const body = generated(GiB);
  const patch = await fetch(location, { method: 'PATCH', body: body.stream, duplex: 'half' } as RequestInit);
  t.is(patch.status, 202);
  const digest = await body.digest;
  const put = await fetch(`${location}?digest=${digest}`, { method: 'PUT' });
  t.is(put.status, 201);

  const get = await fetch(`${base}/blobs/${digest}`);
  t.is(get.headers.get('content-length'), String(GiB));
  const hash = createHash('sha256');
  let received = 0;
  for await (const chunk of get.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    received += chunk.byteLength;
  }
  t.is(received, GiB);
  t.is(`sha256:${hash.digest('hex')}`, digest, 'the pulled bytes are the pushed bytes');

  child.send('peak');
  const { baseline, peak } = await next<{ baseline: number; peak: number }>();
  const growth = peak - baseline;
  t.log(
    `server RSS: baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB, growth ${(growth / MiB).toFixed(1)} MiB`,
  );
  t.true(growth < 100 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
});
