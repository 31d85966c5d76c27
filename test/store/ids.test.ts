// Case numbers as people type them: normalised to the stored form, anything else refused (so it
// is shown masked and never put into a URL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incidentId, parseIncidentId } from '../../src/store/ids.ts';

test('a case number typed in lower case or with spaces is the stored id; a generated id parses to itself', () => {
  assert.equal(parseIncidentId(' pv-20261129-7k3qxd '), 'PV-20261129-7K3QXD');
  const id = incidentId(new Date('2026-11-29T12:00:00Z'));
  assert.equal(parseIncidentId(id), id);
});

test('anything else is not a case number: a CPR number, a partial id, extra text', () => {
  for (const s of ['0102031234', '010203-1234', 'PV-20261129', 'PV-20261129-7K3QXD1', 'PV-2026112-7K3QXD', 'see PV-20261129-7K3QXD', '']) {
    assert.equal(parseIncidentId(s), null, s);
  }
});
