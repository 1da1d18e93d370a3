#!/usr/bin/env python3
"""Webhook faults: `journey serve --sink webhook:URL` against an endpoint that fails about a third
of its requests must deliver every action at least once; deduplicated by `Idempotency-Key`, what
arrives is exactly what `journey run` writes.

The harness generates a stream for `examples/` (the benchmark's generator) and writes the
reference with `journey run`. It starts a local threaded HTTP server that, with a fixed seed,
answers some requests 500, closes the connection of others without answering (a reset), and holds
others longer than the `--webhook-timeout` it passes (a timeout); the rest are answered 200 and
their body kept by key. A reset or a timeout may come after the server has kept the body (as a
real receiver may have acted on it), so the retry is a duplicate the key must reveal. Then it runs

    journey serve examples/ --source file:IN --sink webhook:http://127.0.0.1:PORT/hook
                  --rejects file:REJ --state DIR --clock event --stop-at-end --lateness 0s
                  --webhook-retries 20 --webhook-timeout 500ms

and requires: the set of keys received is the set of action ids of the reference, each key's
bodies are all that action's line, every request carried `Content-Type: application/json`, and
nothing was dead-lettered.

    python3 tests/serve/webhook.py JOURNEY GEN_EVENTS [--events 20000] [--seed 1]
"""

import argparse
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What share of requests fail, and how. Timeouts cost a worker the whole timeout each, so they
# are the rarest kind; all together about a third.
FAULTS = [("500", 0.16), ("reset", 0.14), ("timeout", 0.03)]
TIMEOUT = 0.5  # seconds, passed as --webhook-timeout
HOLD = 1.5  # how long a "timeout" request is held, well past TIMEOUT


class Endpoint:
    """What the server saw: bodies by key, and counts."""

    def __init__(self, seed: int):
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.bodies = defaultdict(list)
        self.counts = Counter()
        self.problems = []

    def fault(self) -> tuple:
        """The fault for the next request (or None), and whether to keep its body first."""
        with self.lock:
            self.counts["requests"] += 1
            draw, keep = self.rng.random(), self.rng.random() < 0.5
            for kind, share in FAULTS:
                if draw < share:
                    self.counts[kind] += 1
                    return kind, keep and kind != "500"
                draw -= share
            return None, True

    def keep(self, key: str, body: bytes) -> None:
        with self.lock:
            self.bodies[key].append(body)


def handler(endpoint: Endpoint):
    class Hook(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # The status line and the body go out in separate writes: without this, Nagle's
        # algorithm holds the body until the client's delayed ACK (40 ms a request).
        disable_nagle_algorithm = True

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            key = self.headers.get("Idempotency-Key")
            if self.path != "/hook" or not key or \
                    self.headers.get("Content-Type") != "application/json":
                with endpoint.lock:
                    endpoint.problems.append(f"{self.path} {dict(self.headers)}")
            fault, keep = endpoint.fault()
            if keep and key:
                endpoint.keep(key, body)
            if fault == "500":
                self.answer(500, b"try again")
            elif fault == "reset":
                # Close without a word; linger 0 makes the close a TCP reset.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
            elif fault == "timeout":
                time.sleep(HOLD)
                self.close_connection = True
                try:
                    self.answer(200, b"too late")
                except OSError:
                    pass
            else:
                self.answer(200, b"ok")

        def answer(self, status: int, text: bytes):
            self.send_response(status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args):
            pass

    return Hook


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # resets and late answers to closed connections are the point


def generate(gen_events: str, events: int, work: Path) -> Path:
    stream = work / "events.ndjson"
    env = dict(os.environ, JOURNEY_BENCH_EVENTS=str(events),
               JOURNEY_BENCH_CONTACTS=str(max(events // 10, 1)))
    subprocess.run([gen_events, str(stream)], env=env, check=True, stderr=subprocess.DEVNULL)
    return stream


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("journey")
    parser.add_argument("gen_events")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="journey-webhook-"))
    endpoint = Endpoint(args.seed)
    server = Server(("127.0.0.1", 0), handler(endpoint))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stream = generate(args.gen_events, args.events, work)
        reference = work / "ref.ndjson"
        subprocess.run([args.journey, "run", str(ROOT / "examples"), "--events", str(stream),
                        "--out", str(reference), "--rejects", str(work / "ref.rej")],
                       check=True, stderr=subprocess.DEVNULL)
        expected = {}
        for line in reference.read_bytes().splitlines():
            expected[json.loads(line)["id"]] = line
        print(f"stream: {args.events} lines; reference: {len(expected)} actions")

        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        state = work / "state"
        command = [args.journey, "serve", str(ROOT / "examples"),
                   "--source", f"file:{stream}", "--sink", f"webhook:{url}",
                   "--rejects", f"file:{work / 'out.rej'}", "--state", str(state),
                   "--clock", "event", "--stop-at-end", "--lateness", "0s",
                   "--webhook-retries", "20", "--webhook-timeout", f"{int(TIMEOUT * 1000)}ms"]
        started = time.monotonic()
        log = work / "serve.log"
        with log.open("wb") as err:
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=err, timeout=1800)
        seconds = time.monotonic() - started
        if done.returncode != 0:
            print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            print(f"FAIL: journey serve exited with {done.returncode}")
            return 1

        failures = []
        received = endpoint.bodies
        missing = expected.keys() - received.keys()
        unexpected = received.keys() - expected.keys()
        if missing:
            failures.append(f"{len(missing)} actions never arrived, e.g. {sorted(missing)[:3]}")
        if unexpected:
            failures.append(f"{len(unexpected)} keys that are no action id, "
                            f"e.g. {sorted(unexpected)[:3]}")
        wrong = [key for key, bodies in received.items()
                 if key in expected and any(body != expected[key] for body in bodies)]
        if wrong:
            failures.append(f"{len(wrong)} keys arrived with a body other than the action's line,"
                            f" e.g. {wrong[0]}: {received[wrong[0]][0][:200]!r}")
        if endpoint.problems:
            failures.append(f"{len(endpoint.problems)} requests without the path, key or "
                            f"content type, e.g. {endpoint.problems[0]}")
        dead = state / "dead-letter.ndjson"
        if dead.exists() and dead.stat().st_size > 0:
            failures.append(f"{len(dead.read_bytes().splitlines())} actions dead-lettered")
        if (work / "out.rej").read_bytes() != (work / "ref.rej").read_bytes():
            failures.append("the rejects differ from journey run's")

        counts = endpoint.counts
        kept = sum(len(bodies) for bodies in received.values())
        print(f"serve: {seconds:.1f} s; {counts['requests']} requests, "
              f"{counts['500'] + counts['reset'] + counts['timeout']} failed "
              f"({counts['500']} answered 500, {counts['reset']} reset, "
              f"{counts['timeout']} timed out); {len(received)} distinct keys, "
              f"{kept - len(received)} duplicates")
        for failure in failures:
            print(f"FAIL: {failure}")
        if failures:
            return 1
        print(f"ok: every one of the {len(expected)} actions arrived, deduplicated by key "
              "exactly journey run's")
        return 0
    finally:
        server.shutdown()
        if args.keep:
            print(f"work folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
