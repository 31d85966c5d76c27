// A raw TCP SMTP client for hostile-input tests: writes exactly the bytes given (no dot-stuffing,
// no line-ending fixes) and waits for replies by pattern. I/O: one loopback socket.
import net from 'node:net';
import { once } from 'node:events';

export class RawClient {
  transcript = '';
  closed = false;
  private cursor = 0;
  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => (this.transcript += d.toString('latin1')));
    sock.on('close', () => (this.closed = true));
    sock.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const sock = net.connect({ host, port });
    await once(sock, 'connect');
    const c = new RawClient(sock);
    await c.expect(/^220 /m);
    return c;
  }

  write(data: string | Buffer): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** wait until the transcript after the last match matches `re`; returns the matching line */
  async expect(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.transcript.slice(this.cursor);
      const m = re.exec(rest);
      if (m) {
        const lineEnd = rest.indexOf('\n', m.index);
        const line = rest.slice(rest.lastIndexOf('\n', m.index) + 1, lineEnd === -1 ? undefined : lineEnd).trim();
        this.cursor += lineEnd === -1 ? rest.length : lineEnd + 1;
        return line;
      }
      if (Date.now() > until || (this.closed && !re.test(rest))) {
        throw new Error(`expected ${re} but got: ${JSON.stringify(rest.slice(-400))}${this.closed ? ' (connection closed)' : ''}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** EHLO + MAIL + RCPT, waiting for each 250 */
  async envelope(from = 'a@kommune.example', to = 'b@example.org'): Promise<void> {
    this.write('EHLO client.test\r\n');
    await this.expect(/^250 /m);
    this.write(`MAIL FROM:<${from}>\r\n`);
    await this.expect(/^250 /m);
    this.write(`RCPT TO:<${to}>\r\n`);
    await this.expect(/^250 /m);
  }

  /** DATA, the raw message bytes, the terminator; returns the reply line to the message */
  async data(message: string | Buffer): Promise<string> {
    this.write('DATA\r\n');
    await this.expect(/^354 /m);
    this.write(message);
    this.write('\r\n.\r\n');
    return this.expect(/^[245]\d\d /m);
  }

  close(): void {
    this.sock.destroy();
  }
}
