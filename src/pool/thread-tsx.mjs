// The pool thread's entry when lrsweep runs from its TypeScript sources (tests, `tsx src/cli.ts`):
// worker threads do not inherit tsx's loader, so register it here before loading the real thread.
import { register } from 'tsx/esm/api';

register();
const thread = await import('./thread.ts');
export default thread.default;
