# Optuna 3.1's MedianPruner and SuccessiveHalvingPruner fed recorded learning curves, for
# `npm run bench pruning`: one in-memory study per pruner, trials asked in number order, each
# reporting its recorded points (step, value) until should_prune() says stop. Reads
# {"pruners": [{"name", "kind", ...options}], "trials": [{"number", "points": [[step, value]...], "final"}]}
# on stdin; writes {name: {number: step where pruned}} on stdout.
import json
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def pruner_of(p):
    if p['kind'] == 'median':
        return optuna.pruners.MedianPruner(n_startup_trials=p['startup_trials'], n_warmup_steps=p['warmup_steps'], n_min_trials=p['min_trials'])
    return optuna.pruners.SuccessiveHalvingPruner(min_resource=p['min_resource'], reduction_factor=p['reduction'], min_early_stopping_rate=0)


def main():
    req = json.load(sys.stdin)
    out = {}
    for p in req['pruners']:
        study = optuna.create_study(direction=req['direction'], pruner=pruner_of(p))
        pruned = {}
        for t in req['trials']:
            trial = study.ask()
            stopped = False
            for step, value in t['points']:
                if value is None:
                    continue
                trial.report(value, step)
                if step < req['steps'] and trial.should_prune():
                    study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                    pruned[t['number']] = step
                    stopped = True
                    break
            if not stopped:
                if t['final'] is None:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                else:
                    study.tell(trial, t['final'])
        out[p['name']] = pruned
    json.dump(out, sys.stdout)


main()
