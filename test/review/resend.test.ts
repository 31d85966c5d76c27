// findResent: which stopped mails a later passing mail resolves as `resent`, from a table of near misses.
// Pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResent, subjectWords, type PassedMail } from '../../src/review/resend.ts';
import { incident } from '../notify/fixtures.ts';

const stopped = incident({ time: '2026-11-29T09:14:00.000Z' }); // reject, hanne → sagsbehandler, "Partshøring XXXXXX-XXXX – bevilling af hjælpemidler"
const mail: PassedMail = {
  sender: 'Hanne.Jensen@kommune.dk',
  recipients: ['sagsbehandler@naboby.dk'],
  subjectMasked: 'Partshøring – bevilling af hjælpemidler',
  direction: 'outbound',
  time: '2026-11-29T09:31:00.000Z',
};

const TABLE: [string, Partial<PassedMail>, Partial<typeof stopped>, boolean][] = [
  ['the same mail without the number, 17 minutes later', {}, {}, true],
  ['a few words added where the number was', { subjectMasked: 'Partshøring vedr. borger – bevilling af hjælpemidler' }, {}, true],
  ['the keyword left behind', { subjectMasked: 'Partshøring CPR-nr. – bevilling af hjælpemidler' }, {}, true],
  ['an extra recipient added', { recipients: ['sagsbehandler@naboby.dk', 'leder@naboby.dk'] }, {}, true],
  ['quarantined mail resent', {}, { action: 'quarantine' }, true],
  ['a different subject', { subjectMasked: 'Mødeindkaldelse' }, {}, false],
  ['a word of the old subject missing', { subjectMasked: 'Partshøring – bevilling' }, {}, false],
  ['too many words added (a new case)', { subjectMasked: 'Partshøring i en helt anden sag om bevilling af hjælpemidler' }, {}, false],
  ['another sender', { sender: 'kollega@kommune.dk' }, {}, false],
  ['a recipient missing', { recipients: ['leder@naboby.dk'] }, {}, false],
  ['other direction', { direction: 'inbound' }, {}, false],
  ['before the incident', { time: '2026-11-29T09:00:00.000Z' }, {}, false],
  ['eight days later', { time: '2026-12-07T09:15:00.000Z' }, {}, false],
  ['already resolved', {}, { status: 'resolved', resolution: 'handled-manually' }, false],
  ['redacted mail was delivered: nothing to resend', {}, { action: 'redact' }, false],
  ['tagged mail was delivered: nothing to resend', {}, { action: 'tag' }, false],
  ['a null-sender incident is never resolved by a resend', { sender: '' }, { sender: '' }, false],
];

for (const [label, m, inc, expect] of TABLE) {
  test(`${label} → ${expect ? 'resent' : 'not resolved'}`, () => {
    const got = findResent({ ...mail, ...m }, [{ ...stopped, ...inc }]);
    assert.equal(got.length, expect ? 1 : 0);
  });
}

test('several stopped attempts are all resolved, oldest first', () => {
  const a = { ...stopped, id: 'PV-20261129-AAAAAA', time: '2026-11-29T09:20:00.000Z' };
  const b = { ...stopped, id: 'PV-20261129-BBBBBB', time: '2026-11-29T09:10:00.000Z' };
  assert.deepEqual(findResent(mail, [a, b]).map((i) => i.id), ['PV-20261129-BBBBBB', 'PV-20261129-AAAAAA']);
});

test('subjectWords drops masked numbers (both styles), reply prefixes, CPR keywords and punctuation', () => {
  assert.deepEqual(subjectWords('SV: Re: Partshøring 251284-XXXX – bevilling'), ['partshøring', 'bevilling']);
  assert.deepEqual(subjectWords('Sag XXXXXX-XXXX, cpr.'), ['sag']);
  assert.deepEqual(subjectWords('Ｆｕｌｌｗｉｄｔｈ'), ['fullwidth']);
  assert.deepEqual(subjectWords(''), []);
});

test('an empty subject only matches an empty subject', () => {
  const empty = { ...stopped, subjectMasked: 'XXXXXX-XXXX' };
  assert.equal(findResent({ ...mail, subjectMasked: '' }, [empty]).length, 1);
  assert.equal(findResent({ ...mail, subjectMasked: 'Noget andet' }, [empty]).length, 0);
});
