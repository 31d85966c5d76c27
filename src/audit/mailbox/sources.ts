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

interface Entry {
  name: string;
  dir: boolean;
  file: boolean;
}

async function sortedEntries(dir: string): Promise<Entry[]> {
  const out: Entry[] = [];
  // symbolic links count as files: reading one that dangles is reported, not silently skipped
  for await (const e of await opendir(dir)) out.push({ name: e.name, dir: e.isDirectory(), file: e.isFile() || e.isSymbolicLink() });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A folder that cannot be listed becomes one unreadable "message", so the scan goes on. */
async function listing(dir: string): Promise<{ entries: Entry[] } | { failed: SourceMessage }> {
  try {
    return { entries: await sortedEntries(dir) };
  } catch (err) {
    return { failed: { id: dir, read: () => Promise.reject(err) } };
  }
}

/** Messages of a Maildir: cur/ and new/ (tmp/ holds unfinished deliveries), then .Sub folders. */
export async function* maildirMessages(root: string): AsyncGenerator<SourceMessage> {
  for (const sub of ['cur', 'new']) {
    if (!(await isDir(join(root, sub)))) continue;
    const list = await listing(join(root, sub));
    if ('failed' in list) {
      yield list.failed;
      continue;
    }
    for (const e of list.entries) {
      if (!e.file || e.name.startsWith('.')) continue;
      const path = join(root, sub, e.name);
      yield { id: path, read: () => readHeaderBlockFile(path) };
    }
  }
  const list = await listing(root);
  if ('failed' in list) return yield list.failed;
  for (const e of list.entries) {
    if (e.dir && e.name.startsWith('.') && e.name !== '.' && e.name !== '..') yield* maildirMessages(join(root, e.name));
  }
}

/** Every *.eml file below `root`, depth first, in name order. */
export async function* emlMessages(root: string): AsyncGenerator<SourceMessage> {
  const list = await listing(root);
  if ('failed' in list) return yield list.failed;
  for (const e of list.entries) {
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

interface Block {
  text: string;
  truncated: boolean;
}

const NOT_MBOX = 'not an mbox file: this line should start with "From " (expected an mbox file, a Maildir or a folder of .eml files)';

/**
 * Splits an mbox file, fed in chunks of Latin-1 text, into header blocks. Every line starting
 * with `From ` begins a message (mboxo/mboxrd writers quote such body lines as `>From `);
 * bodies are skipped with a native search for the next `\nFrom `, so only the current header
 * block and a few bytes are held. The first non-empty line must be a `From ` line.
 */
export class MboxSplitter {
  private pending = '';
  private state: 'start' | 'header' | 'body' = 'start';
  constructor(private readonly path: string) {}

  /** Feed one chunk; returns the header blocks it completed. */
  push(chunk: string): Block[] {
    this.pending += chunk;
    const out: Block[] = [];
    while (this.step(out));
    return out;
  }

  /** End of input: the last header block, if the file ends inside one. */
  end(): Block[] {
    if (this.state === 'start' && this.pending.trim() !== '') this.notMbox(this.pending.length);
    if (this.state !== 'header' || this.pending === '') return [];
    const lineEnd = this.pending.indexOf('\n');
    return [{ text: lineEnd < 0 ? '' : this.pending.slice(lineEnd + 1), truncated: false }];
  }

  private notMbox(at: number): never {
    const line = this.pending.slice(0, at).split('\n').length;
    const hint = /\.(eml|msg)$/i.test(this.path) ? "; for a single message use 'postvagt scan message'" : '';
    throw new PvError('PV_INPUT_FORMAT', NOT_MBOX + hint, { file: this.path, line });
  }

  /** One move of the state machine; false when it needs more input. */
  private step(out: Block[]): boolean {
    const p = this.pending;
    if (this.state === 'start') {
      const skipped = p.length - p.replace(/^[\r\n]+/, '').length;
      if (p.length - skipped < 5) return false;
      if (!p.startsWith('From ', skipped)) this.notMbox(skipped);
      [this.pending, this.state] = [p.slice(skipped), 'header'];
    } else if (this.state === 'header') {
      const lineEnd = p.indexOf('\n');
      const end = lineEnd < 0 ? -1 : blockEnd(p, lineEnd);
      if (end < 0 && p.length <= MAX_HEADER_BYTES) return false;
      const cut = end < 0 ? MAX_HEADER_BYTES : end;
      out.push({ text: p.slice(lineEnd + 1, cut), truncated: end < 0 });
      [this.pending, this.state] = [p.slice(cut), 'body'];
    } else {
      const next = p.indexOf('\nFrom ');
      if (next < 0) {
        this.pending = p.slice(-6); // a separator may straddle two chunks
        return false;
      }
      [this.pending, this.state] = [p.slice(next + 1), 'header'];
    }
    return true;
  }
}

/** Messages of an mbox file, streamed in chunks; `id` is `PATH#N`, N counting from 1. */
export async function* mboxMessages(path: string): AsyncGenerator<SourceMessage> {
  const input = createReadStream(path, { encoding: 'latin1', highWaterMark: 256 * 1024 });
  const splitter = new MboxSplitter(path);
  let n = 0;
  const message = (b: Block): SourceMessage => {
    const bytes = Buffer.from(b.text, 'latin1');
    return { id: `${path}#${++n}`, read: async () => ({ bytes, truncated: b.truncated }) };
  };
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      for (const b of splitter.push(chunk)) yield message(b);
    }
    for (const b of splitter.end()) yield message(b);
  } finally {
    input.destroy();
  }
}

export function messagesOf(path: string, kind: MailboxKind): AsyncGenerator<SourceMessage> {
  if (kind === 'maildir') return maildirMessages(path);
  if (kind === 'eml-folder') return emlMessages(path);
  return mboxMessages(path);
}
