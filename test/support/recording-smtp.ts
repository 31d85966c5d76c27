// A real SMTP server (smtp-server) on a loopback port 0 that records each mail it accepts:
// envelope and exact bytes. For tests of commands that deliver mail directly. Closed after the test.
import { once } from 'node:events';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Got { from: string | false; to: string[]; data: Buffer; secure: boolean }

export async function recordingSmtp(t: { after: (fn: () => Promise<void>) => void }, opts: Partial<SMTPServerOptions> = {}): Promise<{ port: number; url: string; got: Got[] }> {
  const got: Got[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        got.push({ from: from ? from.address : false, to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks), secure: session.secure });
        done();
      });
    },
    ...opts,
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.server.address() as { port: number }).port;
  return { port, url: `smtp://127.0.0.1:${port}`, got };
}
