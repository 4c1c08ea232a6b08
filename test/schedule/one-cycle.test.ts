// one_cycle (PyTorch OneCycleLR): golden vectors recorded from Debian's torch 1.13 by
// scripts/golden/one_cycle.py (test/fixtures/golden-one-cycle.json.gz), bit for bit; refusals,
// the lint, windows, extremes, the scheduler's state and momentum, and the correctly rounded cos.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ParamError } from '../../src/core/errors.js';
import { lintSchedule } from '../../src/schedule/lint.js';
import { oneCycle } from '../../src/schedule/kinds/one-cycle.js';
import { fromReferenceNames } from '../../src/schedule/params.js';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import { LrScheduler } from '../../src/schedule/scheduler.js';
import { kernels } from '../../src/wasm/module.js';

interface Case {
  id: string;
  params: Record<string, unknown>;
  optimizer: 'sgd' | 'adam';
  total: number;
  lrs: number[];
  momenta: number[] | null;
  error: { index: number; type: string; message: string } | null;
  misrounded: { lrs: [number, number][]; momenta: [number, number][] };
}

const golden = JSON.parse(gunzipSync(readFileSync(new URL('../fixtures/golden-one-cycle.json.gz', import.meta.url))).toString('utf8')) as {
  torch: string; cases: Case[];
};

const inputOf = (c: Case) => fromReferenceNames({ schedule: 'one_cycle', ...c.params } as never);

/** torch's values with the steps where glibc's cos misrounds replaced by the correctly rounded ones. */
function expected(values: number[], misrounded: [number, number][], n: number): number[] {
  const out = values.slice(0, n);
  for (const [i, v] of misrounded) out[i] = v;
  return out;
}

test('golden: every step of every case equals torch 1.13 bit for bit (LR and momentum), or is refused where torch divides by zero', () => {
  assert.match(golden.torch, /^1\.13/);
  let compared = 0;
  let misrounded = 0;
  for (const c of golden.cases) {
    if (c.error?.type === 'ZeroDivisionError') {
      assert.throws(() => resolveSchedule(inputOf(c)), (e: unknown) => e instanceof ParamError && e.problems.some((p) => p.key === 'pct_start'), c.id);
      continue;
    }
    const s = resolveSchedule(inputOf(c));
    const n = c.total + 1; // steps 0 .. total; torch raises on the next call, and so do we
    assert.equal(c.lrs.length, n, c.id);
    assert.match(c.error!.message, /Tried to step/, c.id);
    assert.throws(() => s.curve({ steps: n + 1 }), /steps must end by step/, c.id);
    const lr = s.curve({ steps: n });
    assert.deepEqual(Array.from(lr), expected(c.lrs, c.misrounded.lrs, n), c.id);
    if (c.momenta === null) {
      assert.equal(s.hasMomentum, false, c.id);
      assert.throws(() => s.momentum({ steps: 1 }), /cycle_momentum is false/);
    } else {
      assert.deepEqual(Array.from(s.momentum({ steps: n })), expected(c.momenta, c.misrounded.momenta, n), c.id);
    }
    compared += n * (c.momenta ? 2 : 1);
    misrounded += c.misrounded.lrs.length + c.misrounded.momenta.length;
  }
  assert.ok(compared > 50_000, `${compared} values compared`);
  // glibc's cos is correctly rounded almost always: the exceptions are few.
  assert.ok(misrounded < compared / 1000, `${misrounded} misrounded by glibc`);
});

test('the cos is correctly rounded where fdlibm (V8 Math.cos) is not, and equals it elsewhere', () => {
  const k = kernels();
  // From the golden set's misrounded neighbours: these arguments are where the three differ or agree.
  const x = 2.1093550674102897; // glibc: -0.512899277405906; the exact value is -0.51289927740590607332...
  assert.equal(k.cosRounded(x), -0.5128992774059061);
  // Where fdlibm is an ulp off (one_cycle.2's step 2 argument): V8 gives the same as glibc there.
  assert.equal(k.cosRounded(0.664887334093078), 0.7869863016606888);
  let differs = 0;
  for (let i = 0; i <= 100_000; i++) {
    const t = (i / 100_000) * Math.PI;
    const got = k.cosRounded(t);
    const v8 = Math.cos(t);
    if (got !== v8) {
      differs += 1;
      // never more than an ulp apart
      assert.ok(Math.abs(got - v8) <= Number.EPSILON * Math.max(Math.abs(v8), 2 ** -20), `${t}: ${got} vs ${v8}`);
    }
  }
  assert.ok(differs > 0 && differs < 5_000, `${differs} of 100001 differ from V8's fdlibm`);
});

test('refused up front, naming the key, the rule and the value', () => {
  const refused = (input: Record<string, unknown>, key: string, pattern: RegExp) => {
    assert.throws(() => resolveSchedule({ schedule: 'one_cycle', maxLr: 0.1, ...input } as never), (e: unknown) => {
      assert.ok(e instanceof ParamError);
      const p = e.problems.find((x) => x.key === key);
      assert.ok(p, `${key} in ${JSON.stringify(e.problems)}`);
      assert.match(p.message, pattern);
      return true;
    });
  };
  refused({ totalSteps: 100, pctStart: 1.0 }, 'pct_start', /width above 0 .*phase 2 at step 100\), got pct_start=1, total_steps=100/);
  refused({ totalSteps: 10, pctStart: 0.1 }, 'pct_start', /phase 1 at step 0\), got pct_start=0.1, total_steps=10/);
  refused({ totalSteps: 2, pctStart: 0.75, threePhase: true }, 'pct_start', /phase 3 at step 2\).*three_phase=true/);
  refused({ totalSteps: 100, pctStart: 1.5 }, 'pct_start', /pct_start must be a number from 0 to 1, got pct_start=1.5/);
  refused({}, 'total_steps', /total_steps is required .*epochs and steps_per_epoch/);
  refused({ totalSteps: 90, epochs: 7, stepsPerEpoch: 13 }, 'total_steps', /must equal epochs \* steps_per_epoch.*total_steps=90, epochs=7, steps_per_epoch=13/);
  refused({ totalSteps: 100, divFactor: 0 }, 'div_factor', /div_factor must be a finite number > 0, got div_factor=0/);
  refused({ totalSteps: 100, annealStrategy: 'exp' }, 'anneal_strategy', /anneal_strategy must be one of/);
  // Accepted where torch is fine: pct_start 0 (the first phase takes no step), epochs alone.
  assert.equal(resolveSchedule({ schedule: 'one_cycle', maxLr: 0.1, totalSteps: 100, pctStart: 0 }).end, 101);
  assert.equal(resolveSchedule({ schedule: 'one_cycle', maxLr: 0.1, epochs: 7, stepsPerEpoch: 13 }).end, 92);
});

test('lint: three phases with pct_start > 0.5, and only then', () => {
  const lint = (pctStart: number, threePhase: boolean) =>
    lintSchedule(resolveSchedule({ schedule: 'one_cycle', maxLr: 0.1, totalSteps: 100, pctStart, threePhase }), 100);
  const [w] = lint(0.6, true);
  assert.equal(w.rule, 'three-phase-late-peak');
  assert.match(w.message, /pct_start=0.6 > 0.5: the second phase ends at step 118/);
  assert.deepEqual(lint(0.5, true), []);
  assert.deepEqual(lint(0.9, false), []);
  assert.deepEqual(lintSchedule(resolveSchedule({ schedule: 'one_cycle', maxLr: 0.1, totalSteps: 100, pctStart: 0.6, threePhase: true }), 100,
    { ignore: ['three-phase-late-peak'] }), []);
});

const SHAPES = [
  { schedule: 'one_cycle', maxLr: 0.1, totalSteps: 10_007 },
  { schedule: 'one_cycle', maxLr: 0.3, totalSteps: 5_000, pctStart: 0.25, threePhase: true, annealStrategy: 'linear' },
  { schedule: 'one_cycle', maxLr: 1, epochs: 9, stepsPerEpoch: 1_001, pctStart: 0.6, threePhase: true },
] as const;

test('windows equal the same steps of the curve from 0; f32 is the f64 curve rounded', () => {
  for (const p of SHAPES) {
    const s = resolveSchedule(p);
    const n = s.end;
    const all = s.curve({ steps: n });
    const momenta = s.momentum({ steps: n });
    for (const [start, steps] of [[0, 1], [1, 17], [2_999, 2_000], [n - 5, 5], [n - 1, 1]]) {
      assert.deepEqual(s.curve({ start, steps }), all.subarray(start, start + steps));
      assert.deepEqual(s.momentum({ start, steps }), momenta.subarray(start, start + steps));
    }
    assert.deepEqual(s.curve({ steps: n, dtype: 'f32' }), Float32Array.from(all));
    const chunks: number[] = [];
    for (const c of s.chunks({ steps: n, chunk: 1_000 })) chunks.push(...c); // each chunk is valid until the next
    assert.deepEqual(chunks, Array.from(all));
  }
});

test('extremes per column equal the minimum and maximum of every value', () => {
  for (const p of SHAPES) {
    const s = resolveSchedule(p);
    for (const [start, steps, columns] of [[0, s.end, 37], [100, s.end - 200, 11], [0, s.end, 1]]) {
      const all = s.curve({ start, steps });
      const points = s.extremes(start, steps, columns);
      const momentum = s.momentum({ start, steps });
      const mPoints = s.momentumExtremes(start, steps, columns);
      for (let c = 0; c < columns; c++) {
        const a = Math.floor((c * steps) / columns);
        const b = Math.floor(((c + 1) * steps) / columns);
        const col = points.filter((q) => q.step >= start + a && q.step < start + b).map((q) => q.lr);
        assert.equal(Math.min(...col), Math.min(...all.subarray(a, b)), `${JSON.stringify(p)} column ${c}`);
        assert.equal(Math.max(...col), Math.max(...all.subarray(a, b)), `${JSON.stringify(p)} column ${c}`);
        const mCol = mPoints.filter((q) => q.step >= start + a && q.step < start + b).map((q) => q.lr);
        assert.equal(Math.min(...mCol), Math.min(...momentum.subarray(a, b)));
        assert.equal(Math.max(...mCol), Math.max(...momentum.subarray(a, b)));
      }
    }
  }
});

test('LrScheduler: state dicts resume exactly, momentum beside the LR', () => {
  const p = SHAPES[0];
  const s = resolveSchedule(p);
  const lr = s.curve({ steps: s.end });
  const momentum = s.momentum({ steps: s.end });
  const a = new LrScheduler(p);
  for (let t = 0; t < 5_000; t++) a.step();
  const b = LrScheduler.fromStateDict(JSON.parse(JSON.stringify(a.stateDict())));
  for (let t = 5_000; t < s.end - 1; t++) {
    assert.equal(b.lr, lr[t]);
    assert.equal(b.momentum, momentum[t]);
    b.step();
  }
  assert.throws(() => b.step(), /steps must end by step 10007/); // torch raises past total_steps too
  // the momentum is read a block at a time: seeking inside, before and after the loaded block
  for (const t of [s.end - 3, 17, 4_100, 4_099, 9_000]) {
    b.seek(t);
    assert.equal(b.momentum, momentum[t], `step ${t}`);
  }
  assert.equal(new LrScheduler({ schedule: 'one_cycle', maxLr: 0.1, totalSteps: 10, cycleMomentum: false }).momentum, null);
});

test('the native call names every parameter as torch takes it', () => {
  const s = resolveSchedule({ schedule: 'one_cycle', maxLr: 1, totalSteps: 100, pctStart: 0.25, threePhase: true, annealStrategy: 'linear' });
  assert.equal(oneCycle.nativeCall(s.params as never),
    'torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=100, pct_start=0.25, anneal_strategy="linear", cycle_momentum=True, ' +
    'base_momentum=0.85, max_momentum=0.95, div_factor=25.0, final_div_factor=10000.0, three_phase=True)');
});
