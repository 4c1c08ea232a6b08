// Ctrl-C (and SIGTERM) for the commands that stop gracefully (run, worker, curve, range-test):
// the first signal fires the command's AbortSignal, and the command records or cleans up what it
// must before it returns; a second signal quits at once (exit code 130). Quitting is src/cli.ts's,
// the one place that exits: it installs the exit with setQuit. Without it (code that is not the
// CLI), a second signal ends the process by the signal's default action.

/** What ends the process at once after a second signal (cli.ts: exit code 130). */
let quit: (() => void) | null = null;

export function setQuit(fn: () => void): void {
  quit = fn;
}

export interface StopOptions {
  /** Runs first at every signal (clears a progress bar, so the messages stay readable). */
  onSignal?: () => void;
  /** Whether a first signal already quits at once: nothing is worth stopping gracefully for yet. */
  quitsNow?: () => boolean;
  /** What stderr says as the command starts to stop. */
  stopping?: () => string;
  /** What stderr says as the process quits at once. */
  quitting?: () => string;
  /** No handler until listen() is called (the default of the signal meanwhile: it ends the process). */
  deferred?: boolean;
}

export interface SignalStop {
  /** Fires at the first signal. */
  readonly signal: AbortSignal;
  /** Installs the handlers on SIGINT and SIGTERM; again is a no-op. */
  listen(): void;
  /** Removes them, for good: listen() no longer installs them. */
  close(): void;
}

/** A command's Ctrl-C: stop at the first signal, quit at the second. Call close() when the command ends. */
export function stopOnSignals(o: StopOptions = {}): SignalStop {
  const stop = new AbortController();
  let listening = false;
  const onSignal = (name: NodeJS.Signals) => {
    o.onSignal?.();
    if (stop.signal.aborted || o.quitsNow?.()) {
      if (o.quitting) process.stderr.write(o.quitting());
      if (quit) return quit();
      close();
      process.kill(process.pid, name);
      return;
    }
    if (o.stopping) process.stderr.write(o.stopping());
    stop.abort();
  };
  const listen = () => {
    if (listening) return;
    listening = true;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  };
  const close = () => {
    listening = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  if (!o.deferred) listen();
  return { signal: stop.signal, listen, close };
}
