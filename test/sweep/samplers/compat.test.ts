// Moving grid and random into samplers/ changed nothing they plan: the same trials, in the same
// order, with the same hashes and seeds as the lrsweep before it (fixture made from its sources),
// and a sweep an older lrsweep stored (method: grid, a plain name) resumes unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { checkSweep } from '../../../src/sweep/file.js';
import { registerSweep, registerTrials } from '../../../src/sweep/register.js';
import { plan } from '../../../src/sweep/space.js';
import { SPECS } from '../../fixtures/samplers/specs.js';

const fixture = (path: string) => new URL(`../../fixtures/${path}`, import.meta.url);

test('grid and random plan the trials the lrsweep before samplers/ planned: order, hashes, seeds and origins', async () => {
  const before = JSON.parse(readFileSync(fixture('samplers/plans-0.x.json'), 'utf8')) as Record<string, unknown[]>;
  assert.deepEqual(Object.keys(before), Object.keys(SPECS));
  for (const [name, spec] of Object.entries(SPECS)) {
    const raw = typeof spec === 'string' ? parse(readFileSync(fixture(spec.replace('../', '')), 'utf8')) : spec;
    const { sweep, trainer } = await checkSweep(raw);
    const now = [...plan(sweep, trainer.steps)].map((t) => [t.hash, t.repeat, t.seed, t.origin]);
    assert.ok(now.length > 0, name);
    assert.deepEqual(now, before[name], name);
  }
});

test('the v1 fixture (method: grid as a plain name) resumes as unchanged (written with or without the new syntax): no trial added, method stored as before', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-compat-'));
  copyFileSync(fixture('v1/old.db'), join(dir, 'old.db'));
  const storage = openSqlite(join(dir, 'old.db'), { mode: 'write' });
  try {
    const stored = (await storage.getSweep('old-sweep'))!;
    assert.equal(stored.definition.method, 'grid', 'the fixture stores the name alone');
    const { sweep, written, trainer } = await checkSweep(parse(readFileSync(fixture('v1/old.yaml'), 'utf8')), join(dir, 'old.yaml'));
    const r = await registerSweep(storage, sweep, { file: stored.file ?? 'old.yaml', written, extend: false, steps: trainer.steps, trainerHash: stored.trainerHash });
    assert.equal(r.resumed, true, 'no change to its identity');
    assert.equal(r.sweep.method, 'grid');
    const after = (await storage.getSweep('old-sweep'))!;
    assert.equal(after.definition.method, 'grid', 'stored as the name alone, as the older lrsweep reads it');
    assert.equal(await registerTrials(storage, r.record.id, r.sweep, trainer.steps, { resumed: false }), 0, 'every trial it plans is there');
    // The same sweep written with the new syntax, every option at its default, is the same sweep.
    const nested = await checkSweep({ ...parse(readFileSync(fixture('v1/old.yaml'), 'utf8')), method: { kind: 'grid', order: 'listed' } }, join(dir, 'old.yaml'));
    const again = await registerSweep(storage, nested.sweep, { file: stored.file ?? 'old.yaml', written: nested.written, extend: false, steps: trainer.steps, trainerHash: stored.trainerHash });
    assert.equal(again.resumed, true);
    assert.deepEqual((await storage.getSweep('old-sweep'))!.definition, after.definition, 'nothing rewritten');
  } finally {
    await storage.close();
  }
});
