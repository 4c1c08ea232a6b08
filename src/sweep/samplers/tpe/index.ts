// TPE, the Tree-structured Parzen Estimator: a pure function from (space, history, options, rng)
// to the next configuration. No storage, no clock, no global state: the sampler seam
// (src/sweep/samplers/) rebuilds the history from storage and calls it, so the same stored
// history, options and seed give the same suggestion on any machine.
//
// Written from Optuna's published design (MIT; Optuna 3.1 for the rules, with later fixes where
// noted); nothing is copied. Files: space.ts (parameters, kernel space, uniform draws),
// history.ts (ranking, gamma, weights), parzen.ts (the estimator), truncnorm.ts and erf.ts (the
// kernels' numerics), tpe.ts (suggestTpe, suggestBatch).
//
// ## The algorithm, and where each rule comes from (files under optuna/samplers/_tpe/)
// - Startup: until `startupTrials` (10) trials have finished, each parameter is drawn uniformly
//   in kernel space (log-uniform on a log scale), as TPESampler falls back to RandomSampler
//   (sampler.py `sample_independent`). The seam may pass startupTrials: 0 and draw Sobol points.
// - Split: complete trials rank by value, then pruned ones (later step first, then their last
//   value), then diverged ones, then running ones; the first gamma(n) = min(ceil(0.1 n), 25) of the
//   n finished trials are "good" (sampler.py `default_gamma`, `_split_trials`). Failed trials are
//   left out, as Optuna leaves FAIL out. Diverged trials are our addition (history.ts says why).
// - Weights: each side's trials in trial order weigh 1, past 25 the older ones ramp from 1/n to 1
//   (sampler.py `default_weights`); a prior kernel of weight 1 is added (prior_weight = 1.0).
// - Kernels (parzen_estimator.py `_ParzenEstimator`, 3.1): numbers get truncated normals on
//   [low, high] in kernel space (log space for a log scale), centred on each trial's value, plus
//   a prior centred mid-range with the whole range as bandwidth. Bandwidth: the larger gap to the
//   neighbouring centres (the prior's among them), the outermost two taking their inner gap
//   (consider_endpoints = False), clipped to [range / min(100, kernels + 1), range] (the magic
//   clip). Ints: kernel space widened by 1/2 on each side; a draw is rounded; an int's
//   probability is the kernel's mass on [v - 1/2, v + 1/2] (Optuna 4's discretised kernels,
//   probability_distributions.py; 3.1 used the density for log ints). Categoricals: each trial's
//   kernel gives prior_weight / kernels to every choice and 1 more to its own, normalised; the
//   prior kernel is uniform.
// - Suggestion: draw eiCandidates (24) candidates from l(x), the good trials' estimator; keep the
//   first with the largest log l(x) - log g(x), g(x) being the rest's (sampler.py `_sample`,
//   `_compute_acquisition_func`, `_compare`).
// - Univariate (the default, Optuna 3.x's): one estimator pair and one candidate draw per
//   parameter, in the space's order. Multivariate (options.multivariate, Optuna 4's default):
//   one estimator over all parameters, a kernel per trial holding its values together, with the
//   same per-dimension bandwidths (Optuna >= 3.5 uses these too; 3.1 used Scott's rule instead).
// - Numerics: truncated normal log-densities and quantiles in log space (truncnorm.ts, after
//   _truncnorm.py); erf from Cody's rational approximations (erf.ts).
// - Differences from Debian's Optuna 3.1 that change results: its truncated normal log-density
//   left out -log(sigma) (fixed in Optuna 3.5, commit 206e71923 "Fix logpdf for scaled
//   truncnorm"); we include it by default, and options.legacyDensity leaves it out as 3.1 did.
//   Kernel centres, bandwidths, int/categorical probabilities and (with legacyDensity) float
//   densities equal 3.1's (test/sweep/samplers/tpe/parzen.test.ts). Measured (bench/
//   tpe-vs-optuna.ts, 20 seeds, best after 60, univariate): the 3.1 form does better on both
//   objectives there (shifted quadratic median 0.66 against 1.22; Optuna 3.1 0.53), so which form
//   is the default is still open.
//
// ## Direction, parallel suggestions, determinism
// - TPE minimizes: the caller negates the objective of a maximize sweep.
// - The liar: `suggestBatch` (and any history holding running trials) uses Optuna's constant
//   liar (constant_liar = True): a running trial ranks behind every finished one, so it always
//   sits in g(x) and the next suggestion moves away from it. That is a liar equal to the worst
//   value seen, ties broken against the running trial (Optuna 3.x gives running trials +inf).
// - Deterministic for the same space order, history order, options and rng (the caller seeds
//   src/core/random.ts's mulberry32). Parameters with one possible value use no random number.
// - A trial value outside the space (a changed file) does not inform that parameter's model.
//
// ## Not implemented
// Multi-objective TPE, constraints (c-TPE), `group` (dynamic, conditional search spaces: the
// space here is fixed), user gamma/weights functions, hyperopt's parameters, float `step`.

export { suggestTpe, suggestBatch, TPE_DEFAULTS, type TpeOptions } from './tpe.js';
export { defaultGamma, defaultWeights, type TpeTrial, type TpeTrialState } from './history.js';
export { checkSpace, sampleUniform, type TpeParam, type TpeSpace, type TpeValue } from './space.js';
