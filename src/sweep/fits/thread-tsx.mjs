// The fit thread's entry when lrsweep runs from its TypeScript sources (tests, `tsx src/cli.ts`):
// worker threads do not inherit tsx's loader, so register it here before loading the real thread
// (as src/pool/thread-tsx.mjs does for the trial pool).
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
