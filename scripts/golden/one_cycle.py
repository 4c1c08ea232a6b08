#!/usr/bin/python3
"""Golden vectors for the one_cycle kind, recorded from the real torch.optim.lr_scheduler.OneCycleLR.

Run with Debian's python3-torch (1.13): /usr/bin/python3 scripts/golden/one_cycle.py
Writes test/fixtures/golden-one-cycle.json.gz: {"torch": version, "cases": [...]}, each case
{id, params (OneCycleLR's keyword arguments), optimizer ("sgd": momentum, "adam": betas[0]),
lrs, momenta (None without cycle_momentum), error (the call that raised, if one did),
misrounded}. misrounded lists, as [index, value], the values where torch's differs from the same
arithmetic with a correctly rounded cos (mpmath, 200 bits, rounded to nearest): there glibc's cos
is an ulp off, and lrsweep, whose cos rounds correctly, gives `value`. The script checks that the
same arithmetic with math.cos gives torch's every value, so that is the only difference.
lrs[0] and momenta[0] are the values right after construction; lrs[i] those after the i-th
step(). Each case steps total_steps times (the last call, the LR after the last training step,
is one a training loop makes), then once more, which torch refuses ("Tried to step ...").
Floats are written by json (repr: the shortest text that reads back to the same double).
"""
import gzip
import json
import os
import random
import warnings

import math

import mpmath
import torch

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "golden-one-cycle.json.gz")


mpmath.mp.prec = 200


def cos_rounded(x):
    return float(mpmath.cos(mpmath.mpf(x)))


def replay(params, total, cos):
    """OneCycleLR's get_lr for steps 0 .. total, with the given cos: (lrs, momenta)."""
    pct_start = params.get("pct_start", 0.3)
    max_lr = params["max_lr"]
    initial = max_lr / params.get("div_factor", 25.)
    low = initial / params.get("final_div_factor", 1e4)
    m_max, m_base = params.get("max_momentum", 0.95), params.get("base_momentum", 0.85)
    if params.get("three_phase", False):
        phases = [(float(pct_start * total) - 1, initial, max_lr, m_max, m_base),
                  (float(2 * pct_start * total) - 2, max_lr, initial, m_base, m_max),
                  (total - 1, initial, low, m_max, m_max)]
    else:
        phases = [(float(pct_start * total) - 1, initial, max_lr, m_max, m_base),
                  (total - 1, max_lr, low, m_base, m_max)]
    if params.get("anneal_strategy", "cos") == "cos":
        anneal = lambda a, b, pct: b + (a - b) / 2.0 * (cos(math.pi * pct) + 1)
    else:
        anneal = lambda a, b, pct: (b - a) * pct + a
    lrs, momenta = [], []
    for t in range(total + 1):
        start = 0
        for i, (end, l0, l1, m0, m1) in enumerate(phases):
            if t <= end or i == len(phases) - 1:
                pct = (t - start) / (end - start)
                lrs.append(anneal(l0, l1, pct))
                momenta.append(anneal(m0, m1, pct))
                break
            start = end
    return lrs, momenta


def record(cid, params, optimizer_kind):
    p = torch.nn.Parameter(torch.zeros(1))
    if optimizer_kind == "sgd":
        opt = torch.optim.SGD([p], lr=0.5, momentum=0.9)
    else:
        opt = torch.optim.Adam([p], lr=0.5)
    total = params.get("total_steps") or params["epochs"] * params["steps_per_epoch"]
    read_m = (lambda g: g["momentum"]) if optimizer_kind == "sgd" else (lambda g: g["betas"][0])
    cycle_m = params.get("cycle_momentum", True)
    lrs, momenta, error = [], [], None
    try:
        s = torch.optim.lr_scheduler.OneCycleLR(opt, **params)
        lrs.append(opt.param_groups[0]["lr"])
        momenta.append(read_m(opt.param_groups[0]))
        for call in range(total + 1):
            s.step()
            lrs.append(opt.param_groups[0]["lr"])
            momenta.append(read_m(opt.param_groups[0]))
    except (ZeroDivisionError, ValueError) as e:
        error = {"index": len(lrs), "type": type(e).__name__, "message": str(e)}
    misrounded = {"lrs": [], "momenta": []}
    if len(lrs) > total:  # every step of the cycle was made (the extra call raises)
        lrs_glibc, momenta_glibc = replay(params, total, math.cos)
        assert lrs_glibc == lrs[:total + 1], cid
        assert not cycle_m or momenta_glibc == momenta[:total + 1], cid
        lrs_cr, momenta_cr = replay(params, total, cos_rounded)
        misrounded["lrs"] = [[i, v] for i, v in enumerate(lrs_cr) if v != lrs[i]]
        if cycle_m:
            misrounded["momenta"] = [[i, v] for i, v in enumerate(momenta_cr) if v != momenta[i]]
    return {"id": cid, "params": params, "optimizer": optimizer_kind, "total": total,
            "lrs": lrs, "momenta": momenta if cycle_m else None, "error": error, "misrounded": misrounded}


def main():
    rng = random.Random(21)
    cases = []
    totals = [1, 2, 3, 4, 7, 10, 11, 37, 100, 1000]
    pcts = [0.0, 0.05, 0.1, 0.25, 0.3, 0.45, 0.5, 0.6, 0.75, 0.95, 1.0]
    for i in range(220):
        params = {
            "max_lr": rng.choice([0.1, 1.0, 3e-3, 0.7]),
            "total_steps": rng.choice(totals),
            "pct_start": rng.choice(pcts),
            "anneal_strategy": rng.choice(["cos", "cos", "linear"]),
            "three_phase": rng.random() < 0.4,
            "div_factor": rng.choice([25.0, 10.0, 3.3]),
            "final_div_factor": rng.choice([1e4, 100.0, 7.0]),
        }
        if rng.random() < 0.5:
            params["base_momentum"], params["max_momentum"] = rng.choice([(0.85, 0.95), (0.8, 0.99), (0.9, 0.9)])
        if rng.random() < 0.15:
            params["cycle_momentum"] = False
        opt = "adam" if rng.random() < 0.3 else "sgd"
        cases.append(record(f"one_cycle.{i}", params, opt))
    # epochs x steps_per_epoch, and long runs
    cases.append(record("one_cycle.epochs", {"max_lr": 0.1, "epochs": 7, "steps_per_epoch": 13}, "sgd"))
    cases.append(record("one_cycle.long", {"max_lr": 0.1, "total_steps": 6000}, "sgd"))
    cases.append(record("one_cycle.long.three", {"max_lr": 0.05, "total_steps": 5011, "pct_start": 0.27,
                                                  "three_phase": True}, "adam"))
    cases.append(record("one_cycle.long.linear", {"max_lr": 2.0, "total_steps": 3007, "pct_start": 0.4,
                                                   "anneal_strategy": "linear"}, "sgd"))
    with gzip.open(OUT, "wt", encoding="utf8") as f:
        json.dump({"torch": torch.__version__, "mpmath": mpmath.__version__, "script": "scripts/golden/one_cycle.py", "cases": cases}, f)
    print(f"{len(cases)} cases, torch {torch.__version__} -> {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
