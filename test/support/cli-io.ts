// One in-process stand-in for the process's streams, for running `main([...], io)` in tests:
// captures stdout/stderr as text, feeds stdin from a string. I/O: temp dirs in tmp() only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { CliIO } from '../../src/cli/io.ts';

export type CapturedIO = CliIO & { out: () => string; err: () => string };

export function fakeIO(p: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}): CapturedIO {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const stdin = p.stdin === undefined ? new PassThrough() : Readable.from([p.stdin]);
  return { stdin, stdout, stderr, env: p.env ?? {}, cwd: p.cwd ?? process.cwd(), out: () => out, err: () => err };
}

/** a temp directory removed after the test */
export function tmp(t: { after: (fn: () => void) => void }, prefix = 'pv-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
