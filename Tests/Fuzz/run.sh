#!/bin/sh
# Runs every fuzz target for SECONDS (default 60) each, or until RUNS executions when RUNS is set, growing a
# working copy of the seed corpus in .build/fuzz-corpus; a crashing input is saved in Tests/Fuzz/regressions/<target>/
# (commit it: `make test` replays it). Prints one line per target with its execution count.
#   Tests/Fuzz/run.sh [SECONDS] [TARGET…]      (make fuzz, make fuzz FUZZ_SECONDS=600)
set -u
seconds=${1:-60}
shift 2>/dev/null || true
bin=.build/fuzz/debug/kestrel-fuzz
targets=${*:-"safetensors idx image cifar track gridworld csv config recommend-model"}
status=0
for t in $targets; do
  work=.build/fuzz-corpus/$t
  mkdir -p "$work" "Tests/Fuzz/regressions/$t"
  limit="-max_total_time=$seconds"
  [ -n "${RUNS:-}" ] && limit="-runs=$RUNS"
  log=.build/fuzz-corpus/$t.log
  KESTREL_FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=0 "$bin" $limit -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="Tests/Fuzz/regressions/$t/" "$work" "Tests/Fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  if [ $rc -eq 0 ]; then
    echo "$t: ${runs:-?} executions, no crash ($(ls "$work" | wc -l) corpus inputs)"
  else
    echo "$t: FAILED (exit $rc) after ${runs:-?} executions; see $log and Tests/Fuzz/regressions/$t/"
    status=1
  fi
done
exit $status
