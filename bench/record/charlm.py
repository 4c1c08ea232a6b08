#!/usr/bin/env python3
"""A character-level language model for recording loss curves under LR schedules (bench predict).

An MLP over the previous 12 characters of Python standard-library source predicts the next one,
trained with AdamW on fresh random windows every step (no epochs: the loss keeps falling, as in
pretraining), the regime the Multi-Power Law was fitted in. The learning rate of each step comes
from lr.npy (lrsweep's command trainer). Every --window steps it prints the mean training loss of
those steps as {"step": s, "train_loss": m} (s is the 0-based index of the window's last step,
lrsweep's convention), and at the end the loss on a fixed held-out set as {"step": steps - 1,
"val_loss": v}. (The committed recording was made by a version that printed s + 1, steps done;
dump.ts shifts it.)

Batches come from LRSWEEP_SEED only, so trials of one repeat see the same batches (the sweep uses
common seeding: common random numbers). The text is the sorted top-level *.py files of the
interpreter's standard library; the last 10% of it is held out.
"""
import argparse
import json
import os
import sys
import sysconfig

import numpy as np
import torch
from torch import nn

CONTEXT = 12
VOCAB = 128  # ASCII; other bytes map to 0


def load_text():
    lib = sysconfig.get_paths()["stdlib"]
    names = sorted(n for n in os.listdir(lib) if n.endswith(".py"))
    data = b"".join(open(os.path.join(lib, n), "rb").read() for n in names)
    ids = np.frombuffer(data, dtype=np.uint8).astype(np.int64)
    ids[ids >= VOCAB] = 0
    return torch.from_numpy(ids)


def windows(text, starts):
    idx = starts[:, None] + torch.arange(CONTEXT + 1)[None, :]
    w = text[idx]
    return w[:, :CONTEXT], w[:, CONTEXT]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--embed", type=int, default=16)
    p.add_argument("--hidden", type=int, default=192)
    p.add_argument("--window", type=int, default=20)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--steps", type=int, default=0, help="with a constant --lr, when run by hand")
    p.add_argument("--lr", type=float, default=3e-3)
    args = p.parse_args()
    torch.set_num_threads(1)
    seed = int(os.environ.get("LRSWEEP_SEED", "0"))

    lr_file = os.environ.get("LRSWEEP_LR_FILE")
    lrs = np.load(lr_file) if lr_file else np.full(args.steps or 2000, args.lr)
    text = load_text()
    cut = int(len(text) * 0.9)
    train, held = text[:cut], text[cut:]

    torch.manual_seed(1234)  # the same initial weights for every trial
    model = nn.Sequential(
        nn.Embedding(VOCAB, args.embed), nn.Flatten(),
        nn.Linear(CONTEXT * args.embed, args.hidden), nn.GELU(),
        nn.Linear(args.hidden, args.hidden), nn.GELU(),
        nn.Linear(args.hidden, VOCAB))
    opt = torch.optim.AdamW(model.parameters(), lr=float(lrs[0]), weight_decay=args.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    batches = torch.Generator().manual_seed(seed)
    held_starts = torch.randint(0, len(held) - CONTEXT - 1, (8192,), generator=torch.Generator().manual_seed(99))
    hx, hy = windows(held, held_starts)

    total = 0.0
    for step in range(len(lrs)):
        for g in opt.param_groups:
            g["lr"] = float(lrs[step])
        x, y = windows(train, torch.randint(0, cut - CONTEXT - 1, (args.batch_size,), generator=batches))
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        value = loss.item()
        if not np.isfinite(value):
            print(json.dumps({"step": step, "train_loss": value}), flush=True)
            sys.exit(0)
        total += value
        if (step + 1) % args.window == 0 or step + 1 == len(lrs):
            n = (step % args.window) + 1
            print(json.dumps({"step": step, "train_loss": total / n}), flush=True)
            total = 0.0
    with torch.no_grad():
        val = loss_fn(model(hx), hy).item()
    print(json.dumps({"step": len(lrs) - 1, "val_loss": val}), flush=True)


if __name__ == "__main__":
    main()
