// decide(): every direction × configured action, from a table, plus the type-level guarantee that no
// discard verdict exists (invariant 1). Pure; the policy comes from the real config schema defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, affectedHeaders } from '../../src/policy/decide.ts';
import { ACTIONS, type Action, type Direction, type Verdict } from '../../src/policy/types.ts';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { formatReply } from '../../src/notify/replies.ts';
import { ID, finding } from '../notify/fixtures.ts';

function policyWith(direction: Direction, action: Action): Config['policy'] {
  return configSchema.parse({ policy: { [direction]: { action } } }).policy;
}

test('no findings → pass, whatever the configured action and direction', () => {
  for (const direction of ['outbound', 'inbound'] as const) {
    for (const action of ACTIONS) {
      const v = decide({ direction, findings: [], policy: policyWith(direction, action), incidentId: ID });
      assert.deepEqual(v, { action: 'pass', findings: [] }, `${direction}/${action}`);
    }
  }
});

test('defaults from the schema: outbound rejects, inbound redacts', () => {
  const policy = configSchema.parse({}).policy;
  const out = decide({ direction: 'outbound', findings: [finding('Subject')], policy, incidentId: ID });
  const inn = decide({ direction: 'inbound', findings: [finding('Subject')], policy, incidentId: ID });
  assert.equal(out.action, 'reject');
  assert.equal(inn.action, 'redact');
});

const cases: { direction: Direction; action: Action; expect: (v: Verdict) => void }[] = [
  { direction: 'outbound', action: 'pass', expect: (v) => assert.equal(v.action, 'pass') },
  { direction: 'inbound', action: 'pass', expect: (v) => assert.equal(v.action, 'pass') },
  {
    direction: 'outbound',
    action: 'reject',
    expect: (v) => {
      assert.equal(v.action, 'reject');
      if (v.action !== 'reject') return;
      assert.match(formatReply(v.reply), new RegExp(`^550 5\\.7\\.1 Ikke afsendt: emnefeltet .*Sag ${ID} / Not sent: .*Case ${ID}$`));
    },
  },
  {
    direction: 'inbound',
    action: 'reject',
    expect: (v) => {
      assert.equal(v.action, 'reject');
      if (v.action === 'reject') assert.match(v.reply.text, /^Ikke leveret: .* \/ Not delivered: /);
    },
  },
  { direction: 'outbound', action: 'quarantine', expect: (v) => assert.equal(v.action, 'quarantine') },
  { direction: 'inbound', action: 'quarantine', expect: (v) => assert.equal(v.action, 'quarantine') },
  {
    direction: 'inbound',
    action: 'redact',
    expect: (v) => assert.deepEqual(v.action === 'redact' && v.headers, ['Subject', 'To']),
  },
  {
    direction: 'outbound',
    action: 'tag',
    expect: (v) => assert.deepEqual(v.action === 'tag' && v.tagHeader, 'X-Postvagt-CPR'),
  },
];

for (const c of cases) {
  test(`findings, ${c.direction} configured '${c.action}' → ${c.action}, findings carried`, () => {
    const findings = [finding('Subject'), finding('To'), finding('subject')];
    const v = decide({ direction: c.direction, findings, policy: policyWith(c.direction, c.action), incidentId: ID });
    c.expect(v);
    assert.equal(v.findings, findings);
  });
}

test('the table covers every action the configuration can name', () => {
  assert.deepEqual(new Set(cases.map((c) => c.action)), new Set(ACTIONS));
});

test('tag uses the configured tag header', () => {
  const policy = configSchema.parse({ policy: { outbound: { action: 'tag' }, tag_header: 'X-Kommune-CPR' } }).policy;
  const v = decide({ direction: 'outbound', findings: [finding('Subject')], policy, incidentId: ID });
  assert.deepEqual(v, { action: 'tag', findings: [finding('Subject')], tagHeader: 'X-Kommune-CPR' });
});

test('the direction picks the policy: outbound quarantine does not leak into inbound', () => {
  const policy = configSchema.parse({ policy: { outbound: { action: 'quarantine' }, inbound: { action: 'tag' } } }).policy;
  assert.equal(decide({ direction: 'outbound', findings: [finding('Subject')], policy, incidentId: ID }).action, 'quarantine');
  assert.equal(decide({ direction: 'inbound', findings: [finding('Subject')], policy, incidentId: ID }).action, 'tag');
});

test('affectedHeaders: each header once, case-insensitively, in the order first found', () => {
  assert.deepEqual(affectedHeaders([finding('To'), finding('Subject'), finding('to'), finding('X-Sag'), finding('SUBJECT')]), ['To', 'Subject', 'X-Sag']);
  assert.deepEqual(affectedHeaders([]), []);
});

test('a discard verdict does not compile (there is no silent action)', () => {
  // @ts-expect-error — 'discard' is not a Verdict member (invariant 1); tsc fails if it ever becomes one
  const v: Verdict = { action: 'discard', findings: [] };
  // @ts-expect-error — nor an Action configuration can name
  const a: Action = 'discard';
  assert.ok(!(ACTIONS as readonly string[]).includes(a));
  assert.ok(v);
});

test('an action unknown at runtime (a bug elsewhere) throws instead of passing mail on', () => {
  const policy = { ...configSchema.parse({}).policy, outbound: { action: 'discard' as unknown as Action } };
  assert.throws(() => decide({ direction: 'outbound', findings: [finding('Subject')], policy, incidentId: ID }), /unknown policy action/);
});
