import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureOf, newTally, tallyFailure } from '../../src/sweep/tally.js';

test('the failure told is the lowest-numbered trial\'s, whatever order the failures arrive in (several workers race)', () => {
  const t = newTally();
  tallyFailure(t, 7, 'seventh');
  tallyFailure(t, 2, 'second');
  tallyFailure(t, 5, 'fifth');
  assert.equal(failureOf(t), 'all 3 trials this run ended failed; the first: trial 2: second');
});

test('a run in which anything completed or diverged, or nothing ended, is no failure', () => {
  const t = newTally();
  assert.equal(failureOf(t), null);
  tallyFailure(t, 1, 'x');
  assert.equal(failureOf(t), 'the one trial this run ended failed; the first: trial 1: x');
  t.diverged++;
  assert.equal(failureOf(t), null);
});
