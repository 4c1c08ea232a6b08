// Worker entry when lrsweep runs from its TypeScript sources (tests, `tsx src/cli.ts`): worker
// threads do not inherit tsx's loader, so register it here before loading the real worker.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./worker.ts');
export default worker.default;
