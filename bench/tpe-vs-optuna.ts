// Benchmark: lrsweep's TPE (src/sweep/samplers/tpe/) beside Debian's Optuna 3.1 TPESampler on the
// same synthetic objectives, computed the same way on both sides (the formulas are written once
// here and handed to Python as text). Best value after 30, 60 and 100 trials over 20 seeds:
// median [first quartile, third quartile]; and the time of one suggestion at 1,000 finished trials.
// Run alone (about two minutes): node --import tsx bench/tpe-vs-optuna.ts
// Needs /usr/bin/python3 with optuna (apt-get install -y python3-optuna); without it, ours only.

import { spawnSync } from 'node:child_process';
import { mulberry32 } from '../src/core/random.js';
import {
  type TpeOptions,
  type TpeSpace,
  type TpeTrial,
  type TpeValue,
  sampleUniform,
  suggestBatch,
  suggestTpe,
} from '../src/sweep/samplers/tpe/index.js';

const SEEDS = 20;
const CHECKPOINTS = [30, 60, 100];
const PYTHON = '/usr/bin/python3';

const SPACE: TpeSpace = [
  { name: 'x1', kind: 'float', low: -5, high: 10 },
  { name: 'x2', kind: 'float', low: 0, high: 15 },
  { name: 'lr', kind: 'float', low: 1e-5, high: 1, log: true },
  { name: 'n', kind: 'int', low: 1, high: 32 },
  { name: 'opt', kind: 'categorical', choices: ['sgd', 'adam', 'rmsprop'] },
];

/** Each objective as one expression, valid in both JavaScript and Python over p's fields. */
const OBJECTIVES: Record<string, string> = {
  // Minimum 0 at x1 = 1.3, x2 = 9.1, lr = 1e-3, n = 7, opt = adam.
  'shifted quadratic': '(x1 - 1.3)**2 / 4 + (x2 - 9.1)**2 / 4 + (log10(lr) + 3)**2 + ((n - 7) / 4)**2 + (0 if_adam 1)',
  // Branin (minimum 0 at three points) plus the same lr, n and opt terms.
  'branin + 3': '(x2 - 5.1 / (4 * PI**2) * x1**2 + 5 / PI * x1 - 6)**2 + 10 * (1 - 1 / (8 * PI)) * cos(x1) + 10 - 0.397887 + (log10(lr) + 3)**2 + ((n - 7) / 4)**2 + (0 if_adam 1)',
};

function jsObjective(expr: string): (p: Record<string, TpeValue>) => number {
  const body = expr.replace(/\(0 if_adam 1\)/, "(opt === 'adam' ? 0 : 1)");
  return new Function('p', `const { x1, x2, lr, n, opt } = p; const { log10, cos, PI } = Math; return ${body};`) as (
    p: Record<string, TpeValue>,
  ) => number;
}

const pyObjective = (expr: string) => expr.replace(/\(0 if_adam 1\)/, "(0 if opt == 'adam' else 1)");

type Run = (f: (p: Record<string, TpeValue>) => number, seed: number) => number[];

/** The running best after each trial. */
function bests(values: number[]): number[] {
  let b = Infinity;
  return values.map((v) => (b = Math.min(b, v)));
}

function ours(options: TpeOptions, batch = 1): Run {
  return (f, seed) => {
    const rng = mulberry32(seed);
    const history: TpeTrial[] = [];
    while (history.length < CHECKPOINTS.at(-1)!) {
      const configs = batch === 1 ? [suggestTpe(SPACE, history, options, rng)] : suggestBatch(SPACE, history, [], batch, options, rng);
      for (const params of configs) history.push({ params, value: f(params), state: 'complete' });
    }
    return bests(history.map((t) => t.value!));
  };
}

const random: Run = (f, seed) => {
  const rng = mulberry32(seed);
  return bests(Array.from({ length: CHECKPOINTS.at(-1)! }, () => f(Object.fromEntries(SPACE.map((p) => [p.name, sampleUniform(p, rng)])))));
};

function quartiles(xs: number[]): [number, number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = q * (s.length - 1);
    return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
  };
  return [at(0.25), at(0.5), at(0.75)];
}

function row(name: string, curves: number[][]): string {
  const cells = CHECKPOINTS.map((c) => {
    const [q1, m, q3] = quartiles(curves.map((curve) => curve[c - 1]));
    return `${m.toFixed(3)} [${q1.toFixed(3)}, ${q3.toFixed(3)}]`.padEnd(26);
  });
  return `${name.padEnd(44)}${cells.join('')}`;
}

const OPTUNA_SCRIPT = `
import json, math, sys, time
import optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
from math import log10, cos, pi as PI
args = json.loads(sys.argv[1])
out = {}
for name, expr in args['objectives'].items():
    f = eval('lambda x1, x2, lr, n, opt: ' + expr)
    def objective(t):
        return f(t.suggest_float('x1', -5, 10), t.suggest_float('x2', 0, 15), t.suggest_float('lr', 1e-5, 1, log=True),
                 t.suggest_int('n', 1, 32), t.suggest_categorical('opt', ['sgd', 'adam', 'rmsprop']))
    for label, make in [('TPESampler()', lambda s: optuna.samplers.TPESampler(seed=s)),
                        ('TPESampler(multivariate=True)', lambda s: optuna.samplers.TPESampler(seed=s, multivariate=True))]:
        curves = []
        for seed in range(1, args['seeds'] + 1):
            study = optuna.create_study(sampler=make(seed))
            study.optimize(objective, n_trials=args['trials'])
            best, curve = math.inf, []
            for t in study.trials:
                best = min(best, t.value)
                curve.append(best)
            curves.append(curve)
        out.setdefault(name, {})[label] = curves
# One suggestion at 1,000 finished trials (univariate TPE on the first objective).
f = eval('lambda x1, x2, lr, n, opt: ' + next(iter(args['objectives'].values())))
study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1, n_startup_trials=1000))
study.optimize(lambda t: f(t.suggest_float('x1', -5, 10), t.suggest_float('x2', 0, 15), t.suggest_float('lr', 1e-5, 1, log=True),
                           t.suggest_int('n', 1, 32), t.suggest_categorical('opt', ['sgd', 'adam', 'rmsprop'])), n_trials=1000)
study.sampler = optuna.samplers.TPESampler(seed=1)
t0 = time.perf_counter()
study.optimize(lambda t: f(t.suggest_float('x1', -5, 10), t.suggest_float('x2', 0, 15), t.suggest_float('lr', 1e-5, 1, log=True),
                           t.suggest_int('n', 1, 32), t.suggest_categorical('opt', ['sgd', 'adam', 'rmsprop'])), n_trials=5)
out['suggestMs'] = (time.perf_counter() - t0) * 1000 / 5
out['version'] = optuna.__version__
print(json.dumps(out))
`;

function optuna(): Record<string, unknown> | null {
  const r = spawnSync(
    PYTHON,
    ['-c', OPTUNA_SCRIPT, JSON.stringify({ objectives: Object.fromEntries(Object.entries(OBJECTIVES).map(([k, v]) => [k, pyObjective(v)])), seeds: SEEDS, trials: CHECKPOINTS.at(-1) })],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  if (r.status !== 0) {
    console.log(`(Optuna not run: ${PYTHON} failed: ${(r.stderr || String(r.error)).trim().split('\n').at(-1)})`);
    return null;
  }
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

function suggestMs(): number {
  const f = jsObjective(Object.values(OBJECTIVES)[0]);
  const rng = mulberry32(1);
  const history: TpeTrial[] = [];
  for (let i = 0; i < 1000; i++) {
    const params = Object.fromEntries(SPACE.map((p) => [p.name, sampleUniform(p, rng)]));
    history.push({ params, value: f(params), state: 'complete' });
  }
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) suggestTpe(SPACE, history, {}, rng);
  return (performance.now() - t0) / 5;
}

export function benchTpeVsOptuna(): void {
  const theirs = optuna();
  for (const [name, expr] of Object.entries(OBJECTIVES)) {
    const f = jsObjective(expr);
    console.log(`\n== ${name}: best after ${CHECKPOINTS.join(' / ')} trials, ${SEEDS} seeds, median [quartiles] ==`);
    console.log(''.padEnd(44) + CHECKPOINTS.map((c) => `after ${c}`.padEnd(26)).join(''));
    const runs: [string, Run][] = [
      ['lrsweep random', random],
      ['lrsweep TPE', ours({})],
      ['lrsweep TPE legacyDensity', ours({ legacyDensity: true })],
      ['lrsweep TPE multivariate', ours({ multivariate: true })],
      ['lrsweep TPE, batches of 4 (liar)', ours({}, 4)],
      ['lrsweep TPE, batches of 4, no liar', ours({ constantLiar: false }, 4)],
    ];
    for (const [label, run] of runs) {
      console.log(row(label, Array.from({ length: SEEDS }, (_, i) => run(f, i + 1))));
    }
    const o = theirs?.[name] as Record<string, number[][]> | undefined;
    for (const [label, curves] of Object.entries(o ?? {})) console.log(row(`Optuna ${theirs!.version} ${label}`, curves));
  }
  console.log(`\none suggestion at 1,000 finished trials: lrsweep ${suggestMs().toFixed(1)} ms` + (theirs ? `, Optuna ${theirs.version} ${(theirs.suggestMs as number).toFixed(1)} ms` : ''));
}

if (import.meta.url === `file://${process.argv[1]}`) benchTpeVsOptuna();
