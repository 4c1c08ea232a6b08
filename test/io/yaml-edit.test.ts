// Editing keys of a user's YAML file: the edited keys change, every other byte stays as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { editYaml } from '../../src/io/yaml-edit.js';

const quickstart = readFileSync(fileURLToPath(new URL('../../sweeps/quickstart.yaml', import.meta.url)), 'utf8');

test('the quickstart file keeps its comments, its flow lists and its order; only the edited lines change', () => {
  const out = editYaml(quickstart, [
    { parent: 'schedule', key: 'max_lr', value: undefined },
    { parent: 'parameters', key: 'max_lr', value: { values: [0.05, 0.1, 0.2] } },
    { parent: 'schedule', key: 'min_lr', value: 0.0005 },
  ]);
  const expected = quickstart
    .replace('  max_lr: 0.5\n', '')
    .replace('  min_lr: 0.001\n', '  min_lr: 0.0005\n')
    .replace('  warmup_steps: { values: [0, 10] }\n', '  warmup_steps: { values: [0, 10] }\n  max_lr: { values: [0.05, 0.1, 0.2] }\n');
  assert.notEqual(expected, quickstart);
  assert.equal(out, expected);
});

test('a mapping the file lacks is added at the end; a key in a flow mapping falls back to yaml printing, meaning the same', () => {
  assert.equal(editYaml('name: a\n', [{ parent: 'parameters', key: 'max_lr', value: { min: 0.01, max: 0.1, distribution: 'log_uniform' } }]),
    'name: a\nparameters:\n  max_lr: { min: 0.01, max: 0.1, distribution: log_uniform }\n');
  const flow = '# mine\nname: q\nschedule: { first_cycle_steps: 100, max_lr: 5 }\nparameters: { gamma: { values: [0.5, 1] } }\n';
  const out = editYaml(flow, [{ parent: 'schedule', key: 'max_lr', value: undefined }, { parent: 'parameters', key: 'max_lr', value: { values: [1, 2] } }]);
  assert.deepEqual(parse(out), { name: 'q', schedule: { first_cycle_steps: 100 }, parameters: { gamma: { values: [0.5, 1] }, max_lr: { values: [1, 2] } } });
  assert.match(out, /^# mine\n/);
  assert.match(out, /values: \[0\.5, 1\]/, 'flow lists unpadded');
});
