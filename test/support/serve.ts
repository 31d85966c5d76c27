// `postvagt serve` as a child process, the way an operator starts it (bin/postvagt, free loopback
// ports, a given data folder), for the end-to-end tests. I/O: spawns the process; the caller ends it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './postfix.ts';

export const BIN = fileURLToPath(new URL('../../bin/postvagt', import.meta.url));

export interface Serving {
  child: ChildProcess;
  smtp: number;
  http: number;
  env: NodeJS.ProcessEnv;
  /** everything written to stdout and stderr so far */
  out(): string;
  /** the exit code once the process has exited */
  exited: Promise<number | null>;
  /** SIGKILL if it is still running (for finally blocks) */
  kill(): void;
}

/** start serve and wait for its banner (at most 20 s) */
export async function spawnServe(cwd: string, data: string): Promise<Serving> {
  const [smtp, http] = [await freePort(), await freePort()];
  const env = { ...process.env, POSTVAGT_CONFIG: '', POSTVAGT_LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${smtp}`, '--http', `127.0.0.1:${http}`, '--data', data], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (let i = 0; i < 400 && !out.includes('Stop with Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 50));
  return { child, smtp, http, env, out: () => out, exited, kill: () => void (child.exitCode === null && child.kill('SIGKILL')) };
}
