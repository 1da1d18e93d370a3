#!/usr/bin/env bash
# Runs the scale-out scenarios of `journey serve` on Kafka (librdkafka's mock cluster), in
# order, stopping at the first failure:
#
#   bash tests/scaleout/run.sh JOURNEY HARNESS GEN_EVENTS
#   e.g. bash tests/scaleout/run.sh target/debug/journey target/debug/kafka-harness target/debug/gen-events
#
# Builds nothing: the arguments are the binaries to use. SCALEOUT_EVENTS (default 200000) and
# SCALEOUT_SEED (default 1) override the stream's size and the random choices.
set -euo pipefail

if [ "$#" -ne 3 ]; then
    echo "usage: $0 JOURNEY HARNESS GEN_EVENTS" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# One run generates the stream and journey run's reference once for every scenario.
python3 "$here/scaleout.py" "$1" "$2" "$3"
echo "--- scale-out: all scenarios passed"
