// Where messages come from in a mailbox export: an mbox file (streamed line by line), a Maildir
// (cur/ and new/, Maildir++ sub-folders) or a folder tree of .eml files. Holds one message's
// header block at a time. I/O: reads files and lists folders. Protects STYLE 6 (bounded reads).
import { createReadStream } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PvError } from '../../errors.ts';
import { MAX_HEADER_BYTES, readHeaderBlockFile, type HeaderBlock } from './headerblock.ts';

export type MailboxKind = 'mbox' | 'maildir' | 'eml-folder';

/** One message: `id` is the file path, or `PATH#N` for the N-th (1-based) message of an mbox. */
export interface SourceMessage {
  id: string;
  /** 1-based line of the `From ` separator, for mbox messages */
  line?: number;
  read(): Promise<HeaderBlock>;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** What kind of mailbox `path` is; a PvError naming the path if it is none of them. */
export async function mailboxKind(path: string): Promise<MailboxKind> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new PvError('PV_INPUT_UNREADABLE', `cannot read ${path}: ${err.code ?? err.message}`, { file: path, cause: err });
  });
  if (st.isDirectory()) return (await isDir(join(path, 'cur'))) || (await isDir(join(path, 'new'))) ? 'maildir' : 'eml-folder';
  if (st.isFile()) return 'mbox';
  throw new PvError('PV_INPUT_FORMAT', `${path} is neither a file nor a folder`, { file: path });
}

async function sortedEntries(dir: string): Promise<{ name: string; dir: boolean; file: boolean }[]> {
  const out: { name: string; dir: boolean; file: boolean }[] = [];
  // symbolic links count as files: reading one that dangles is reported, not silently skipped
  for await (const e of await opendir(dir)) out.push({ name: e.name, dir: e.isDirectory(), file: e.isFile() || e.isSymbolicLink() });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Messages of a Maildir: cur/ and new/ (tmp/ holds unfinished deliveries), then .Sub folders. */
export async function* maildirMessages(root: string): AsyncGenerator<SourceMessage> {
  for (const sub of ['cur', 'new']) {
    if (!(await isDir(join(root, sub)))) continue;
    for (const e of await sortedEntries(join(root, sub))) {
      if (!e.file || e.name.startsWith('.')) continue;
      const path = join(root, sub, e.name);
      yield { id: path, read: () => readHeaderBlockFile(path) };
    }
  }
  for (const e of await sortedEntries(root)) {
    if (e.dir && e.name.startsWith('.') && e.name !== '.' && e.name !== '..') yield* maildirMessages(join(root, e.name));
  }
}

/** Every *.eml file below `root`, depth first, in name order. */
export async function* emlMessages(root: string): AsyncGenerator<SourceMessage> {
  for (const e of await sortedEntries(root)) {
    const path = join(root, e.name);
    if (e.dir) yield* emlMessages(path);
    else if (e.file && /\.eml$/i.test(e.name)) yield { id: path, read: () => readHeaderBlockFile(path) };
  }
}

/** End of the header block in s from `from` on: index of the empty line's first byte, or -1. */
function blockEnd(s: string, from: number): number {
  const lf = s.indexOf('\n\n', from);
  const crlf = s.indexOf('\n\r\n', from);
  if (lf < 0) return crlf < 0 ? -1 : crlf + 1;
  return crlf < 0 || lf < crlf ? lf + 1 : crlf + 1;
}

/**
 * Messages of an mbox file, streamed in chunks. Every line starting with `From ` begins a
 * message (mboxo/mboxrd writers quote such body lines as `>From `); bodies are skipped with a
 * native search for the next `\nFrom `, so only one header block is held at a time. The first
 * non-empty line must be a `From ` line, otherwise the file is not an mbox.
 */
export async function* mboxMessages(path: string): AsyncGenerator<SourceMessage> {
  const input = createReadStream(path, { encoding: 'latin1', highWaterMark: 256 * 1024 });
  let n = 0;
  let pending = '';
  let state: 'start' | 'header' | 'body' = 'start';
  const message = (block: string, truncated: boolean): SourceMessage => {
    const bytes = Buffer.from(block, 'latin1');
    return { id: `${path}#${++n}`, read: async () => ({ bytes, truncated }) };
  };
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      pending += chunk;
      for (;;) {
        if (state === 'start') {
          const trimmed = pending.replace(/^[\r\n]+/, '');
          if (trimmed.length < 5) break;
          if (!trimmed.startsWith('From ')) {
            const line = pending.slice(0, pending.length - trimmed.length).split('\n').length;
            throw new PvError('PV_INPUT_FORMAT', 'not an mbox file: this line should start with "From " (expected an mbox file, a Maildir or a folder of .eml files)', { file: path, line });
          }
          [pending, state] = [trimmed, 'header'];
        } else if (state === 'header') {
          const lineEnd = pending.indexOf('\n');
          const end = lineEnd < 0 ? -1 : blockEnd(pending, lineEnd);
          if (end < 0 && pending.length <= MAX_HEADER_BYTES) break;
          const cut = end < 0 ? MAX_HEADER_BYTES : end;
          yield message(pending.slice(lineEnd + 1, cut), end < 0);
          [pending, state] = [pending.slice(cut), 'body'];
        } else {
          const next = pending.indexOf('\nFrom ');
          if (next < 0) {
            pending = pending.slice(-6); // a separator may straddle two chunks
            break;
          }
          [pending, state] = [pending.slice(next + 1), 'header'];
        }
      }
    }
    if (state === 'header' && pending.length > 0) {
      const lineEnd = pending.indexOf('\n');
      yield message(lineEnd < 0 ? '' : pending.slice(lineEnd + 1), false);
    } else if (state === 'start' && pending.trim() !== '') {
      throw new PvError('PV_INPUT_FORMAT', 'not an mbox file: the first line should start with "From "', { file: path, line: 1 });
    }
  } finally {
    input.destroy();
  }
}

export function messagesOf(path: string, kind: MailboxKind): AsyncGenerator<SourceMessage> {
  if (kind === 'maildir') return maildirMessages(path);
  if (kind === 'eml-folder') return emlMessages(path);
  return mboxMessages(path);
}
