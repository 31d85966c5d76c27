// Where messages come from in a mailbox export: an mbox file (streamed line by line), a Maildir
// (cur/ and new/, Maildir++ sub-folders) or a folder tree of .eml files. Holds one message's
// header block at a time. I/O: reads files and lists folders. Protects STYLE 6 (bounded reads).
import { createReadStream } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
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
  for await (const e of await opendir(dir)) out.push({ name: e.name, dir: e.isDirectory(), file: e.isFile() });
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

/**
 * Messages of an mbox file, streamed line by line. Every line starting with `From ` begins a
 * message (mboxo/mboxrd quote such body lines as `>From `, and bodies are skipped anyway).
 * The first non-empty line must be a `From ` line, otherwise the file is not an mbox.
 */
export async function* mboxMessages(path: string): AsyncGenerator<SourceMessage> {
  const input = createReadStream(path, { encoding: 'latin1', highWaterMark: 256 * 1024 });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let lineNo = 0;
  let fromLine = 0;
  let header: string[] | null = null; // collecting a header block; null while in a body
  let size = 0;
  let seenFrom = false;
  const message = (block: string[], at: number, truncated: boolean): SourceMessage => {
    const bytes = Buffer.from(block.join('\n'), 'latin1');
    return { id: `${path}#${++n}`, line: at, read: async () => ({ bytes, truncated }) };
  };
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.startsWith('From ')) {
        if (header) yield message(header, fromLine, size > MAX_HEADER_BYTES);
        [header, size, fromLine, seenFrom] = [[], 0, lineNo, true];
      } else if (!seenFrom) {
        if (line.trim() === '') continue;
        throw new PvError('PV_INPUT_FORMAT', `not an mbox file: line ${lineNo} should start with "From " (expected an mbox file, a Maildir or a folder of .eml files)`, { file: path, line: lineNo });
      } else if (header) {
        if (line === '') {
          yield message(header, fromLine, size > MAX_HEADER_BYTES);
          header = null;
        } else if (size <= MAX_HEADER_BYTES) {
          header.push(line);
          size += line.length + 1;
        }
      }
    }
    if (header) yield message(header, fromLine, size > MAX_HEADER_BYTES);
  } finally {
    lines.close();
    input.destroy();
  }
}

export function messagesOf(path: string, kind: MailboxKind): AsyncGenerator<SourceMessage> {
  if (kind === 'maildir') return maildirMessages(path);
  if (kind === 'eml-folder') return emlMessages(path);
  return mboxMessages(path);
}
