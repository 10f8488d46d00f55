import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, relativePhrase } from '../../src/core/duration.js';

test('formatDuration: seconds, minutes, hours and minutes, days and hours; the sign is ignored', () => {
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(-45), '45 s');
  assert.equal(formatDuration(52 * 60 + 10), '52 min');
  assert.equal(formatDuration(3 * 3600), '3 h');
  assert.equal(formatDuration(3 * 3600 + 5 * 60), '3 h 5 min');
  assert.equal(formatDuration(50 * 3600), '2 d 2 h');
  assert.equal(formatDuration(72 * 3600), '3 d');
});

test('relativePhrase: "in …" ahead, "… ago" behind', () => {
  assert.equal(relativePhrase(52 * 60_000), 'in 52 min');
  assert.equal(relativePhrase(-3 * 3_600_000), '3 h ago');
});
