#!/usr/bin/env bash
# Draws every journey of examples/ as Graphviz DOT with the built `journey` binary and has
# Graphviz parse and lay it out (`dot -Tsvg`), failing on any error or warning Graphviz prints.
# The Mermaid and SVG outputs are pinned by snapshots (insight/tests/graph.rs); this checks that
# the DOT is what Graphviz accepts, not only what we expect.
#
# Usage: JOURNEY_BIN=target/debug/journey bash tests/graph/validate.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
journey_bin="${JOURNEY_BIN:-target/debug/journey}"
if [[ ! -x "$journey_bin" ]]; then
    echo "no journey binary at $journey_bin (build it with cargo build -p journey-cli)" >&2
    exit 2
fi
if ! command -v dot >/dev/null 2>&1; then
    echo "Graphviz's dot is missing (Debian: apt-get install graphviz)" >&2
    exit 2
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

"$journey_bin" graph examples/ --format dot --out "$out" 2>/dev/null
count=0
failed=0
for file in "$out"/*.dot; do
    count=$((count + 1))
    if ! errors="$(dot -Tsvg "$file" 2>&1 >/dev/null)" || [[ -n "$errors" ]]; then
        echo "graphviz rejects $(basename "$file"):" >&2
        echo "$errors" >&2
        failed=$((failed + 1))
    fi
done
if [[ $count -eq 0 ]]; then
    echo "journey graph wrote no DOT file" >&2
    exit 1
fi
echo "graphviz: $((count - failed)) of $count example journeys parse"
[[ $failed -eq 0 ]]
