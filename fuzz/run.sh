#!/usr/bin/env bash
# Builds the fuzz targets (release, coverage-instrumented, on the stable toolchain) and runs one
# of them for a fixed time over its corpus.
#
#   fuzz/run.sh TARGET SECONDS [libFuzzer args...]   # e.g. fuzz/run.sh source 3600 -jobs=4 -workers=4
#   fuzz/run.sh build                                # only build every target
#   fuzz/run.sh seed TARGET                          # only (re)seed fuzz/corpus/TARGET
#
# Corpus: fuzz/corpus/TARGET (seeded from the repository's files, grown by the fuzzer; not
# committed). Crashes: fuzz/artifacts/TARGET/. Targets: source, decode, engine, lsp.
set -euo pipefail

FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ")"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
TARGETS="source decode engine lsp"
BIN_DIR="$FUZZ/target/$HOST/release"

build() {
    # The flags `cargo fuzz build --sanitizer none` passes, all of them stable: SanitizerCoverage
    # with inline 8-bit counters, the PC table and comparison tracing, as libFuzzer wants them.
    # `--target` keeps the flags off build scripts and proc macros.
    local flags=(
        -Cpasses=sancov-module
        -Cllvm-args=-sanitizer-coverage-level=4
        -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
        -Cllvm-args=-sanitizer-coverage-pc-table
        -Cllvm-args=-sanitizer-coverage-trace-compares
        --cfg fuzzing
        -Cdebug-assertions
        -Coverflow-checks
    )
    RUSTFLAGS="${flags[*]}" CARGO_TARGET_DIR="$FUZZ/target" \
        nice -n 10 cargo build --release --manifest-path "$FUZZ/Cargo.toml" \
        --target "$HOST" --bins
}

# Copies a file into a corpus under a name derived from its path (idempotent).
add_seed() {
    local corpus="$1" file="$2"
    [ -f "$file" ] || return 0
    local name="seed-${file#"$ROOT"/}"
    cp "$file" "$corpus/${name//\//_}"
}

seed() {
    local target="$1" corpus="$FUZZ/corpus/$1" f
    mkdir -p "$corpus"
    case "$target" in
        source | lsp | engine)
            for f in "$ROOT"/examples/*.journey "$ROOT"/tests/check/*.journey "$ROOT"/tests/fmt/*.journey \
                "$ROOT"/tests/run/*/program.journey; do
                add_seed "$corpus" "$f"
            done
            ;;&
        engine)
            for f in "$ROOT"/tests/run/*/events.ndjson; do add_seed "$corpus" "$f"; done
            ;;
        decode)
            for f in "$ROOT"/tests/run/*/events.ndjson "$ROOT"/tests/decode/*.ndjson \
                "$ROOT"/examples/streams/*.ndjson; do
                add_seed "$corpus" "$f"
            done
            ;;
    esac
    # The distilled corpus of past campaigns (fuzz/seeds/TARGET: the smallest inputs of a
    # `-merge=1` of the grown corpus), so a run starts from the coverage they reached.
    if [ -d "$FUZZ/seeds/$target" ]; then
        cp "$FUZZ/seeds/$target"/* "$corpus/" 2>/dev/null || true
    fi
    # Keep the known reproducers in the corpus, so the fuzzer starts from them.
    if [ -d "$FUZZ/regressions/$target" ]; then
        for f in "$FUZZ/regressions/$target"/*; do
            if [ -f "$f" ]; then cp "$f" "$corpus/regression-$(basename "$f")"; fi
        done
    fi
}

# A libFuzzer dictionary of the grammar's literal strings (keywords, operators).
dictionary() {
    local dict="$FUZZ/target/journey.dict"
    mkdir -p "$FUZZ/target"
    grep -o '"[^"\\]\+"' "$ROOT/grammar/journey.pest" | sort -u >"$dict"
    printf '%s\n' '"\x0a"' '"//"' '"/*"' '"*/"' '"///"' '"2026-01-01T00:00:00Z"' '"1d"' '"50%"' \
        '"{\"type\":\"track\""' '"\"timestamp\""' '"\"userId\""' '"\"properties\""' >>"$dict"
    echo "$dict"
}

case "${1:-}" in
    build)
        build
        exit 0
        ;;
    seed)
        seed "${2:?usage: run.sh seed TARGET}"
        exit 0
        ;;
esac

TARGET="${1:?usage: run.sh TARGET SECONDS [libFuzzer args...]}"
SECONDS_BUDGET="${2:?usage: run.sh TARGET SECONDS [libFuzzer args...]}"
shift 2
case " $TARGETS " in
    *" $TARGET "*) ;;
    *) echo "unknown target $TARGET (one of: $TARGETS)" >&2; exit 2 ;;
esac

build
seed "$TARGET"
mkdir -p "$FUZZ/artifacts/$TARGET"
dict="$(dictionary)"
max_len=8192
[ "$TARGET" = lsp ] && max_len=4096

cd "$FUZZ"
exec nice -n 10 "$BIN_DIR/$TARGET" \
    -max_total_time="$SECONDS_BUDGET" \
    -artifact_prefix="$FUZZ/artifacts/$TARGET/" \
    -dict="$dict" \
    -max_len="$max_len" \
    -timeout=20 \
    -rss_limit_mb=4096 \
    -print_final_stats=1 \
    "$@" \
    "$FUZZ/corpus/$TARGET"
