#!/usr/bin/env python3
"""HTTP ingest rate of `journey serve --source http:...` with Segment's Python library.

Starts the service (release build) on a free port, then sends the first N lines of a stream
through `segment-analytics-python` in its default mode (a background thread that batches up to
100 events a request), and reports events/s from the first call to the last acknowledged batch,
and the time until the engine had handled them all.

    python3 benches/scripts/http-ingest.py JOURNEY PYTHON STREAM [N]

PYTHON has `segment-analytics-python` (tests/serve/clients/requirements.txt).
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SENDER = r'''
import json, sys, time
from datetime import datetime
import segment.analytics as analytics
host, key, path, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
analytics.write_key = key
analytics.host = host
analytics.max_queue_size = 1_000_000
errors = []
analytics.on_error = lambda error, _items: errors.append(str(error))
events = []
with open(path, encoding="utf-8") as lines:
    for number, line in enumerate(lines):
        if number >= count:
            break
        events.append(json.loads(line))
started = time.monotonic()
for event in events:
    at = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
    if event["type"] == "identify":
        analytics.identify(event["userId"], event.get("traits", {}), timestamp=at)
    else:
        analytics.track(event["userId"], event.get("event", "page.viewed"),
                        event.get("properties", {}), timestamp=at)
analytics.flush()
took = time.monotonic() - started
print(f"{count} {took:.3f} {len(errors)}")
'''


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    journey, python, stream = sys.argv[1:4]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 100_000
    work = Path(tempfile.mkdtemp(prefix="journey-ingest-"))
    port = free_port()
    service = subprocess.Popen(
        [journey, "serve", str(ROOT / "examples"), "--source", f"http:127.0.0.1:{port}",
         "--sink", f"file:{work / 'out.ndjson'}", "--rejects", f"file:{work / 'rej.ndjson'}",
         "--state", str(work / "state"), "--clock", "event", "--lateness", "1000d"],
        stdout=subprocess.DEVNULL, stderr=(work / "log").open("wb"),
        env=dict(os.environ, JOURNEY_WRITE_KEY="k"))
    time.sleep(1.0)
    script = work / "send.py"
    script.write_text(SENDER)
    sent = subprocess.run([python, str(script), f"http://127.0.0.1:{port}", "k", stream,
                           str(count)], capture_output=True, text=True, check=True)
    events, took, errors = sent.stdout.split()
    segments = (work / "state" / "ingest").glob("*.ndjson")
    ingested = sum(1 for segment in segments for _ in segment.open("rb"))
    service.send_signal(signal.SIGTERM)
    service.wait(timeout=120)
    print(f"{events} events in {float(took):.2f} s: {int(events) / float(took):,.0f} events/s "
          f"acknowledged ({ingested} lines in the ingest log, {errors} client errors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
