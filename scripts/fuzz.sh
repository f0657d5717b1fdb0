#!/usr/bin/env bash
# make fuzz: builds every fuzz target of tests/fuzz as a libFuzzer binary (clang, AddressSanitizer, UBSan) and runs
# each for FUZZ_SECONDS, FUZZ_JOBS targets at a time, starting from the checked-in seeds. Reports executions and
# findings per target (table on stdout, JSON in $BUILD/fuzz/report.json); exit 1 if any target found something.
#   FUZZ_SECONDS=60 FUZZ_JOBS=2 FUZZ_TARGETS="space arch" FUZZ_BUILD_DIR=build-fuzz scripts/fuzz.sh
# Each run is bounded: 2 GiB RSS, no single allocation over 2 GiB (-malloc_limit_mb), 10 s per input. Inputs that
# reach new code accumulate in $BUILD/fuzz/corpus/<target> across runs; a finding is saved as
# $BUILD/fuzz/findings/<target>-crash-* (replay it: $BUILD/tests/fuzz/fuzz_<target> FILE). Add a fixed finding to
# tests/fuzz/corpus/<target>/ so the normal build replays it from then on.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
JOBS="${FUZZ_JOBS:-2}"
BUILD="${FUZZ_BUILD_DIR:-build-fuzz}"
TARGETS="${FUZZ_TARGETS:-$(ls tests/fuzz/corpus)}"

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DTINYNAS_FUZZ=ON -DTINYNAS_SANITIZE=address,undefined -DTINYNAS_BUILD_BENCH=OFF -DTINYNAS_BUILD_PYTHON=OFF >/dev/null
ninja -C "$BUILD" fuzz_targets

OUT="$BUILD/fuzz"
mkdir -p "$OUT/findings" "$OUT/logs"
# A dictionary of the JSON formats' tokens: every key the seeds use, plus JSON's own punctuation and literals.
{
  printf '"{"\n"}"\n"["\n"]"\n":"\n","\n"true"\n"false"\n"null"\n"-1"\n"1e308"\n"\\\\u0000"\n'
  cat tests/fuzz/corpus/*/*.json | grep -o '"[A-Za-z_][A-Za-z0-9_]*"' | sort -u | sed 's/"/\\"/g; s/.*/"&"/'
} >"$OUT/json.dict"

run_one() {
  local t="$1" dict=()
  [[ -n "$(ls tests/fuzz/corpus/"$t"/*.json 2>/dev/null)" ]] && dict=(-dict="$OUT/json.dict")
  mkdir -p "$OUT/corpus/$t"
  "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$OUT/findings/$t-" "${dict[@]}" \
    "$OUT/corpus/$t" "tests/fuzz/corpus/$t" >"$OUT/logs/$t.log" 2>&1 || true
}
export -f run_one
export BUILD OUT SECONDS_PER_TARGET
echo "fuzzing $(echo $TARGETS | wc -w) targets for ${SECONDS_PER_TARGET} s each, $JOBS at a time (logs in $OUT/logs)"
printf '%s\n' $TARGETS | xargs -P "$JOBS" -I{} bash -c 'run_one {}'

status=0
printf '%-22s %14s %10s %9s  %s\n' target executions "exec/s" corpus findings
echo "{" >"$OUT/report.json.tmp"
first=1
for t in $TARGETS; do
  log="$OUT/logs/$t.log"
  execs=$(grep 'stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -1)
  rate=$(grep 'stat::average_exec_per_sec:' "$log" | awk '{print $2}' | tail -1)
  corpus=$(ls "$OUT/corpus/$t" | wc -l)
  findings=$(ls "$OUT/findings" | grep -c "^$t-" || true)
  printf '%-22s %14s %10s %9s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$findings"
  [[ "$findings" == 0 && -n "$execs" ]] || status=1
  [[ $first == 1 ]] || echo "," >>"$OUT/report.json.tmp"
  first=0
  printf '  "%s": {"executions": %s, "exec_per_second": %s, "corpus": %s, "findings": %s, "seconds": %s}' \
    "$t" "${execs:-null}" "${rate:-null}" "$corpus" "$findings" "$SECONDS_PER_TARGET" >>"$OUT/report.json.tmp"
done
printf '\n}\n' >>"$OUT/report.json.tmp"
mv "$OUT/report.json.tmp" "$OUT/report.json"
[[ $status == 0 ]] || echo "fuzz: findings or failed runs; see $OUT/findings and $OUT/logs" >&2
exit $status
