import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultGamma, defaultWeights, type TpeTrial } from '../../../../src/sweep/samplers/tpe/index.js';
import { splitHistory } from '../../../../src/sweep/samplers/tpe/history.js';

test("gamma is Optuna's min(ceil(0.1 n), 25), as Optuna 3.1 computes it", () => {
  assert.deepEqual([0, 1, 9, 10, 11, 20, 30, 249, 250, 251, 1000].map(defaultGamma), [0, 1, 1, 1, 2, 2, 3, 25, 25, 25, 25]);
});

test("weights are 1 up to 25 trials, then the older ones ramp from 1/n to 1 (numpy's linspace)", () => {
  assert.deepEqual(defaultWeights(0), []);
  assert.deepEqual(defaultWeights(25), new Array(25).fill(1));
  assert.deepEqual(defaultWeights(26), [1 / 26, ...new Array(25).fill(1)]);
  const w = defaultWeights(30);
  assert.equal(w.length, 30);
  assert.deepEqual(w.slice(0, 5), [1 / 30, 1 / 30 + (1 - 1 / 30) / 4, 1 / 30 + (2 * (1 - 1 / 30)) / 4, 1 / 30 + (3 * (1 - 1 / 30)) / 4, 1]);
  assert.deepEqual(w.slice(5), new Array(25).fill(1));
});

const trial = (value: number | null, state: TpeTrial['state'], step?: number): TpeTrial => ({ params: { v: value ?? -1 }, value, state, step });
const values = (ts: TpeTrial[]) => ts.map((t) => `${t.state}:${t.value}`);

test('the good side takes the best gamma(n) complete trials, then pruned ones by later step, in trial order', () => {
  const complete = Array.from({ length: 18 }, (_, i) => trial(20 - i, 'complete'));
  const s = splitHistory(complete, true);
  assert.equal(s.finished, 18);
  assert.deepEqual(values(s.below), ['complete:4', 'complete:3']);
  assert.equal(s.above.length, 16);
  // 11 finished -> 2 good: the one complete trial, then the pruned trial that got furthest.
  const mixed = [
    trial(5, 'pruned', 3),
    trial(9, 'complete'),
    trial(1, 'pruned', 1),
    trial(2, 'pruned', 3),
    ...Array.from({ length: 7 }, () => trial(null, 'diverged')),
  ];
  const m = splitHistory(mixed, true);
  assert.equal(m.finished, 11);
  assert.deepEqual(values(m.below), ['complete:9', 'pruned:2']);
});

test('failed trials are left out; running ones go to the bad side only with the constant liar; diverged rank last', () => {
  const ts = [trial(3, 'complete'), trial(null, 'failed'), trial(null, 'running'), trial(null, 'diverged'), trial(1, 'complete')];
  const liar = splitHistory(ts, true);
  assert.equal(liar.finished, 3);
  assert.deepEqual(values(liar.below), ['complete:1']);
  assert.deepEqual(values(liar.above), ['complete:3', 'running:null', 'diverged:null']);
  assert.deepEqual(values(splitHistory(ts, false).above), ['complete:3', 'diverged:null']);
  // Nine diverged trials and one complete one: the complete one is the good one.
  const d = splitHistory([...Array.from({ length: 9 }, () => trial(null, 'diverged')), trial(50, 'complete')], true);
  assert.deepEqual(values(d.below), ['complete:50']);
});
