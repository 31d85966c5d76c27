// The streams a command talks to, injected so tests can run commands in process.
// I/O: none itself; it only carries the process's streams or test doubles.
import type { Readable, Writable } from 'node:stream';
import { PvError } from '../errors.ts';

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

/**
 * One line for a bad flag, the same in every command: "unknown option '--x' (see 'postvagt serve
 * --help')". Node's parseArgs adds advice about '--' and positionals that only confused (user review).
 */
export function flagError(err: unknown, command: string): PvError {
  const e = err as Error & { code?: string };
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  const see = ` (see 'postvagt ${command} --help')`;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new PvError('PV_USAGE', `unknown option '${quoted}'${see}`);
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = quoted.split(' ')[0];
    return new PvError('PV_USAGE', /argument missing/.test(e.message) ? `${flag} needs a value${see}` : `${flag}: ${e.message.replace(/^Option '[^']+' /, '')}${see}`);
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new PvError('PV_USAGE', `unexpected argument '${quoted}'${see}`);
  return new PvError('PV_USAGE', `${e.message.split('. ')[0]}${see}`);
}
