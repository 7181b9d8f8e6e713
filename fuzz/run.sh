#!/usr/bin/env bash
# Runs the libFuzzer targets built in a fuzz build directory, each for a bounded time, and
# fails when any of them finds a crash, a leak, undefined behaviour, a broken property, a
# timeout or an out-of-memory.
#
#   fuzz/run.sh BUILD_DIR SECONDS [TARGET...]     (default: every target)
#
# Each target starts from its committed seeds (fuzz/corpus/<target>/) and from what earlier
# runs in BUILD_DIR found (BUILD_DIR/corpus/<target>/, where new inputs go). A failing input
# is saved as BUILD_DIR/artifacts/<target>-crash-<sha1> (or -leak-, -timeout-, -oom-); the
# full log of each run is BUILD_DIR/logs/<target>.log. `make fuzz` and `make test` call this.
set -euo pipefail

readonly TARGETS_ALL=(fuzz_money fuzz_command fuzz_event_codec)
# Bounds of every run: input size (bytes), memory (MiB), one input's run time (seconds).
readonly INPUT_BYTES_MAX=4096
readonly RSS_MB_MAX=2048
readonly INPUT_TIMEOUT_S=10
# The run may overshoot -max_total_time while it loads the corpus; past this slack it is
# killed and counted as a failure.
readonly OVERRUN_SLACK_S=120

if (($# < 2)); then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd -P)
seconds=$2
shift 2
targets=("$@")
((${#targets[@]} > 0)) || targets=("${TARGETS_ALL[@]}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[[ -x $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$symbolizer}

mkdir -p "$build/artifacts" "$build/logs"
failed=()
for target in "${targets[@]}"; do
  binary=$build/bin/$target
  [[ -x $binary ]] || { echo "fuzz: $binary is missing; build it first (make fuzz)" >&2; exit 2; }
  corpus=$build/corpus/$target
  log=$build/logs/$target.log
  mkdir -p "$corpus"
  echo "fuzz: $target for ${seconds}s (log: ${log#"$PWD"/})" >&2
  status=0
  timeout --kill-after=10 $((seconds + OVERRUN_SLACK_S)) "$binary" \
    -max_total_time="$seconds" -max_len=$INPUT_BYTES_MAX -rss_limit_mb=$RSS_MB_MAX \
    -timeout=$INPUT_TIMEOUT_S -dict="$here/chronicle.dict" -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$target-" "$corpus" "$here/corpus/$target" \
    >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  if ((status == 0)); then
    echo "fuzz: $target passed: ${runs:-?} inputs, $(find "$corpus" -type f | wc -l) in corpus" >&2
    continue
  fi
  failed+=("$target")
  echo "fuzz: $target FAILED (exit $status); the end of its log:" >&2
  tail -n 60 "$log" >&2
  artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
  if [[ -n $artifact ]]; then
    echo "fuzz: reproduce with: $binary $artifact" >&2
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed (${seconds}s each)" >&2
