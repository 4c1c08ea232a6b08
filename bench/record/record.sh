#!/bin/sh
# Records bench predict's sweeps: the anchors, then the 36-config grid, 2 repeats each, with the
# command trainer (charlm.py, /usr/bin/python3 with torch), then writes their window means to
# bench/fixtures/charlm-sweep.json (bench/record/dump.ts). 78 trials of about 12 s CPU each: 32
# minutes on 2 cores shared with other work (recorded 2026-12-07 at load 15-20).
# Stopped, run it again: lrsweep resumes without redoing completed trials.
#   sh bench/record/record.sh            (from the repository's root, after npm run build)
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
db=${RECORD_DB:-/tmp/lrsweep-charlm.db}
trials=${RECORD_TRIALS_DIR:-/tmp/lrsweep-charlm-trials}
node "$root/dist/src/cli.js" run "$here/charlm-anchors.yaml" --db "$db" --trials-dir "$trials"
node "$root/dist/src/cli.js" run "$here/charlm-grid.yaml" --db "$db" --trials-dir "$trials"
node --import tsx "$here/dump.ts" "$db" "$root/bench/fixtures/charlm-sweep.json"
