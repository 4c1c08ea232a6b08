import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, MAX_LINE, Tail, parseMetricsLine } from '../../../src/train/command/output.js';

test('plain JSON metrics lines read exactly as JSON.parse reads them', () => {
  const lines = [
    '{"epoch": 3, "val_loss": 0.1, "big": 12345678901234567890, "tiny": 5e-324, "neg": -0.0, "exp": 1E+2}',
    '{"step": 0, "loss": 0.30000000000000004, "uni\\u0065": 1, "__proto__": 7}',
    '  {"epoch": 1, "a": 1, "a": 2}  ',
  ];
  for (const line of lines) {
    const want = JSON.parse(line) as Record<string, unknown>;
    const point = parseMetricsLine(line)!;
    for (const [k, v] of Object.entries(want)) {
      if (k === 'epoch' || k === 'step') assert.equal(point[k], v);
      else assert.ok(Object.is(point.values[k], v), `${k}: ${point.values[k]} vs ${v}`);
    }
    assert.equal(Object.keys(point.values).length, Object.keys(want).filter((k) => k !== 'epoch' && k !== 'step').length);
  }
});

test('NaN, Infinity and -Infinity as Python\'s json.dumps writes them are read; other lines are not metrics', () => {
  assert.deepEqual(parseMetricsLine('{"epoch": 2, "val_loss": NaN, "a": Infinity, "b": -Infinity}'), { epoch: 2, step: null, values: { val_loss: NaN, a: Infinity, b: -Infinity } });
  for (const line of ['', 'loss 0.5', '{"epoch": -1, "x": 1}', '{"epoch": "1", "x": 1}', '{"epoch": 1.5}', '{"x": 1}', '[{"epoch": 1}]', '{"epoch": 1,', '{"epoch": nan}']) {
    assert.equal(parseMetricsLine(line), null, line);
  }
});

test('an epoch or step past 2^53 - 1 (1e300 is an integer to JavaScript) makes no point; fields whose names break the metric-name rule are left out', () => {
  for (const line of ['{"epoch": 1e300, "val_loss": 0.5}', '{"step": 9007199254740992, "x": 1}', '{"epoch": 1, "step": 1e300, "x": 1}', '{"epoch": 1e300, "step": 2, "x": 1}']) {
    assert.equal(parseMetricsLine(line), null, line);
  }
  assert.deepEqual(parseMetricsLine('{"step": 9007199254740991, "x": 1}'), { epoch: null, step: 9007199254740991, values: { x: 1 } });
  assert.deepEqual(parseMetricsLine('{"epoch": 2, "val_loss": 0.5, "top-5": 0.9, "f1.macro": 0.7, "_x": 1, "bad name": 1, "1st": 1, "": 1, "é": 1, "a/b": 1, "x\\n": 1}'),
    { epoch: 2, step: null, values: { val_loss: 0.5, 'top-5': 0.9, 'f1.macro': 0.7, _x: 1 } });
});

test('lines are split across chunk edges, inside multi-byte characters and CRLF; an overlong line is passed on in pieces', () => {
  const got: [string, boolean][] = [];
  const split = new LineSplitter((line, complete) => got.push([line, complete]));
  const bytes = Buffer.from('héllo\r\n{"epoch": 1}\nlast');
  for (let i = 0; i < bytes.length; i++) split.push(bytes.subarray(i, i + 1));
  split.end();
  assert.deepEqual(got, [['héllo', true], ['{"epoch": 1}', true], ['last', true]]);
  got.length = 0;
  split.push(Buffer.alloc(MAX_LINE + 10, 'x'));
  split.push(Buffer.from('y\n'));
  assert.deepEqual(got.map(([l, c]) => [l.length, c]), [[MAX_LINE + 10, false], [1, true]]);
});

test('the stderr tail keeps the last 4 KB, and a progress bar redrawn with \\r counts as its last frame', () => {
  const tail = new Tail();
  tail.push(Buffer.from('early line\n'));
  tail.push(Buffer.from('x'.repeat(5000) + '\n'));
  tail.push(Buffer.from(' 10%|#   |\r 50%|##  |\r100%|####|\nTraceback\nKeyError: 3\n'));
  const lines = tail.lines();
  assert.equal(lines[0].length < 4096, true);
  assert.deepEqual(lines.slice(1), ['100%|####|', 'Traceback', 'KeyError: 3']);
  assert.deepEqual(tail.lines(2), ['Traceback', 'KeyError: 3']);
});
