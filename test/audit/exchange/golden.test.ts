// Golden file: a day of a municipality's Exchange 2019 tracking log (every event type we map)
// against its reviewed expected counts and silent list. Regenerate only after reading the diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { auditExchangeText } from '../../../src/audit/exchange/text.ts';

const LOG = 'fixtures/exchange/MSGTRK2026110207-1.LOG';

test(`golden: ${LOG} → MSGTRK2026110207-1.expected.json`, () => {
  const r = auditExchangeText(readFileSync(LOG, 'utf8'), LOG);
  const got = { messages: r.messages, recipients: r.recipients, silent: r.silent, warnings: r.warnings };
  if (process.env.UPDATE_GOLDEN) {
    writeFileSync(LOG.replace(/\.LOG$/, '.expected.json'), JSON.stringify(got, null, 2) + '\n');
  }
  const want = JSON.parse(readFileSync(LOG.replace(/\.LOG$/, '.expected.json'), 'utf8'));
  assert.deepEqual(got, want);
});
