#!/usr/bin/env python3
"""A small PyTorch training script driven by lrsweep's command trainer.

An MLP (64-64-10) on scikit-learn's digits (8x8 images, 10 classes; the data ships inside
scikit-learn, nothing is downloaded), trained with momentum SGD. The learning rate of every step
comes from lr.npy, which lrsweep writes for each trial: it is set on every param group before
each optimizer step. One JSON line per epoch goes to stdout; lrsweep records those lines.

Run by lrsweep, it reads LRSWEEP_LR_FILE, LRSWEEP_SEED and LRSWEEP_TRIAL_DIR (a checkpoint is kept
there, so a retried trial resumes where it stopped). Run by hand, it trains with a constant --lr.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--lr", type=float, default=0.05, help="constant LR when run without lrsweep")
    # lrsweep runs several trials at once: one thread each keeps them from fighting over the cores.
    p.add_argument("--threads", type=int, default=1)
    return p.parse_args()


def report(line):
    # One JSON object per line, with an integer "epoch": lrsweep's metrics protocol.
    print(json.dumps(line), flush=True)


def save_checkpoint(path, state):
    # Write, then rename: a trial stopped mid-save keeps its previous checkpoint.
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    seed = int(os.environ.get("LRSWEEP_SEED", "0"))
    torch.manual_seed(seed)

    x, y = load_digits(return_X_y=True)
    # The split does not depend on the trial's seed: every trial sees the same data.
    x_train, x_val, y_train, y_val = train_test_split(
        (x / 16.0).astype(np.float32), y, test_size=0.2, random_state=0, stratify=y)
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
    x_val, y_val = torch.from_numpy(x_val), torch.from_numpy(y_val)

    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
    steps = args.epochs * steps_per_epoch
    lr_file = os.environ.get("LRSWEEP_LR_FILE")
    if lr_file:
        lrs = np.load(lr_file)
        if len(lrs) != steps:
            sys.exit(f"lr.npy has {len(lrs)} steps, but {args.epochs} epochs x {steps_per_epoch} batches "
                     f"need {steps}: set the trainer's steps to {steps}")
    else:
        lrs = np.full(steps, args.lr)

    model = nn.Sequential(nn.Linear(64, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=float(lrs[0]), momentum=args.momentum)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(seed)

    trial_dir = os.environ.get("LRSWEEP_TRIAL_DIR")
    checkpoint = os.path.join(trial_dir, "checkpoint.pt") if trial_dir else None
    history, first_epoch = [], 1
    if checkpoint and os.path.exists(checkpoint):
        state = torch.load(checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        shuffle.set_state(state["shuffle"])
        history, first_epoch = state["history"], state["epoch"] + 1
        print(f"resumed from {checkpoint} after epoch {state['epoch']}", file=sys.stderr, flush=True)
        # lrsweep keeps the metrics of the attempt that completes: report the restored epochs again.
        for line in history:
            report(line)

    for epoch in range(first_epoch, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x_train), generator=shuffle)
        total = 0.0
        for batch in range(steps_per_epoch):
            step = (epoch - 1) * steps_per_epoch + batch
            for group in optimizer.param_groups:
                group["lr"] = float(lrs[step])
            rows = order[batch * args.batch_size:(batch + 1) * args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[rows]), y_train[rows])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        model.eval()
        with torch.no_grad():
            logits = model(x_val)
            val_loss = loss_fn(logits, y_val).item()
            val_acc = (logits.argmax(dim=1) == y_val).float().mean().item()
        line = {"epoch": epoch, "train_loss": total / len(x_train), "val_loss": val_loss,
                "val_acc": val_acc, "lr": float(lrs[step])}
        history.append(line)
        if checkpoint:
            save_checkpoint(checkpoint, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                         "shuffle": shuffle.get_state(), "history": history, "epoch": epoch})
        report(line)


if __name__ == "__main__":
    main()
