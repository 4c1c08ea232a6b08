# PyTorch's figure for bench/cohort.ts: the same MLP (features-hidden-classes, ReLU, softmax
# cross-entropy, SGD with a per-step LR), one thread, trained (a) alone, as a PyTorch user writes
# it (nn.Sequential + torch.optim.SGD), and (b) K members in lockstep with stacked weights and
# torch.baddbmm, each member with its own LR. Prints one JSON object: trial-steps per second,
# the median of 5 runs after a warm-up, per CPU second (time.process_time), as bench/cohort.ts times.
# Usage: /usr/bin/python3 bench/cohort_torch.py '{"features":20,"hidden":64,"classes":3,"batch":32,"rows":800,"steps":250,"lockstep":[16]}'
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
a = json.loads(sys.argv[1])
features, hidden, classes, batch, rows, steps = (a[k] for k in ("features", "hidden", "classes", "batch", "rows", "steps"))
g = torch.Generator().manual_seed(0)
x = torch.randn(rows, features, generator=g)
y = torch.randint(0, classes, (rows,), generator=g)
batches = [(x[i:i + batch], y[i:i + batch]) for i in range(0, rows, batch)]


def lr_at(step, member=0):
    return 0.05 * (1 + member / 64) * (0.5 + 0.5 * torch.cos(torch.tensor(step / steps * 3.14159)).item())


def alone():
    model = torch.nn.Sequential(torch.nn.Linear(features, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, classes))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    lrs = [lr_at(s) for s in range(steps)]
    began = time.process_time()
    for s in range(steps):
        xb, yb = batches[s % len(batches)]
        for group in opt.param_groups:
            group["lr"] = lrs[s]
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
    return steps / (time.process_time() - began)


def lockstep(k):
    def stacked(*shape):
        return (torch.randn(k, *shape, generator=g) * 0.1).requires_grad_()
    params = [stacked(features, hidden), stacked(1, hidden), stacked(hidden, classes), stacked(1, classes)]
    w1, b1, w2, b2 = params
    neg_lr = [torch.tensor([-lr_at(s, m) for m in range(k)]).view(k, 1, 1) for s in range(steps)]
    began = time.process_time()
    for s in range(steps):
        xb, yb = batches[s % len(batches)]
        n = xb.shape[0]
        h = torch.relu(torch.baddbmm(b1, xb.expand(k, n, features), w1))
        logits = torch.baddbmm(b2, h, w2)
        # Each member's mean loss over the batch; the gradient of their sum is each member's own.
        loss = F.cross_entropy(logits.reshape(k * n, classes), yb.repeat(k), reduction="none").view(k, n).mean(1).sum()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, gr in zip(params, grads):
                p.add_(neg_lr[s] * gr)
    return k * steps / (time.process_time() - began)


def median(f, *args):
    f(*args)  # warm-up
    return sorted(f(*args) for _ in range(5))[2]


print(json.dumps({"torch": torch.__version__, "alone": median(alone), "lockstep": {str(k): median(lockstep, k) for k in a["lockstep"]}}))
