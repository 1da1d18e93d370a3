#!/usr/bin/env bash
# Runs every fuzz target for a short budget (FUZZ_SECONDS, 60 by default) and replays every
# regression input under fuzz/regressions/TARGET/; fails if anything crashes or a property is
# violated. One fuzz process at a time, niced.
#
#   fuzz/ci.sh                 # every target
#   fuzz/ci.sh source decode   # some targets
set -uo pipefail

FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="$FUZZ/target/$HOST/release"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(source decode engine lsp)

"$FUZZ/run.sh" build || exit 1

failed=()
for target in "${TARGETS[@]}"; do
    # Replay the regression inputs first: each file is run once, without mutation.
    regressions=()
    if [ -d "$FUZZ/regressions/$target" ]; then
        while IFS= read -r -d '' f; do regressions+=("$f"); done \
            < <(find "$FUZZ/regressions/$target" -type f -print0 | sort -z)
    fi
    if [ ${#regressions[@]} -gt 0 ]; then
        echo "== $target: replaying ${#regressions[@]} regression input(s)"
        if ! nice -n 10 "$BIN_DIR/$target" -runs=1 "${regressions[@]}" >"$FUZZ/target/ci-$target-replay.log" 2>&1; then
            tail -40 "$FUZZ/target/ci-$target-replay.log"
            failed+=("$target (regressions)")
        fi
    fi

    echo "== $target: fuzzing for ${SECONDS_EACH}s"
    artifacts="$FUZZ/artifacts/$target"
    mkdir -p "$artifacts"
    before="$(find "$artifacts" -type f | wc -l)"
    log="$FUZZ/target/ci-$target.log"
    stamp="$FUZZ/target/ci-$target.stamp"
    touch "$stamp"
    "$FUZZ/run.sh" "$target" "$SECONDS_EACH" >"$log" 2>&1
    status=$?
    after="$(find "$artifacts" -type f | wc -l)"
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$log" | sed "s/^/   $target /"
    if [ "$status" -ne 0 ] || [ "$after" -ne "$before" ]; then
        grep -E -A30 'panicked|property violated|ERROR: libFuzzer' "$log" | head -60
        echo "   new artifacts in $artifacts:"
        find "$artifacts" -type f -newer "$stamp" 2>/dev/null | sed 's/^/     /'
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing failed: ${failed[*]}"
    exit 1
fi
echo "fuzzing passed: ${TARGETS[*]}"
