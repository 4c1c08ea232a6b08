// The law pruner's fit off the asking thread (law.ts prepare(), sweep/fits/off-thread.ts): a fit
// thread's result equals the in-thread fit bit for bit; judge() decides on what prepare() cached;
// concurrent prepares of one history share one fit; a fit thread that fails keeps nothing (judge
// fits on the asking thread, the run is told once); a fit past its deadline is a failed fit; a
// stop ends the thread at once. prepare() never rejects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lawTrainer, { MAX_LR, STEPS } from '../../predict/law-trainer.js';
import type { Config } from '../../../src/sweep/definition.js';
import { FitStopped, fitOffThread } from '../../../src/sweep/fits/off-thread.js';
import type { FitJob } from '../../../src/sweep/fits/jobs.js';
import { judge, prepare, prunerOf, type JudgeInput, type TrialView } from '../../../src/sweep/pruners/index.js';
import { law, lawPrepare, type LawFitRunner } from '../../../src/sweep/pruners/law.js';
import { fitLawPruner, type LawFitInput } from '../../../src/sweep/pruners/law-fit.js';
import { readingsOf, timelineOf } from '../../../src/sweep/pruners/readings.js';
import { prunerFlag } from '../../../src/sweep/pruners/spec.js';

const config = (o: Record<string, number>): Config =>
  ({ schedule: 'cawr', first_cycle_steps: STEPS, cycle_mult: 1, max_lr: MAX_LR, min_lr: 1e-4, warmup_steps: 0, gamma: 1, ...o }) as unknown as Config;

/** A trial of this config trained by the law trainer (its seed: its number), as the law is handed it: complete, or running with its first `upTo` points. */
function view(number: number, c: Config, upTo?: number): TrialView {
  const timeline = timelineOf(c, STEPS);
  const all: { step: number; value: number }[] = [];
  lawTrainer.train({ curve: timeline.curve!(), seed: number, report: (p, m) => all.push({ step: p.step + 1, value: m.train_loss }) });
  const points = upTo === undefined ? all : all.slice(0, upTo);
  return {
    state: upTo === undefined ? 'complete' : 'running', readings: readingsOf(points, timeline, 'steps'), reached: upTo === undefined ? STEPS : points[points.length - 1].step,
    schedule: { number, config: JSON.stringify(c), timeline, points },
  };
}

// Five complete configs, and a nearly constant LR twenty times below their peak, clearly worse:
// the law stops it (law.test.ts) once it has points past the fit's cut.
const COMPLETE = [config({}), config({ max_lr: 0.005 }), config({ min_lr: 0.002 }), config({ first_cycle_steps: 200 }), config({ max_lr: 0.003, min_lr: 0.001 })]
  .map((c, i) => view(i + 1, c));
const SLOW = view(7, config({ max_lr: 0.0005, min_lr: 0.0004 }), 8);
const input: JudgeInput = { trial: SLOW, fresh: 1, others: COMPLETE, steps: STEPS, sign: 1 };
/** The law with its seed: each test its own seed, so its own history digest (the cache is the module's). */
const lawWithSeed = (seed: number) => prunerOf(prunerFlag(`law:seed=${seed}`, STEPS)!);

test('the law\'s fit in a fit thread equals the fit in this thread, bit for bit', async () => {
  const fitInput: LawFitInput = {
    steps: STEPS, seed: 3,
    trials: COMPLETE.map((t) => ({ config: t.schedule!.config, lr: t.schedule!.timeline.curve!(), loss: t.schedule!.points.map((p) => ({ step: p.step - 1, loss: p.value })) })),
  };
  const here = fitLawPruner(fitInput);
  assert.equal(here.ok, true, JSON.stringify(here));
  const there = await fitOffThread('law', fitInput);
  assert.deepStrictEqual(there, here); // numbers compared with Object.is: the same doubles
});

test('the live check\'s order (prepare, then judge) decides as judge alone does: the fit thread\'s fit is the one judge uses', async () => {
  const p = lawWithSeed(0);
  await prepare(p, input); // the real fit thread
  const live = judge(p, input);
  assert.match(live ?? '', /^law: its predicted final /);
  // The same history with the fit done here: the trials renumbered in the same order give the fit
  // the same input but another digest, not cached, so judge fits it on this thread.
  const renumbered = input.others.map((t) => ({ ...t, schedule: { ...t.schedule!, number: t.schedule!.number + 100 } }));
  const here = judge(p, { ...input, others: renumbered });
  assert.equal(here?.replace(/best complete trial 10(\d)/, 'best complete trial $1'), live);
  // And what prepare caches is what judge reads: a stand-in fit whose leave-one-out error is huge stops nothing.
  const o = lawWithSeed(2).options;
  let calls = 0;
  const standIn: LawFitRunner = async (fitInput) => {
    calls++;
    const real = fitLawPruner(fitInput);
    return real.ok ? { ...real, looError: 1e9 } : real;
  };
  await Promise.all([lawPrepare(standIn)(input, o), lawPrepare(standIn)(input, o), lawPrepare(standIn)(input, o)]);
  assert.equal(calls, 1, 'concurrent prepares of one history share one fit');
  assert.equal(law.judge(input, o), null);
  await lawPrepare(standIn)(input, o);
  assert.equal(calls, 1, 'a cached history is not fitted again');
});

test('a fit thread that fails keeps nothing: judge fits on this thread and decides as replay does; the run is told once', async () => {
  await assert.rejects(fitOffThread('nope' as FitJob, {} as never), /no fit job "nope" \(jobs: law, ranking\)/);
  const o = lawWithSeed(4).options;
  const notices: string[] = [];
  await lawPrepare(() => Promise.reject(new Error('the thread ran out of memory')))(input, o, { onNotice: (l) => notices.push(l) });
  await lawPrepare(() => Promise.reject(new Error('the thread ran out of memory')))(input, o, { onNotice: (l) => notices.push(l) });
  assert.deepEqual(notices, ["law pruner: its fit thread failed (the thread ran out of memory); fitting on the run's own thread instead (the run waits for each fit)"]);
  // Nothing cached: judge fits here and stops the trial, as it does with no prepare at all (replay).
  assert.match(law.judge(input, o) ?? '', /^law: /);
});

test('a fit past its deadline is a failed fit, said with the count it was on: nothing is stopped on that history', async () => {
  const o = lawWithSeed(6).options;
  const notices: string[] = [];
  const hung: LawFitRunner = (fitInput, t) => fitOffThread('law', fitInput, { ...t, deadlineMs: 1 });
  await lawPrepare(hung, 1)(input, o, { onNotice: (l) => notices.push(l) });
  assert.equal(notices.length, 1);
  assert.match(notices[0], /^law pruner: the fit on 5 complete trials took longer than 0 s: no trial is stopped on them \(the next doubling fits again\)$/);
  assert.equal(law.judge(input, o), null, 'the failure is cached: judge does not fit again here');
});

test('a run that stops ends the fit thread at once and keeps nothing; a fit waiting its turn is taken out of line', async () => {
  const o = lawWithSeed(7).options;
  const stop = new AbortController();
  const fitInput: LawFitInput = {
    steps: STEPS, seed: 9,
    trials: COMPLETE.map((t) => ({ config: t.schedule!.config, lr: t.schedule!.timeline.curve!(), loss: t.schedule!.points.map((p) => ({ step: p.step - 1, loss: p.value })) })),
  };
  const running = fitOffThread('law', fitInput, { signal: stop.signal });
  const prepared = lawPrepare((i, t) => fitOffThread('law', i, t))(input, o, { signal: stop.signal });
  stop.abort();
  await assert.rejects(running, FitStopped);
  assert.equal(await prepared, true);
  // Nothing kept: judge fits here (it stops the trial, as replay would).
  assert.match(law.judge(input, o) ?? '', /^law: /);
  await assert.rejects(fitOffThread('law', fitInput, { signal: stop.signal }), /the run stopped before the fit started/);
});
