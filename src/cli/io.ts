// The streams a command talks to, injected so tests can run commands in process.
// I/O: none itself; it only carries the process's streams or test doubles.
import type { Readable, Writable } from 'node:stream';

export interface CliIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIO(): CliIO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** A command module: returns the exit code (DESIGN: 0 ok, 1 findings with --fail-on-find, 2 usage/input). */
export type Command = (argv: string[], io: CliIO) => Promise<number>;
