// The commands' Ctrl-C (core/interrupt.ts): the first signal fires the command's AbortSignal and
// says so, a second quits through the exit cli.ts installs; deferred handlers wait for listen().
// Signals are emitted in this process (process.emit), which runs the listeners and nothing else.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setQuit, stopOnSignals } from '../../src/core/interrupt.js';

/** Runs fn with stderr captured; returns what it wrote. */
function stderrOf(fn: () => void): string {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string) => {
    text += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

const emit = (name: 'SIGINT' | 'SIGTERM') => (process.emit as (event: string, signal: string) => boolean)(name, name);

let quits = 0;
afterEach(() => {
  quits = 0;
});

test('the first Ctrl-C aborts and says it is stopping; a second quits through the installed exit', () => {
  setQuit(() => quits++);
  const before = process.listenerCount('SIGINT');
  const stop = stopOnSignals({ stopping: () => 'stopping\n', quitting: () => 'quitting\n' });
  try {
    assert.equal(process.listenerCount('SIGINT'), before + 1);
    assert.equal(process.listenerCount('SIGTERM') > 0, true);
    assert.equal(stderrOf(() => emit('SIGINT')), 'stopping\n');
    assert.equal(stop.signal.aborted, true);
    assert.equal(quits, 0);
    assert.equal(stderrOf(() => emit('SIGTERM')), 'quitting\n');
    assert.equal(quits, 1);
  } finally {
    stop.close();
  }
  assert.equal(process.listenerCount('SIGINT'), before);
});

test('a first signal quits at once while quitsNow says nothing is worth stopping for; onSignal runs first', () => {
  setQuit(() => quits++);
  const order: string[] = [];
  let busy = false;
  const stop = stopOnSignals({ onSignal: () => order.push('onSignal'), quitsNow: () => !busy, quitting: () => (order.push('quitting'), '') });
  try {
    stderrOf(() => emit('SIGINT'));
    assert.deepEqual(order, ['onSignal', 'quitting']);
    assert.equal(quits, 1);
    assert.equal(stop.signal.aborted, false);
    busy = true;
    stderrOf(() => emit('SIGINT'));
    assert.equal(stop.signal.aborted, true);
    assert.equal(quits, 1);
  } finally {
    stop.close();
  }
});

test('deferred handlers are installed by listen() only, once, and close() removes them for good', () => {
  setQuit(() => quits++);
  const before = process.listenerCount('SIGINT');
  const stop = stopOnSignals({ deferred: true });
  assert.equal(process.listenerCount('SIGINT'), before);
  stop.listen();
  stop.listen();
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  stop.close();
  stop.listen();
  assert.equal(process.listenerCount('SIGINT'), before);
  assert.equal(stop.signal.aborted, false);
});
