// kill -9 of the gateway in the middle of DATA: the client must see an error and nothing may have
// been acknowledged or delivered (invariant 1). I/O: a gateway child process, a recording upstream, a raw socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { recordingUpstream } from '../gateway/helpers.ts';

const CHILD = fileURLToPath(new URL('./fixtures/gateway-child.ts', import.meta.url));

test('kill -9 of the gateway mid-DATA: the client sees the connection drop, no 250, nothing delivered', async () => {
  const sink = await recordingUpstream(); // records only transactions completed with the final dot
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(sink.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const { port } = JSON.parse(line.toString()) as { port: number };
    const sock = net.connect({ host: '127.0.0.1', port });
    let heard = '';
    sock.on('data', (d: Buffer) => (heard += d.toString('latin1')));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(heard); i++) await new Promise((r) => setTimeout(r, 25));
      assert.match(heard, re);
    };
    await waitFor(/^220 /m);
    sock.write('EHLO client.test\r\nMAIL FROM:<a@kommune.example>\r\nRCPT TO:<b@example.org>\r\n');
    await waitFor(/^250 Accepted\r\n[\s\S]*^250 Accepted/m);
    sock.write('DATA\r\n');
    await waitFor(/^354 /m);
    sock.write('Subject: halfway\r\nFrom: a@kommune.example\r\n\r\n' + 'line of body\r\n'.repeat(2000));
    await new Promise((r) => setTimeout(r, 200));
    const closed = once(sock, 'close');
    child.kill('SIGKILL');
    await closed;
    assert.doesNotMatch(heard.slice(heard.indexOf('354 ')), /^250 /m, 'nothing may be acknowledged after DATA');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sink.got.length, 0, 'the upstream must not have committed the mail');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sink.close();
  }
});
