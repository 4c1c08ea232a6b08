# A plain PyTorch script that trains the trials of a sweep lrsweep exported (bench/grid.ts): the
# same MLP (ReLU hidden layers, softmax cross-entropy), momentum SGD with the trial's LR set before
# every step from its lr.npy (the file lrsweep's command trainer writes), the data set lrsweep
# built, the same initial weights (lrsweep's glorotUniform) and the same batches (lrsweep's
# per-epoch permutation, batches as contiguous slices). One thread. Run as one of `workers`
# processes: process `index` trains every trial whose position modulo `workers` is `index`, and
# prints one JSON line per trial: its final val_loss and val_accuracy.
# Usage: /usr/bin/python3 bench/grid_torch.py EXPORT_DIR INDEX WORKERS
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
root, index, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
m = json.load(open(os.path.join(root, "manifest.json")))
features, sizes, batch, epochs, momentum = m["features"], m["sizes"], m["batch_size"], m["epochs"], m["momentum"]


def raw(name, dtype, shape):
    return torch.from_numpy(np.fromfile(os.path.join(root, name), dtype=dtype).reshape(shape))


x = raw("train_x.f32", np.float32, (-1, features))
y = raw("train_y.i32", np.int32, (-1,)).long()
xv = raw("val_x.f32", np.float32, (-1, features))
yv = raw("val_y.i32", np.int32, (-1,)).long()
rows = x.shape[0]

for position, trial in enumerate(m["trials"]):
    if position % workers != index:
        continue
    seed = str(trial["seed"])
    lrs = np.load(os.path.join(root, trial["lr_file"])).tolist()
    layers = []
    for i in range(len(sizes) - 1):
        layer = torch.nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():
            # lrsweep's kernel is [in, out]; torch's weight is [out, in]. Biases start at zero.
            layer.weight.copy_(raw(f"kernel_{seed}_{i}.f32", np.float32, (sizes[i], sizes[i + 1])).t())
            layer.bias.zero_()
        layers += [layer, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=lrs[0], momentum=momentum)
    step = 0
    for epoch in range(epochs):
        order = raw(f"order_{seed}_{epoch}.i32", np.int32, (-1,)).long()
        xe, ye = x[order], y[order]
        losses = []
        for start in range(0, rows, batch):
            for group in opt.param_groups:
                group["lr"] = lrs[step]
            opt.zero_grad()
            loss = F.cross_entropy(model(xe[start:start + batch]), ye[start:start + batch])
            loss.backward()
            opt.step()
            losses.append(loss.detach())
            step += 1
        # Per epoch, as lrsweep reports: the mean training loss, validation loss and accuracy.
        with torch.no_grad():
            train_loss = torch.stack(losses).mean().item()
            logits = model(xv)
            val_loss = F.cross_entropy(logits, yv).item()
            val_accuracy = (logits.argmax(1) == yv).float().mean().item()
        if not np.isfinite(train_loss):
            break
    print(json.dumps({"position": position, "val_loss": val_loss, "val_accuracy": val_accuracy}), flush=True)
