// The embedded capture mailbox (the development upstream): a mail is stored before its 250, and the
// gateway dropping its own upstream connection mid-DATA (a refused or held mail) is not an error
// worth an alert — it used to be logged as store.fail after every reject and quarantine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { startCapture } from '../../src/gateway/capture.ts';
import { FakeStore } from '../support/fake-store.ts';

async function dialogue(port: number, lines: string[]): Promise<{ socket: net.Socket; seen: () => string }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  await once(socket, 'connect');
  const waitFor = async (n: number) => {
    for (let i = 0; i < 200 && (text.match(/^\d{3} /gm) ?? []).length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await waitFor(1);
  for (const [i, l] of lines.entries()) {
    socket.write(`${l}\r\n`);
    await waitFor(i + 2);
  }
  return { socket, seen: () => text };
}

test('a connection reset mid-DATA stores nothing and reports no error; a whole mail is stored before its 250', async () => {
  const store = new FakeStore();
  const errors: unknown[] = [];
  const cap = await startCapture({ store, maxSize: 1 << 20, onError: (e) => errors.push(e) });
  try {
    const cut = await dialogue(cap.port, ['EHLO gw', 'MAIL FROM:<a@kommune.example>', 'RCPT TO:<b@example.org>', 'DATA']);
    assert.match(cut.seen(), /^354 /m);
    cut.socket.write('Subject: Sag XXXXXX-XXXX\r\n\r\npart of a body');
    await new Promise((r) => setTimeout(r, 50));
    cut.socket.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(errors, []);
    assert.equal(store.captured.length, 0);

    const whole = await dialogue(cap.port, ['EHLO gw', 'MAIL FROM:<a@kommune.example>', 'RCPT TO:<b@example.org>', 'DATA', 'Subject: demo\r\n\r\nhello\r\n.']);
    assert.match(whole.seen(), /^250 2\.0\.0 Ok: captured as /m);
    assert.equal(store.captured.length, 1);
    whole.socket.end('QUIT\r\n');
  } finally {
    await cap.close();
  }
});
