// The last-resort handler of `serve`: an error nothing caught is logged masked, once, and exits 70.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/log.ts';
import { fatalHandler, FATAL_EXIT } from '../../src/cli/fatal.ts';

function capture(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { logger: createLogger({ destination: out }), lines: () => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('an uncaught error quoting a header is logged masked as process.fatal, then exit 70', async () => {
  const c = capture();
  const exits: number[] = [];
  const onFatal = fatalHandler(c.logger, (code) => exits.push(code));
  onFatal(new TypeError('cannot read subject "Sag 010203-1234"'));
  onFatal(new Error('second fault while stopping'));
  await new Promise((r) => setImmediate(r));
  const lines = c.lines();
  assert.deepEqual(exits, [FATAL_EXIT]);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].event, 'process.fatal');
  assert.equal(lines[0].level, 'fatal');
  const text = JSON.stringify(lines[0]);
  assert.ok(!text.includes('010203-1234'), text);
  assert.ok(text.includes('XXXXXX-XXXX') && text.includes('TypeError'), text);
});

test('a rejection with a non-Error reason is logged too', async () => {
  const c = capture();
  const exits: number[] = [];
  fatalHandler(c.logger, (code) => exits.push(code))('plain reason 0102031234');
  await new Promise((r) => setImmediate(r));
  const text = JSON.stringify(c.lines()[0]);
  assert.deepEqual(exits, [FATAL_EXIT]);
  assert.ok(text.includes('plain reason') && !text.includes('0102031234'), text);
});

test('installed in a real process: an unhandled rejection exits 70 with one masked fatal line on stderr', () => {
  const script = `
    import { createLogger } from ${JSON.stringify(fileURLToPath(new URL('../../src/log.ts', import.meta.url)))};
    import { installFatalHandler } from ${JSON.stringify(fileURLToPath(new URL('../../src/cli/fatal.ts', import.meta.url)))};
    installFatalHandler(createLogger({ destination: process.stderr }));
    Promise.reject(new Error('lost track of Subject: 010203-1234'));
    setTimeout(() => {}, 5000);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, FATAL_EXIT, r.stderr);
  const fatal = r.stderr.trim().split('\n').filter((l) => l.includes('process.fatal'));
  assert.equal(fatal.length, 1, r.stderr);
  assert.ok(!r.stderr.includes('010203-1234'), r.stderr);
});
