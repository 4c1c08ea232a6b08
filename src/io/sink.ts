// Where command output goes: a file, written to FILE.partial and renamed only when complete (an
// interrupted or failed write leaves nothing behind under the real name), or stdout.

import { createWriteStream, renameSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface Sink {
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the output final (renames the file into place). */
  commit(): Promise<void>;
  /** Drops a partial output. */
  abort(): void;
}

async function writeWithBackpressure(stream: Writable, bytes: Uint8Array): Promise<void> {
  if (bytes.length === 0) return;
  if (!stream.write(bytes)) await once(stream, 'drain');
}

export function fileSink(path: string): Sink {
  const partial = `${path}.partial`;
  const stream = createWriteStream(partial);
  let failure: Error | null = null;
  stream.on('error', (e) => (failure = e));
  const check = () => {
    if (failure) throw failure;
  };
  return {
    async write(bytes) {
      check();
      await writeWithBackpressure(stream, bytes);
    },
    async commit() {
      check();
      stream.end();
      await once(stream, 'close');
      check();
      renameSync(partial, path);
    },
    abort() {
      stream.destroy();
      rmSync(partial, { force: true });
    },
  };
}

/** Writes a whole file under FILE.partial, then renames it into place. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const partial = `${path}.partial`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, path);
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}

export function stdoutSink(): Sink {
  return {
    write: (bytes) => writeWithBackpressure(process.stdout, bytes),
    commit: async () => {},
    abort: () => {},
  };
}
