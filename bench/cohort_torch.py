# PyTorch's figure for bench/cohort.ts: the same MLP (features-hidden...-classes, ReLU, softmax
# cross-entropy, SGD or momentum SGD with a per-step LR), one thread, trained (a) alone, as a
# PyTorch user writes it (nn.Sequential + torch.optim.SGD), and (b) K members in lockstep with
# stacked weights and torch.baddbmm, each member with its own LR. Both do what lrsweep's cohorts do
# besides the arithmetic: one shuffle per epoch (batches as contiguous slices of it), a per-member
# divergence mask (a member whose batch loss is not finite is not updated: its mates train on),
# the epoch's mean training loss and validation loss and accuracy per member, read back per epoch.
# Prints one JSON object: trial-steps per CPU second (time.process_time), the median of `reps`
# runs after a warm-up, as bench/cohort.ts times.
# Usage: /usr/bin/python3 bench/cohort_torch.py '{"features":20,"hidden":[64],"classes":3,"batch":32,
#   "rows":800,"val_rows":200,"epochs":10,"momentum":0,"ks":[16,64],"reps":5}'
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
a = json.loads(sys.argv[1])
features, hidden, classes, batch, rows, val_rows, epochs = (a[k] for k in ("features", "hidden", "classes", "batch", "rows", "val_rows", "epochs"))
momentum = a.get("momentum", 0)
reps = a.get("reps", 5)
g = torch.Generator().manual_seed(0)
x = torch.randn(rows, features, generator=g)
y = torch.randint(0, classes, (rows,), generator=g)
xv = torch.randn(val_rows, features, generator=g)
yv = torch.randint(0, classes, (val_rows,), generator=g)
per_epoch = math.ceil(rows / batch)
steps = epochs * per_epoch
sizes = [features, *hidden, classes]


def lr_at(step, member=0):
    return 0.05 * (1 + member / 64) * (0.5 + 0.5 * math.cos(step / steps * math.pi))


def alone():
    layers = []
    for i in range(len(sizes) - 1):
        layers += [torch.nn.Linear(sizes[i], sizes[i + 1]), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=momentum)
    lrs = [lr_at(s) for s in range(steps)]
    began = time.process_time()
    s = 0
    for _ in range(epochs):
        order = torch.randperm(rows, generator=g)
        xe, ye = x[order], y[order]
        losses = []
        for i in range(0, rows, batch):
            for group in opt.param_groups:
                group["lr"] = lrs[s]
            opt.zero_grad()
            loss = F.cross_entropy(model(xe[i:i + batch]), ye[i:i + batch])
            loss.backward()
            opt.step()
            losses.append(loss.detach())
            s += 1
        with torch.no_grad():
            logits = model(xv)
            train_loss = torch.stack(losses).mean().item()
            F.cross_entropy(logits, yv).item(), (logits.argmax(1) == yv).float().mean().item()
        if not math.isfinite(train_loss):
            break
    return steps / (time.process_time() - began)


def lockstep(k):
    params = []
    for i in range(len(sizes) - 1):
        params.append((torch.randn(k, sizes[i], sizes[i + 1], generator=g) * (2 / (sizes[i] + sizes[i + 1])) ** 0.5).requires_grad_())
        params.append(torch.zeros(k, 1, sizes[i + 1]).requires_grad_())
    velocity = [torch.zeros_like(p) for p in params]
    neg_lr = [torch.tensor([-lr_at(s, m) for m in range(k)]).view(k, 1, 1) for s in range(steps)]

    def forward(xb):
        h = xb.expand(k, *xb.shape)
        for i in range(0, len(params), 2):
            h = torch.baddbmm(params[i + 1], h, params[i])
            if i + 2 < len(params):
                h = torch.relu(h)
        return h

    began = time.process_time()
    s = 0
    for _ in range(epochs):
        order = torch.randperm(rows, generator=g)
        xe, ye = x[order], y[order]
        sums = torch.zeros(k)
        for i in range(0, rows, batch):
            xb, yb = xe[i:i + batch], ye[i:i + batch]
            n = xb.shape[0]
            logits = forward(xb)
            # Each member's mean loss over the batch; the gradient of their sum is each member's own.
            member_loss = F.cross_entropy(logits.reshape(k * n, classes), yb.repeat(k), reduction="none").view(k, n).mean(1)
            grads = torch.autograd.grad(member_loss.sum(), params)
            with torch.no_grad():
                # The divergence mask: a member whose loss is not finite is not updated (the
                # common case, every member finite, takes the unmasked update).
                finite = torch.isfinite(member_loss)
                rate = neg_lr[s]
                if not bool(finite.all()):
                    rate = rate * finite.to(rate.dtype).view(k, 1, 1)
                    grads = [torch.nan_to_num(gr) for gr in grads]
                for p, v, gr in zip(params, velocity, grads):
                    if momentum:
                        v.mul_(momentum).add_(gr)
                        p.addcmul_(rate, v)
                    else:
                        p.addcmul_(rate, gr)
                sums += member_loss.detach()
            s += 1
        with torch.no_grad():
            logits = forward(xv)
            val_loss = F.cross_entropy(logits.reshape(k * val_rows, classes), yv.repeat(k), reduction="none").view(k, val_rows).mean(1)
            accuracy = (logits.argmax(2) == yv).float().mean(1)
            (sums / per_epoch).tolist(), val_loss.tolist(), accuracy.tolist()
    return k * steps / (time.process_time() - began)


def median(f, *args):
    f(*args)  # warm-up
    runs = sorted(f(*args) for _ in range(reps))
    return runs[len(runs) // 2]


print(json.dumps({"torch": torch.__version__, "alone": median(alone), "lockstep": {str(k): median(lockstep, k) for k in a["ks"]}}))
