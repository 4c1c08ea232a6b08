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
//   (sampler.py `sample_independent`). The seam may draw Sobol points instead (tpe-sampler.ts).
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
// - Univariate, as Optuna 3.x's default: one estimator pair and one candidate draw per parameter,
//   in the space's order. No multivariate variant (Optuna 4's default): ours (one kernel per
//   trial over all parameters, Optuna >= 3.5's per-dimension bandwidths) was measured by
//   `npm run bench search` over 60 seeds on its three objectives and did not help: better than
//   univariate on 33 seeds and worse on 27 on the quadratic trainer after 100 trials, but 22/38 on
//   the synthetic objective (stuck on a wrong categorical) and 17/38 on the MLP, so it was removed.
// - Numerics: truncated normal log-densities and quantiles in log space (truncnorm.ts, after
//   _truncnorm.py); erf from Cody's rational approximations (erf.ts).
// - The one difference from Debian's Optuna 3.1 that changes results: its truncated normal
//   log-density left out -log(sigma), so its float "densities" weighed each kernel by its
//   bandwidth (fixed in Optuna 3.5, commit 206e71923 "Fix logpdf for scaled truncnorm"). Ours is
//   a density, as Optuna >= 3.5's. Kernel centres, bandwidths, weights and int/categorical
//   probabilities equal 3.1's, and float densities equal 3.1's kernels with -log(sigma) put back
//   (test/sweep/samplers/tpe/parzen.test.ts). Measured over 60 seeds (`npm run bench search`, its
//   three objectives, best after 60 and 100 trials): the 3.1 form was better on 84 seeds and worse
//   on 81 after 60 trials, 78/90 after 100 (ahead on the synthetic objective, behind on the
//   quadratic trainer and the MLP): no gain, so the density proper is the only form.
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
