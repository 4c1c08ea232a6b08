# The Optuna side of `npm run bench search` (bench/search/optuna.ts starts it with /usr/bin/python3):
# Debian's Optuna 3.1 TPESampler and QMCSampler search each objective through study.ask/tell,
# and every value is asked of the Node process on the other end of the pipe, so both sides score
# configs with the one TypeScript objective (bench/search/objectives.ts).
# Protocol, one JSON object a line: stdin first gets {objectives, seeds, trials}; then for each
# trial this prints {"ask": objective, "params": {...}} and reads {"value": v}; it ends with
# {"done": {objective: {sampler: [[best after trial 1, 2, ...] per seed]}}, "suggestMs", "cpuSeconds", "version"}.
import json
import math
import sys
import time
import warnings

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def distributions(space):
    out = {}
    for p in space:
        if p["kind"] == "categorical":
            out[p["name"]] = CategoricalDistribution(p["choices"])
        elif p["kind"] == "int":
            out[p["name"]] = IntDistribution(p["low"], p["high"])
        else:
            out[p["name"]] = FloatDistribution(p["low"], p["high"], log=p.get("log", False))
    return out


def ask_value(objective, params):
    print(json.dumps({"ask": objective, "params": params}), flush=True)
    return json.loads(sys.stdin.readline())["value"]


SAMPLERS = {
    "TPESampler": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "QMCSampler(scramble=True)": lambda seed: optuna.samplers.QMCSampler(seed=seed, scramble=True),
}


def main():
    args = json.loads(sys.stdin.readline())
    done = {}
    for objective in args["objectives"]:
        dists = distributions(objective["space"])
        for label, make in SAMPLERS.items():
            curves = []
            for seed in range(1, args["seeds"] + 1):
                study = optuna.create_study(sampler=make(seed))
                best, curve = math.inf, []
                for _ in range(args["trials"]):
                    trial = study.ask(dists)
                    value = ask_value(objective["name"], trial.params)
                    study.tell(trial, value)
                    best = min(best, value)
                    curve.append(best)
                curves.append(curve)
            done.setdefault(objective["name"], {})[label] = curves
    ms = suggest_ms(args)
    print(json.dumps({"done": done, "suggestMs": ms, "cpuSeconds": time.process_time(), "version": optuna.__version__}), flush=True)


def suggest_ms(args):
    """One TPE suggestion (all parameters of the first objective) at `history` finished trials, values
    asked of Node: the median of `timed` after two unmeasured ones."""
    objective = args["objectives"][0]
    dists = distributions(objective["space"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(args["history"]):
        trial = study.ask(dists)
        study.tell(trial, ask_value(objective["name"], trial.params))
    study.sampler = optuna.samplers.TPESampler(seed=1)
    times = []
    for i in range(2 + args["timed"]):
        t0 = time.perf_counter()
        trial = study.ask(dists)
        if i >= 2:
            times.append(time.perf_counter() - t0)
        study.tell(trial, ask_value(objective["name"], trial.params))
    return sorted(times)[len(times) // 2] * 1000


main()
