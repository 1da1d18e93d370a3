#!/usr/bin/env python3
"""Segment's own client libraries against `journey serve --source http:...`.

Starts the service on a free port with a write key, then:
- Segment's Python library with a wrong key: every request is refused (401) and nothing reaches
  the ingest log;
- the first half of a stream's lines through Segment's Python library (gzipped bodies), the
  second half through Segment's Node.js library, each call with the line's own timestamp;
then stops the service (SIGTERM) and requires its actions and rejects to be byte-identical to
`journey run` over the same lines.

    python3 tests/serve/clients.py JOURNEY PYTHON NODE [--stream examples/streams/X.ndjson]

PYTHON is an interpreter that has `segment-analytics-python` (tests/serve/clients/
requirements.txt); NODE runs tests/serve/clients/send.mjs, whose `node_modules` has
`@segment/analytics-node` (`npm ci` in tests/serve/clients).
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = Path(__file__).resolve().parent / "clients"
KEY = "journey-test-key"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise SystemExit(f"FAIL: timed out waiting for {what}")


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def line_count(path: Path) -> int:
    return sum(1 for _ in path.open("rb")) if path.exists() else 0


def ingested(state: Path) -> int:
    """Lines in the ingest log's segments (`STATE/ingest/*.ndjson`)."""
    return sum(line_count(segment) for segment in (state / "ingest").glob("*.ndjson"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("journey")
    parser.add_argument("python")
    parser.add_argument("node")
    parser.add_argument("--stream", default=str(ROOT / "examples/streams/lead_scoring.ndjson"))
    args = parser.parse_args()
    stream = Path(args.stream)
    lines = line_count(stream)
    work = Path(tempfile.mkdtemp(prefix="journey-clients-"))
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    log = (work / "serve.log").open("wb")
    service = subprocess.Popen(
        [args.journey, "serve", str(ROOT / "examples"), "--source", f"http:127.0.0.1:{port}",
         "--sink", f"file:{work / 'out.ndjson'}", "--rejects", f"file:{work / 'out.rej'}",
         "--state", str(work / "state"), "--clock", "event", "--checkpoint-every", "200ms"],
        stdout=subprocess.DEVNULL, stderr=log, env=dict(os.environ, JOURNEY_WRITE_KEY=KEY))
    try:
        wait_until(lambda: listening(port), 30, "the service to listen")

        wrong = subprocess.run([args.python, str(CLIENTS / "send.py"), host, "not-the-key",
                                str(stream), "0", "3"], capture_output=True, text=True)
        if wrong.returncode == 0 or "401" not in wrong.stderr:
            print(wrong.stderr, file=sys.stderr)
            raise SystemExit("FAIL: a wrong write key was not refused with 401")
        if ingested(work / "state") != 0:
            raise SystemExit("FAIL: events sent with a wrong write key were ingested")
        print("wrong write key: 401, nothing ingested")

        half = lines // 2
        subprocess.run([args.python, str(CLIENTS / "send.py"), host, KEY, str(stream), "0",
                        str(half)], check=True)
        subprocess.run([args.node, str(CLIENTS / "send.mjs"), host, KEY, str(stream), str(half),
                        str(lines)], check=True, cwd=CLIENTS)
        wait_until(lambda: ingested(work / "state") == lines, 30, f"{lines} ingested lines")
        # The engine follows the ingest log every 20 ms; give it time to read the last line.
        time.sleep(1.0)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=30)
        log.close()
    serve_log = (work / "serve.log").read_text(errors="replace")
    if service.returncode != 0 or f"lines={lines} " not in serve_log:
        print(serve_log, file=sys.stderr)
        raise SystemExit(f"FAIL: the service did not handle all {lines} lines and stop cleanly")
    subprocess.run([args.journey, "run", str(ROOT / "examples"), "--events", str(stream),
                    "--out", str(work / "ref.ndjson"), "--rejects", str(work / "ref.rej")],
                   check=True, stderr=subprocess.DEVNULL)
    for ours, theirs in (("out.ndjson", "ref.ndjson"), ("out.rej", "ref.rej")):
        if (work / ours).read_bytes() != (work / theirs).read_bytes():
            raise SystemExit(f"FAIL: {ours} differs from journey run's {theirs} ({work})")
    actions = line_count(work / "ref.ndjson")
    print(f"ok: {lines} lines through Segment's Python and Node.js libraries gave the "
          f"{actions} actions of journey run")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
