// The embedded capture mailbox: an in-process SMTP sink on loopback, the default upstream in
// development and demos. I/O: one loopback listener; each mail is stored with store.capture().
// Invariant 1 holds here too: 250 only after the store has the mail, a store error answers 451.
import { SMTPServer } from 'smtp-server';
import type { Readable } from 'node:stream';
import type { Store } from '../store/types.ts';
import { once } from 'node:events';

export interface CaptureMailbox {
  host: string;
  port: number;
  close(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startCapture(p: { store: Store; maxSize: number; onError?: (err: unknown) => void }): Promise<CaptureMailbox> {
  const server = new SMTPServer({
    name: 'postvagt-capture',
    banner: 'Postvagt capture mailbox',
    // loopback only and only we connect: no AUTH, no TLS, no reverse lookups
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    size: p.maxSize,
    logger: false,
    onData(stream, session, callback) {
      readAll(stream)
        .catch(() => null) // the sender went away mid-DATA (the gateway aborted: reject, quarantine): not a store fault
        .then(async (raw) => {
          if (raw === null) return callback(Object.assign(new Error('4.4.2 Connection lost during DATA'), { responseCode: 451 }));
          if ((stream as Readable & { sizeExceeded?: boolean }).sizeExceeded) return callback(null);
          const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const recipients = session.envelope.rcptTo.map((r) => r.address);
          const id = await p.store.capture({ sender, recipients, raw });
          callback(null, `2.0.0 Ok: captured as ${id}`);
        })
        .catch((err: unknown) => {
          p.onError?.(err);
          callback(Object.assign(new Error('4.3.0 Capture mailbox could not store the mail'), { responseCode: 451 }));
        });
    },
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    // the only client is our own upstream connection, which drops mid-DATA on purpose when a mail
    // is refused or held (transaction.ts): a reset is that, not a store fault worth an alert
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
    p.onError?.(err);
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const addr = server.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('capture mailbox did not bind');
  return {
    host: '127.0.0.1',
    port: addr.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
