#!/usr/bin/python3
"""Golden vectors for the timm_cosine, hf_cosine_restarts and wsd kinds, made by running the
references' own code on a real PyTorch SGD optimizer and reading param_group['lr'] back.

timm and transformers are not installable here, so their source is executed from checkouts
outside this repository (pinned commits below; override the folders with TIMM_SRC and HF_SRC):
  timm:         huggingface/pytorch-image-models @ aa4b5850c1543fa488abf260f18390eda46cf85d,
                timm/scheduler/scheduler.py and timm/scheduler/cosine_lr.py, unchanged. The
                stubs: empty `timm` and `timm.scheduler` packages in sys.modules, so cosine_lr's
                `from .scheduler import Scheduler` finds scheduler.py (nothing else of timm runs).
  transformers: optimization_schedules.py, the verbatim text of the four functions (two lambdas,
                two constructors) of src/transformers/optimization.py; its header names the
                commits. The stub: only those functions, with their own imports (math, partial,
                warnings, torch's LambdaLR); the rest of optimization.py imports transformers'
                package internals we do not need.

Usage: kinds.py OUT.json.gz       writes the vectors
       kinds.py --bench STEPS      prints each reference's time for STEPS steps of its own loop (JSON;
                                   the schedules are those of bench/curve-kinds.ts for 10^6 steps),
                                   and why a reference whose source is absent was skipped

Sequence convention (as /work/shared/golden's README): lrs[i] is the LR the optimizer holds for
training step i: lrs[0] right after construction, lrs[i] after the scheduler was told of step i
(timm: step_update(i) per update and step(epoch + 1) at each epoch's end, as timm's train.py
calls them; Hugging Face: LambdaLR.step()). When the reference raises, `error` says at which
index and why, and lrs stops there.
"""
import gzip
import importlib.util
import json
import math
import os
import random
import sys
import time
import types

import torch

TIMM_COMMIT = "aa4b5850c1543fa488abf260f18390eda46cf85d"
HF_COMMITS = {
    "hard_restarts": "huggingface/transformers@ad1fc9639f2e7b6808a2ca982c0a9b3134d76ee8",
    "wsd": "cyyever/transformers@7dcb755c5d855541039ef0d9bb8c934feac27356",
}
TIMM_SRC = os.environ.get("TIMM_SRC", "/work/refs/timm-aa4b5850")
HF_SRC = os.environ.get("HF_SRC", "/work/refs/transformers")


def load(name, path, package=None):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    if package:
        module.__package__ = package
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_timm():
    for pkg in ("timm", "timm.scheduler"):
        stub = types.ModuleType(pkg)
        stub.__path__ = []  # a package, empty
        sys.modules[pkg] = stub
    load("timm.scheduler.scheduler", os.path.join(TIMM_SRC, "scheduler.py"), "timm.scheduler")
    return load("timm.scheduler.cosine_lr", os.path.join(TIMM_SRC, "cosine_lr.py"), "timm.scheduler").CosineLRScheduler


# Why a reference's source cannot be loaded (None: it can). --bench times the references it has
# and names the others; the golden vectors need both.
TIMM_ABSENT = None if os.path.isfile(os.path.join(TIMM_SRC, "cosine_lr.py")) else f"timm's source is not at {TIMM_SRC} (set TIMM_SRC)"
HF_ABSENT = None if os.path.isfile(os.path.join(HF_SRC, "optimization_schedules.py")) else f"transformers' source is not at {HF_SRC} (set HF_SRC)"
CosineLRScheduler = load_timm() if TIMM_ABSENT is None else None
hf = load("hf_optimization_schedules", os.path.join(HF_SRC, "optimization_schedules.py")) if HF_ABSENT is None else None


def optimizer(lr):
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)


def timm_lrs(p, n):
    """The timm training loop: step_update after each update, step(epoch + 1) after each epoch."""
    opt = optimizer(p["lr"])
    kw = {k: v for k, v in p.items() if k not in ("lr", "updates_per_epoch")}
    sched = CosineLRScheduler(opt, **kw)
    upe = p.get("updates_per_epoch", 1)
    lrs, updates, epoch = [], 0, 0
    try:
        while True:
            for _ in range(upe):
                lrs.append(opt.param_groups[0]["lr"])
                if len(lrs) == n:
                    return lrs, None
                updates += 1
                sched.step_update(num_updates=updates)
            sched.step(epoch + 1)
            epoch += 1
    except Exception as e:  # the reference raised: recorded
        return lrs, {"index": len(lrs), "type": type(e).__name__, "message": str(e)}


def lambda_lrs(make, p, n):
    opt = optimizer(p["lr"])
    sched = make(opt, **{k: v for k, v in p.items() if k != "lr"})
    lrs = []
    try:
        for i in range(n):
            lrs.append(opt.param_groups[0]["lr"])
            if i + 1 < n:
                sched.step()
    except Exception as e:
        return lrs, {"index": len(lrs), "type": type(e).__name__, "message": str(e)}
    return lrs, None


def timm_cases():
    fixed = [
        ("default", dict(lr=0.1, t_initial=100, t_in_epochs=False), 250),
        ("floored-log-242", dict(lr=0.1, t_initial=2, cycle_mul=3.0, cycle_limit=10, t_in_epochs=False), 400),
        ("floored-log-242.limit1", dict(lr=0.1, t_initial=2, cycle_mul=3.0, t_in_epochs=False), 300),
        ("mul2.decay.warmup", dict(lr=0.1, t_initial=20, lr_min=1e-4, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=5,
                                   warmup_t=5, warmup_lr_init=1e-5, t_in_epochs=False), 400),
        ("mul2.decay.warmup.prefix", dict(lr=0.1, t_initial=20, lr_min=1e-4, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=5,
                                          warmup_t=5, warmup_lr_init=1e-5, warmup_prefix=True, t_in_epochs=False), 400),
        ("k2.mul1", dict(lr=0.05, t_initial=50, lr_min=1e-4, cycle_limit=3, k_decay=2.0, t_in_epochs=False), 200),
        ("k0.5.mul1.5", dict(lr=0.05, t_initial=10, lr_min=1e-3, cycle_mul=1.5, cycle_limit=6, k_decay=0.5, t_in_epochs=False), 300),
        ("epochs.upe7", dict(lr=0.1, t_initial=10, lr_min=1e-5, cycle_limit=2, warmup_t=2, warmup_lr_init=1e-4,
                             updates_per_epoch=7, t_in_epochs=True), 250),
        ("epochs.upe1.mul1.7", dict(lr=0.1, t_initial=3, cycle_mul=1.7, cycle_limit=8, t_in_epochs=True), 120),
        ("shrinking.limit", dict(lr=0.1, t_initial=64, cycle_mul=0.5, cycle_limit=100, t_in_epochs=False), 200),
        ("shrinking.warmup.prefix", dict(lr=0.1, t_initial=30, cycle_mul=0.75, cycle_limit=100, warmup_t=4,
                                         warmup_prefix=True, t_in_epochs=False), 200),
        ("cycle_limit0", dict(lr=0.1, t_initial=10, lr_min=0.01, cycle_limit=0, warmup_t=3, t_in_epochs=False), 30),
        ("warmup.no-prefix.mul1", dict(lr=0.2, t_initial=25, lr_min=0.002, cycle_limit=4, warmup_t=10,
                                       warmup_lr_init=0.01, t_in_epochs=False), 120),
        ("min-above-lr", dict(lr=0.001, t_initial=10, lr_min=0.01, cycle_limit=2, t_in_epochs=False), 40),
        ("long.mul1.3", dict(lr=0.1, t_initial=7, lr_min=1e-6, cycle_mul=1.3, cycle_decay=0.9, cycle_limit=40,
                             warmup_t=3, warmup_lr_init=1e-6, k_decay=1.5, t_in_epochs=False), 5000),
    ]
    rng = random.Random(21)
    for j in range(24):
        p = dict(lr=rng.choice([0.1, 0.03, 1e-3, 0.5]), t_initial=rng.randint(1, 60),
                 lr_min=rng.choice([0.0, 1e-5, 1e-3]), cycle_mul=rng.choice([1.0, 1.0, 2.0, 3.0, 1.5, 1.25, 2.7]),
                 cycle_decay=rng.choice([1.0, 0.5, 0.8]), cycle_limit=rng.choice([1, 3, 10, 1000]),
                 warmup_t=rng.choice([0, 0, 3, 10]), warmup_lr_init=rng.choice([0.0, 1e-6, 1e-4]),
                 warmup_prefix=rng.choice([False, True]), k_decay=rng.choice([1.0, 1.0, 2.0, 0.7]),
                 t_in_epochs=rng.choice([False, True]))
        if p["t_in_epochs"]:
            p["updates_per_epoch"] = rng.choice([1, 3, 10])
        fixed.append((f"random{j}", p, rng.choice([100, 300, 1000])))
    for name, p, n in fixed:
        yield f"timm_cosine.{name}", "timm_cosine", p, timm_lrs(p, n), n


def restarts_cases():
    fixed = [
        ("w10.T100.c3", dict(lr=0.1, num_warmup_steps=10, num_training_steps=100, num_cycles=3), 120),
        ("w0.T50.c1", dict(lr=5e-5, num_warmup_steps=0, num_training_steps=50, num_cycles=1), 60),
        ("negative-cycles", dict(lr=0.1, num_warmup_steps=5, num_training_steps=60, num_cycles=-2), 70),
        ("fractional-cycles", dict(lr=0.1, num_warmup_steps=3, num_training_steps=40, num_cycles=2.5), 45),
        ("warmup-past-total", dict(lr=0.1, num_warmup_steps=20, num_training_steps=10, num_cycles=2), 30),
        ("T7.c5", dict(lr=0.3, num_warmup_steps=1, num_training_steps=7, num_cycles=5), 12),
        ("c0", dict(lr=0.1, num_warmup_steps=2, num_training_steps=20, num_cycles=0), 25),
        ("long", dict(lr=3e-4, num_warmup_steps=500, num_training_steps=10000, num_cycles=7), 10100),
    ]
    rng = random.Random(2112)
    for j in range(10):
        T = rng.randint(1, 400)
        fixed.append((f"random{j}", dict(lr=rng.choice([0.1, 2e-5, 1.0]), num_warmup_steps=rng.randint(0, T // 2),
                                          num_training_steps=T, num_cycles=rng.choice([1, 2, 3, 4, 1.5, 10, -1])), T + 10))
    for name, p, n in fixed:
        yield f"hf_cosine_restarts.{name}", "hf_cosine_restarts", p, lambda_lrs(hf.get_cosine_with_hard_restarts_schedule_with_warmup, p, n), n


def wsd_cases():
    fixed = []
    for wt in ("linear", "cosine", "1-sqrt"):
        for dt in ("linear", "cosine", "1-sqrt"):
            fixed.append((f"{wt}.{dt}", dict(lr=0.1, num_warmup_steps=10, num_decay_steps=30, num_training_steps=100,
                                            warmup_type=wt, decay_type=dt, min_lr_ratio=0.1), 110))
    fixed += [
        ("defaults", dict(lr=1e-3, num_warmup_steps=5, num_decay_steps=20, num_training_steps=60), 70),
        ("stable-given", dict(lr=1e-3, num_warmup_steps=5, num_decay_steps=20, num_stable_steps=7), 40),
        ("both-given", dict(lr=1e-3, num_warmup_steps=5, num_decay_steps=20, num_training_steps=100, num_stable_steps=7), 40),
        ("negative-derived-stable", dict(lr=0.1, num_warmup_steps=10, num_decay_steps=30, num_training_steps=30,
                                         decay_type="linear"), 40),
        ("negative-min-ratio", dict(lr=0.1, num_warmup_steps=10, num_decay_steps=20, num_training_steps=50,
                                    warmup_type="cosine", min_lr_ratio=-0.5), 60),
        ("cycles1.5", dict(lr=0.1, num_warmup_steps=0, num_decay_steps=40, num_training_steps=60, num_cycles=1.5,
                           min_lr_ratio=0.05), 70),
        ("warmup-past-total", dict(lr=0.1, num_warmup_steps=50, num_decay_steps=10, num_training_steps=40), 70),
        ("min-ratio-above-1", dict(lr=0.1, num_warmup_steps=4, num_decay_steps=6, num_training_steps=20, min_lr_ratio=1.5,
                                   warmup_type="1-sqrt", decay_type="1-sqrt"), 25),
        ("long", dict(lr=3e-4, num_warmup_steps=2000, num_decay_steps=3000, num_training_steps=10000,
                      decay_type="1-sqrt", min_lr_ratio=0.01), 10050),
    ]
    rng = random.Random(4242)
    for j in range(10):
        T = rng.randint(3, 300)
        w, d = rng.randint(0, T // 3), rng.randint(0, T // 2)
        fixed.append((f"random{j}", dict(lr=rng.choice([0.1, 2e-5, 1.0]), num_warmup_steps=w, num_decay_steps=d,
                                          num_training_steps=T, warmup_type=rng.choice(["linear", "cosine", "1-sqrt"]),
                                          decay_type=rng.choice(["linear", "cosine", "1-sqrt"]),
                                          min_lr_ratio=rng.choice([0.0, 0.1, 0.3]),
                                          num_cycles=rng.choice([0.5, 0.5, 1.0, 0.25])), T + 5))
    for name, p, n in fixed:
        yield f"wsd.{name}", "wsd", p, lambda_lrs(hf.get_wsd_schedule, p, n), n


def timm_direct():
    """timm's _get_lr(t) called directly at far steps (no stepping from 0): each value or error."""
    points = [
        (dict(lr=0.1, t_initial=3, cycle_mul=1.1, cycle_limit=1000, k_decay=1.5, t_in_epochs=False),
         [7246189263975, 7246189263976, 7246189263977]),
        (dict(lr=0.1, t_initial=2, cycle_mul=3.0, cycle_limit=100, t_in_epochs=False), [242, 728, 2186, 6560, 3 ** 20 - 1]),
        (dict(lr=0.1, t_initial=7, lr_min=1e-6, cycle_mul=1.3, cycle_decay=0.9, cycle_limit=400, k_decay=2.0, t_in_epochs=False),
         [10 ** 6 + 7, 10 ** 9 + 3, 10 ** 12 + 1]),
    ]
    out = []
    for p, ts in points:
        opt = optimizer(p["lr"])
        sched = CosineLRScheduler(opt, **{k: v for k, v in p.items() if k != "lr"})
        for t in ts:
            try:
                out.append({"kind": "timm_cosine", "params": p, "t": t, "lr": sched._get_lr(t)[0]})
            except Exception as e:
                out.append({"kind": "timm_cosine", "params": p, "t": t, "error": {"type": type(e).__name__, "message": str(e)}})
    return out


def write(out):
    for why in (TIMM_ABSENT, HF_ABSENT):
        if why:
            sys.exit(f"kinds.py: {why}: the golden vectors need both references")
    cases = []
    for gen in (timm_cases, restarts_cases, wsd_cases):
        for cid, kind, p, (lrs, error), n in gen():
            case = {"id": cid, "kind": kind, "params": p, "requested_n": n, "n": len(lrs), "lrs": lrs}
            if error:
                case["error"] = error
            cases.append(case)
    doc = {
        "made_by": "scripts/golden/kinds.py",
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "timm": f"huggingface/pytorch-image-models@{TIMM_COMMIT}",
        "transformers": HF_COMMITS,
        "cases": cases,
        "direct": timm_direct(),
    }
    # repr() of a float is its shortest round-trip text, as JSON.parse reads it back
    with gzip.open(out, "wt") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"{len(cases)} cases to {out}")


def bench(steps, total=1_000_000):
    """Each reference's own stepping loop for `steps` steps, seconds (one run: 10^6 steps take seconds)."""
    def best(run):
        times = []
        for _ in range(1):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return min(times)

    def timm_run():
        opt = optimizer(0.1)
        s = CosineLRScheduler(opt, t_initial=total // 7, lr_min=1e-5, cycle_mul=2.0, cycle_limit=10, warmup_t=100,
                              warmup_lr_init=1e-6, t_in_epochs=False)
        for u in range(1, steps):
            s.step_update(num_updates=u)

    def lambda_run(make, **kw):
        def run():
            opt = optimizer(0.1)
            s = make(opt, **kw)
            for _ in range(1, steps):
                s.step()
        return run

    out, skipped = {}, {}
    if TIMM_ABSENT is None:
        out["timm_cosine"] = best(timm_run)
    else:
        skipped["timm_cosine"] = TIMM_ABSENT
    if HF_ABSENT is None:
        out["hf_cosine_restarts"] = best(lambda_run(hf.get_cosine_with_hard_restarts_schedule_with_warmup,
                                                    num_warmup_steps=total // 100, num_training_steps=total, num_cycles=5))
        out["wsd"] = best(lambda_run(hf.get_wsd_schedule, num_warmup_steps=total // 100, num_decay_steps=total // 5,
                                     num_training_steps=total, decay_type="cosine", min_lr_ratio=0.01))
    else:
        skipped["hf_cosine_restarts"] = skipped["wsd"] = HF_ABSENT
    print(json.dumps({"steps": steps, "seconds": out, "skipped": skipped}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--bench":
        bench(int(sys.argv[2]))
    elif len(sys.argv) == 2:
        write(sys.argv[1])
    else:
        sys.exit(__doc__)
