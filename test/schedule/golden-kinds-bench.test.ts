// scripts/golden/kinds.py --bench (what `npm run bench curve` runs for its reference-Python
// column): a reference whose source checkout is absent is skipped alone, naming where it looked
// and the variable that moves it, and the others are still timed; the golden vectors, which need
// both, refuse in one line. Needs /usr/bin/python3 with torch (Debian's python3-torch, as CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipOrFail } from '../helpers/skip.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/golden/kinds.py', import.meta.url));
const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
const missing = (torch.error || torch.status !== 0) && 'no /usr/bin/python3 with torch (Debian: apt-get install python3-torch)';

// A stand-in for transformers' optimization_schedules.py: the two constructors kinds.py calls.
const FAKE_HF = `from torch.optim.lr_scheduler import LambdaLR
def get_cosine_with_hard_restarts_schedule_with_warmup(opt, **kw): return LambdaLR(opt, lambda s: 1.0)
def get_wsd_schedule(opt, **kw): return LambdaLR(opt, lambda s: 1.0)
`;

test('kinds.py --bench: an absent timm source skips timm_cosine alone (naming TIMM_SRC); transformers\' rows are still timed', (t) => {
  if (skipOrFail(t, missing)) return;
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-kinds-bench-'));
  try {
    const hf = join(dir, 'hf');
    mkdirSync(hf);
    writeFileSync(join(hf, 'optimization_schedules.py'), FAKE_HF);
    const env = { ...process.env, TIMM_SRC: join(dir, 'no-timm'), HF_SRC: hf, PYTHONWARNINGS: 'ignore' };
    const r = spawnSync('/usr/bin/python3', [SCRIPT, '--bench', '100'], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { seconds: Record<string, number>; skipped: Record<string, string> };
    assert.deepEqual(Object.keys(out.seconds).sort(), ['hf_cosine_restarts', 'wsd']);
    assert.deepEqual(out.skipped, { timm_cosine: `timm's source is not at ${join(dir, 'no-timm')} (set TIMM_SRC)` });
    // Neither source: every reference row skipped, each saying why; still a JSON answer, not a crash.
    const none = spawnSync('/usr/bin/python3', [SCRIPT, '--bench', '100'], { encoding: 'utf8', env: { ...env, HF_SRC: join(dir, 'no-hf') } });
    assert.equal(none.status, 0, none.stderr);
    assert.deepEqual(Object.keys(JSON.parse(none.stdout).skipped).sort(), ['hf_cosine_restarts', 'timm_cosine', 'wsd']);
    // The golden vectors need both: one line naming what is absent.
    const write = spawnSync('/usr/bin/python3', [SCRIPT, join(dir, 'out.json.gz')], { encoding: 'utf8', env });
    assert.equal(write.status, 1);
    assert.equal(write.stderr.trim(), `kinds.py: timm's source is not at ${join(dir, 'no-timm')} (set TIMM_SRC): the golden vectors need both references`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
