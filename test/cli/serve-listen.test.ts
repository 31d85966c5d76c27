// `postvagt serve` when an address is taken: a clear message naming the listener and address,
// exit 1, and the process really ends (a half-started gateway must not linger holding ports).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { tmp } from '../support/cli-io.ts';

async function occupied(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

function serve(args: string[], cwd: string): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const child = spawn(process.execPath, ['bin/postvagt', 'serve', ...args], { cwd: process.cwd(), env: { ...process.env, POSTVAGT_LOG_LEVEL: 'warn', HOME: cwd } });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => child.on('exit', (code, signal) => (clearTimeout(killer), resolve({ code, signal, stderr }))));
}

test('SMTP address in use: named in one line, exit 1, process ends', async (t) => {
  const busy = await occupied();
  try {
    const data = tmp(t);
    const r = await serve(['--listen', `127.0.0.1:${busy.port}`, '--http', '127.0.0.1:0', '--data', data], data);
    assert.equal(r.signal, null, 'exited by itself, not killed');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`SMTP listener 'outbound' cannot listen on 127\\.0\\.0\\.1:${busy.port}: the address is already in use.*; choose another with --listen HOST:PORT`));
    assert.doesNotMatch(r.stderr, /ECONNRESET|Unhandled/);
  } finally {
    busy.server.close();
  }
});

test('dashboard address in use: named, exit 1, no noise from the gateway shutting down', async (t) => {
  const busy = await occupied();
  try {
    const data = tmp(t);
    const r = await serve(['--listen', '127.0.0.1:0', '--http', `127.0.0.1:${busy.port}`, '--data', data], data);
    assert.equal(r.signal, null);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`The dashboard cannot listen on 127\\.0\\.0\\.1:${busy.port}: the address is already in use.*; choose another with --http HOST:PORT`));
    assert.doesNotMatch(r.stderr, /ECONNRESET|smtp\.error/);
  } finally {
    busy.server.close();
  }
});
