// Run by bench/small-sweep.ts as its own process: `lrsweep run` of a sweep file as the CLI runs it
// (runSweep from dist/), printing when each phase ended, in ms since the process started
// (performance.now()), as one JSON line. Usage: node bench/small-sweep-phases.mjs FILE DB WORKERS
const marks = { started: performance.now() };
const { runSweep } = await import('../dist/src/sweep/run.js');
marks.imported = performance.now();
const [file, db, workers] = process.argv.slice(2);
await runSweep({
  file, db, workers: Number(workers),
  onChecked: () => { marks.checked = performance.now(); },
  onProgress: (p) => {
    marks.registered ??= performance.now();
    if (p.counts.running + p.counts.complete > 0) marks.firstStarted ??= performance.now();
    if (p.counts.complete > 0) marks.firstRecorded ??= performance.now();
    if (p.counts.complete === p.total) marks.allRecorded ??= performance.now();
  },
});
marks.returned = performance.now();
process.on('exit', () => console.log(JSON.stringify(marks)));
