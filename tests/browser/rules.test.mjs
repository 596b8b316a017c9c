// The widget's trigger rules (the JavaScript port in the shipped decider) agree with nps-core:
// the same vectors are checked against the Rust implementation by core/tests/trigger_vectors.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIST } from './harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const vectors = JSON.parse(readFileSync(join(root, 'core/tests/trigger_vectors.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8'));
const rules = await import(pathToFileURL(join(DIST, manifest.decider)).href);

test('conditions agree with nps-core', () => {
  for (const c of vectors.conditions) {
    const actual = 'actual' in c ? c.actual : undefined;
    assert.equal(rules.test(c.op, actual, c.expected), c.result, JSON.stringify(c));
  }
});

test('dates agree with nps-core', () => {
  for (const [text, ms] of vectors.dates) assert.equal(rules.parseDateMs(text), ms, text);
});

test('globs agree with nps-core', () => {
  for (const [pattern, text, result] of vectors.globs) assert.equal(rules.globMatch(pattern, text), result, `${pattern} ~ ${text}`);
});

test('triggers agree with nps-core (first match, label, delay)', () => {
  for (const t of vectors.triggers) {
    const fired = rules.triggerFires(t.triggers, t.ctx);
    assert.equal(fired ? rules.triggerLabel(fired) : null, t.label, t.what);
    if (fired) assert.equal(rules.triggerDelay(fired), t.delay_ms, t.what);
  }
});
