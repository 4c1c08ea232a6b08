// A PyTorch loop driven by lrsweep's one_cycle trial folder (lr.npy and momentum.npy, as the
// command trainer writes them) trains exactly the weights the same loop driven by torch's own
// OneCycleLR trains, built from the kind's native call (`lrsweep show`'s line): SGD's momentum and
// Adam's beta1. Debian's python3-torch (1.13); skipped (failed under CI=1) without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { oneCycle } from '../../../src/schedule/kinds/one-cycle.js';
import { fromReferenceNames } from '../../../src/schedule/params.js';
import { resolveSchedule } from '../../../src/schedule/schedule.js';
import { prepareTrialDir, trialDir } from '../../../src/train/command/trial-dir.js';
import { skipOrFail } from '../../helpers/skip.js';
import { commandTrial, pythonWith, tempDir } from './helpers.js';

const SCRIPT = String.raw`
import json, sys
import numpy as np
import torch
trial = json.load(open(sys.argv[1]))
native, optimizer_kind = sys.argv[2], sys.argv[3]
lrs = np.load(trial["lr_file"])
momenta = np.load(trial["momentum_file"])
steps = trial["steps"]
torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(0)
x = torch.randn(64, 5, generator=g)
y = torch.randn(64, 1, generator=g)

def model_and_optimizer():
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    if optimizer_kind == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.5)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=0.5)
    return model, optimizer

def train_step(model, optimizer):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()

# Driven by lrsweep's files: step t uses lr.npy[t] and momentum.npy[t].
a, opt_a = model_and_optimizer()
for t in range(steps):
    for group in opt_a.param_groups:
        group["lr"] = float(lrs[t])
        if optimizer_kind == "sgd":
            group["momentum"] = float(momenta[t])
        else:
            group["betas"] = (float(momenta[t]), group["betas"][1])
    train_step(a, opt_a)

# Driven by torch's OneCycleLR, built from the native call.
b, optimizer = model_and_optimizer()
scheduler = eval(native)
for t in range(steps):
    train_step(b, optimizer)
    scheduler.step()

same = all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
diff = max(float((p - q).abs().max()) for p, q in zip(a.parameters(), b.parameters()))
moved = max(float((p - q).abs().max()) for p, q in zip(a.parameters(), model_and_optimizer()[0].parameters()))
print(json.dumps({"same": same, "diff": diff, "moved": moved}))
`;

// Configs where glibc's cos rounds correctly at every step (test/schedule/one-cycle.test.ts covers
// the rare steps where it does not: there lrsweep's correctly rounded value differs by an ulp).
const CASES = [
  { optimizer: 'sgd', params: { schedule: 'one_cycle', max_lr: 0.05, total_steps: 300 } },
  { optimizer: 'adam', params: { schedule: 'one_cycle', max_lr: 0.01, total_steps: 250, pct_start: 0.25, three_phase: true, anneal_strategy: 'linear' } },
  { optimizer: 'adam', params: { schedule: 'one_cycle', max_lr: 0.02, epochs: 4, steps_per_epoch: 45, pct_start: 0.4, div_factor: 10, final_div_factor: 100, base_momentum: 0.8, max_momentum: 0.9 } },
];

test('a PyTorch loop driven by the trial folder\'s lr.npy and momentum.npy equals the OneCycleLR-driven loop bit for bit', async (t) => {
  const python = pythonWith('torch', 'numpy');
  if (skipOrFail(t, python === null && 'python3 with torch and numpy is not installed (Debian: python3-torch python3-numpy)')) return;
  for (const [i, c] of CASES.entries()) {
    const resolved = resolveSchedule(fromReferenceNames(c.params as never));
    const steps = resolved.end - 1; // total_steps training steps
    const files = (await prepareTrialDir(commandTrial({ dir: trialDir(tempDir(), 'torch', i), steps, params: c.params })))!;
    const native = oneCycle.nativeCall(resolved.params as never);
    const run = spawnSync(python!, ['-c', SCRIPT, files.trialFile, native, c.optimizer], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { same: boolean; diff: number; moved: number };
    assert.ok(out.moved > 1e-3, `the weights moved (${out.moved}): the loop trained`);
    assert.equal(out.diff, 0, `${JSON.stringify(c)}: weights differ by up to ${out.diff}`);
    assert.equal(out.same, true);
  }
});
