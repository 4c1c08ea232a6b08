#!/usr/bin/env python3
"""Golden values of cos rounded correctly (mpmath at 200 bits, rounded to nearest) for
assembly/cos-rounded.ts, the one cos of the kinds with their own kernel (timm_cosine,
hf_cosine_restarts, wsd, one_cycle): arguments of the ranges those kernels call it with
(pi * pct for pct in [0, 1], pi * t_curr / t_i, pi * num_cycles * 2 * progress up to 2^19 * pi),
seeded, and from a larger seeded draw the arguments whose cos lies nearest a rounding boundary
(the midpoint between two doubles): where a cos that is only nearly correctly rounded would
round the wrong way.

Usage: python3 scripts/golden/cos_rounded.py  (writes test/fixtures/golden-cos-rounded.json.gz)
"""
import gzip
import json
import math
import random

import mpmath

mpmath.mp.prec = 200
rng = random.Random(20261207)


def rounded(x):
    return float(mpmath.cos(mpmath.mpf(x)))


def hardness(x):
    """Distance of cos(x) from the nearest rounding midpoint, in ulps (0: on it)."""
    c = mpmath.cos(mpmath.mpf(x))
    f = float(c)
    frac = float((c - mpmath.mpf(f)) / mpmath.mpf(math.ulp(f))) if f != 0 else 0.5
    return 0.5 - abs(frac)


def draw():
    r = rng.random()
    if r < 0.5:
        return math.pi * rng.random()                      # pi * pct
    if r < 0.8:
        return math.pi * rng.random() * rng.choice([2, 8, 64])  # several cycles
    return math.pi * rng.random() * 2 ** 19                   # far arguments


plain = [draw() for _ in range(4000)]
pool = [draw() for _ in range(200_000)]
hard = sorted(pool, key=hardness)[:4000]
edges = [0.0, math.pi / 4, math.pi / 2, math.pi, 3 * math.pi / 2, 2 * math.pi, 1e-9, 1e-300, 2 ** 19 * math.pi]
args = edges + plain + hard
cases = [[x.hex(), rounded(x).hex()] for x in args]
with gzip.open("test/fixtures/golden-cos-rounded.json.gz", "wt") as f:
    json.dump({"mpmath": mpmath.__version__, "prec": 200, "script": "scripts/golden/cos_rounded.py",
               "hardest_ulps_from_midpoint": hardness(hard[0]), "cases": cases}, f)
print(len(cases), "cases; hardest", hardness(hard[0]), "ulp from a midpoint")
