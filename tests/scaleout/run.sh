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
events="${SCALEOUT_EVENTS:-200000}"
seed="${SCALEOUT_SEED:-1}"

for scenario in rebalance-and-crash broker-faults wrong-settings; do
    echo "--- scale-out: $scenario (events $events, seed $seed)"
    python3 "$here/scaleout.py" "$1" "$2" "$3" --scenario "$scenario" \
        --events "$events" --seed "$seed"
done
echo "--- scale-out: all scenarios passed"
