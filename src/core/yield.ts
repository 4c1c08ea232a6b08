// Long synchronous work (planning a big grid, registering its trials) yields now and then, so
// signals (Ctrl-C) and timers get their turn.

export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
