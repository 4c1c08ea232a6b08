// A node:test reporter for scripts/run-tests.mjs: one JSON line per test that ended (the test file
// it ran in, its name, nesting, and whether it passed, failed or was skipped with what reason).
// Suites are left out. A test declared by a helper module has that module as its `file`: with one
// file at a time (--test-concurrency=1), the file being run is the last one the runner dequeued.
export default async function* outcomes(source) {
  let running = null;
  for await (const event of source) {
    if (event.type === 'test:dequeue' && event.data.file && event.data.name === event.data.file) running = event.data.file;
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file, nesting, skip, todo, details } = event.data;
    if (details?.type === 'suite') continue;
    const outcome = event.type === 'test:fail' ? 'fail' : skip !== undefined ? 'skip' : todo !== undefined ? 'todo' : 'pass';
    const reason = typeof skip === 'string' ? skip : typeof todo === 'string' ? todo : '';
    yield `${JSON.stringify({ outcome, file: running ?? file ?? null, name, nesting, reason })}\n`;
  }
}
