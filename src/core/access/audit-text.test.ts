import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { auditText, MAX_AUDIT_TEXT } from './audit-text.js';

test('control characters become visible escapes; printable text is kept', () => {
  assert.equal(auditText('alice'), 'alice');
  assert.equal(auditText('ünïcode "quoted"'), 'ünïcode "quoted"');
  assert.equal(auditText('\u001b[2Jx\u0000\u007f\u009b\u202e'), '\\x1b[2Jx\\x00\\x7f\\x9b\\u202e');
});

test('long text is cut to the cap with a marker', () => {
  const cut = auditText('x'.repeat(8000));
  assert.equal(cut.length, MAX_AUDIT_TEXT);
  assert.ok(cut.endsWith('…[truncated]'));
  assert.equal(auditText('y'.repeat(MAX_AUDIT_TEXT)), 'y'.repeat(MAX_AUDIT_TEXT), 'at the cap, nothing is cut');
  const escaped = auditText('\u0001'.repeat(MAX_AUDIT_TEXT));
  assert.equal(escaped.length, MAX_AUDIT_TEXT, 'escaping cannot push it past the cap');
});
