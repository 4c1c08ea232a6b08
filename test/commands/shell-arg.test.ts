// The words messages suggest to paste into a shell (a resume hint's --trials-dir) come back unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellArg } from '../../src/commands/common.js';

test('shellArg: a shell reads the word back as it was, whatever it holds', () => {
  for (const word of ['plain/dir-1.x', 'my trials', '$HOME/x', 'a`id`b', 'back\\slash', "it's", 'x"y', '*?[a]', '']) {
    assert.equal(execFileSync('sh', ['-c', `printf %s ${shellArg(word)}`], { encoding: 'utf8' }), word, word);
  }
  assert.equal(shellArg('plain/dir-1.x'), 'plain/dir-1.x', 'bare when nothing needs quoting');
});
