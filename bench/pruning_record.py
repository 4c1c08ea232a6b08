# Records learning curves for `npm run bench pruning` (bench/pruning-record.ts drives it): a small
# character-level language model (an MLP over the previous 6 characters, Bengio-style) trained
# with SGD + momentum on Debian's license texts, one trial per (config, repeat), each step's LR
# given by lrsweep (the config's exact curve). Common random numbers: repeat r of every config
# starts from the same weights and sees the same batches (seed r), so configs differ only in
# their LR curve. Every trial trains in lockstep as one batched computation (one model per
# trial, stacked; each its own LR), since one small model a step is all Python overhead.
# Reads the request as JSON on stdin, writes the curves as JSON on stdout.
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

CONTEXT = 6
EMBED = 16
HIDDEN = 64
BATCH = 32
VALIDATION = 1000
MOMENTUM = 0.9
TEXTS = ['GPL-3', 'Apache-2.0', 'GFDL-1.3', 'Artistic', 'CC0-1.0', 'MPL-2.0', 'LGPL-3']


def corpus():
    text = ''
    for name in TEXTS:
        with open(f'/usr/share/common-licenses/{name}', encoding='utf8') as f:
            text += f.read()
    chars = sorted(set(text))
    ids = np.array([chars.index(c) for c in text], dtype=np.int64)
    return ids, len(chars)


def windows(ids):
    x = np.lib.stride_tricks.sliding_window_view(ids[:-1], CONTEXT)
    return torch.from_numpy(x.copy()), torch.from_numpy(ids[CONTEXT:].copy())


def main():
    req = json.load(sys.stdin)
    torch.set_num_threads(1)
    ids, vocab = corpus()
    split = int(len(ids) * 0.9)
    xt, yt = windows(ids[:split])
    xv, yv = windows(ids[split:])
    keep = torch.randperm(len(yv), generator=torch.Generator().manual_seed(7))[:VALIDATION]
    xv, yv = xv[keep], yv[keep]
    configs = req['configs']
    repeats = req['repeats']
    trials = [(c, r) for r in range(repeats) for c in range(len(configs))]
    m = len(trials)
    lrs = torch.tensor([configs[c]['lrs'] for c, _ in trials], dtype=torch.float32)  # [m, steps]
    steps = lrs.shape[1]
    # Same initial weights for every config of a repeat.
    init = []
    for r in range(repeats):
        g = torch.Generator().manual_seed(r)
        init.append([
            torch.randn(vocab, EMBED, generator=g),
            torch.randn(CONTEXT * EMBED, HIDDEN, generator=g) / (CONTEXT * EMBED) ** 0.5,
            torch.zeros(HIDDEN),
            torch.randn(HIDDEN, vocab, generator=g) / HIDDEN ** 0.5,
            torch.zeros(vocab),
        ])
    params = [torch.stack([init[r][k] for _, r in trials]).requires_grad_() for k in range(5)]
    velocity = [torch.zeros_like(p) for p in params]
    gens = [torch.Generator().manual_seed(1000 + r) for r in range(repeats)]
    repeat_of = torch.tensor([r for _, r in trials])
    offsets = (torch.arange(m) * vocab).view(m, 1, 1)

    def forward(x):  # x [m, n, CONTEXT] -> logits [m, n, vocab]
        emb, w1, b1, w2, b2 = params
        e = emb.reshape(m * vocab, EMBED)[x + offsets].reshape(m, x.shape[1], CONTEXT * EMBED)
        h = torch.tanh(torch.bmm(e, w1) + b1[:, None])
        return torch.bmm(h, w2) + b2[:, None]

    points = [[] for _ in range(m)]
    for step in range(steps):
        batch = torch.stack([torch.randint(0, len(yt), (BATCH,), generator=g) for g in gens])  # [repeats, BATCH]
        idx = batch[repeat_of]  # [m, BATCH]
        logits = forward(xt[idx])
        loss = F.cross_entropy(logits.reshape(-1, vocab), yt[idx].reshape(-1), reduction='none').view(m, BATCH).mean(1)
        for p in params:
            p.grad = None
        loss.sum().backward()
        with torch.no_grad():
            lr = lrs[:, step]
            for p, v in zip(params, velocity):
                v.mul_(MOMENTUM).add_(p.grad)
                p.sub_(lr.view(-1, *([1] * (p.dim() - 1))) * v)
        done = step + 1
        if done % req['every'] == 0:
            with torch.no_grad():
                vl = forward(xv.expand(m, -1, -1))
                val = F.cross_entropy(vl.reshape(-1, vocab), yv.repeat(m), reduction='none').view(m, -1).mean(1)
            for i in range(m):
                v = val[i].item()
                points[i].append([done, v if np.isfinite(v) else None])
            print(f'step {done}: val_loss {val.min().item():.3f} .. {val.max().item():.3f}', file=sys.stderr, flush=True)
    json.dump([{'config': configs[c]['hash'], 'repeat': r, 'points': points[i]} for i, (c, r) in enumerate(trials)], sys.stdout)


main()
