import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { canonicalJson, commonSeed, configHash, trialSeed } from '../../src/sweep/hash.js';
import { normalizeConfig } from '../../src/sweep/space.js';

test('the canonical JSON sorts keys at every depth', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}');
});

test('numbers have one spelling: 2 == 2.0, 3e6 == 3000000, -0 == 0, 0.1 stays 0.1', () => {
  const fromYaml = parse('a: 2.0\nb: 3e6\nc: -0.0\nd: 1.0e-1\n');
  assert.equal(configHash(fromYaml), configHash({ a: 2, b: 3000000, c: 0, d: 0.1 }));
  assert.notEqual(configHash({ a: 2 }), configHash({ a: 2.0000001 }));
  assert.notEqual(configHash({ a: 2 }), configHash({ a: '2' }));
});

test('key order in the file does not change the hash', () => {
  assert.equal(configHash(parse('gamma: 0.9\ncycle_mult: 1.5\n')), configHash(parse('cycle_mult: 1.5\ngamma: 0.9\n')));
});

test('a default written out hashes the same as one left out', () => {
  const a = normalizeConfig({ schedule: 'cawr', first_cycle_steps: 10, gamma: 1 });
  const b = normalizeConfig({ schedule: 'cawr', first_cycle_steps: 10 });
  assert.equal(configHash(a), configHash(b));
  assert.notEqual(configHash(a), configHash(normalizeConfig({ schedule: 'cawr', first_cycle_steps: 10, gamma: 0.9 })));
});

test('non-finite numbers cannot be hashed', () => {
  assert.throws(() => canonicalJson({ a: NaN }), /non-finite/);
});

test('a trial seed depends on the config hash and the repeat only', () => {
  const h = configHash({ a: 1 });
  assert.equal(trialSeed(h, 0), trialSeed(h, 0));
  assert.notEqual(trialSeed(h, 0), trialSeed(h, 1));
  assert.notEqual(trialSeed(h, 0), trialSeed(configHash({ a: 2 }), 0));
  assert.ok(Number.isInteger(trialSeed(h, 0)) && trialSeed(h, 0) >= 0 && trialSeed(h, 0) < 2 ** 31);
});

test('hashes and seeds are the same SHA-256 digests as ever (stored sweeps resume): golden values from Python\'s hashlib', () => {
  // hashlib.sha256(b'{"a":1,"b":[0.1,"x"]}').hexdigest()[:16]; seeds: the digest's first 4 bytes little-endian, & 0x7fffffff.
  const h = configHash({ b: [0.1, 'x'], a: 1 });
  assert.equal(h, 'f70a6722f07a5c22');
  assert.equal(trialSeed(h, 0), 1532975671);
  assert.equal(trialSeed(h, 3), 1464691511);
  assert.equal(commonSeed(7, 2), 2112182780);
});
