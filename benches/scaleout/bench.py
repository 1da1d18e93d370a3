#!/usr/bin/env python3
"""Throughput and failover of `journey serve` workers on Kafka, against `journey serve` over a
file, on the same events (README, "Scaling out on Kafka").

    python3 benches/scaleout/bench.py [--events 1000000] [--contacts 100000] [--partitions 12]

It builds nothing: it runs target/release/{journey,kafka-harness,gen-events} (build them with
`cargo build --release -p journey-cli -p journey-kafka-harness -p journey-benches`). The
brokers are librdkafka's mock cluster (3 brokers in one process, loopback), which shares the
machine's cores with the workers. It measures:

- file: `journey serve --source file: --clock event --stop-at-end`, start to exit;
- 1 and 2 workers: `--stop-at-end`, from the first partition assigned to the last exit (and
  start to exit), every partition of a 12-partition input;
- rebalance: a second worker joins one that is busy; how long the moved partitions stand still
  (from the revocation's start to the new owner's restore done) and the lag that makes at
  5,000 and 50,000 events/s;
- failover: one of two workers killed with SIGKILL; time until the survivor has restored its
  partitions (session.timeout.ms is 6 s here; Kafka's default is 45 s).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "target" / "release"
EXAMPLES = str(ROOT / "examples")
GROUPS = ["one", "two", "rebalance", "failover"]


def stamp(line: str) -> float:
    """The UTC time at the start of a log line, as seconds since the epoch."""
    text = line.split()[0].rstrip("Z")[:26]
    return datetime.fromisoformat(text + "+00:00").timestamp()


def restore_millis(path: Path) -> list[int]:
    """The restore times a worker logged, in milliseconds."""
    return [int(m) for m in re.findall(r"restored partitions=\d+ millis=(\d+)", path.read_text())]


def first(path: Path, pattern: str) -> float | None:
    for line in path.read_text().splitlines():
        if re.search(pattern, line):
            return stamp(line)
    return None


def last(path: Path, pattern: str) -> float | None:
    found = None
    for line in path.read_text().splitlines():
        if re.search(pattern, line):
            found = stamp(line)
    return found


class Mock:
    def __init__(self, harness: str, partitions: int, work: Path):
        topics = [f"input:{partitions}"]
        for group in GROUPS:
            topics += [f"{group}-actions:{partitions}", f"{group}-rejects:{partitions}",
                       f"{group}-changelog:{partitions}"]
        self.process = subprocess.Popen([harness, "mock", "--brokers", "3", *topics],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=open(work / "mock.err", "w"), text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("bootstrap="):
            sys.exit(f"the mock cluster did not start: {line!r}")
        self.bootstrap = line.removeprefix("bootstrap=")

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


# Every worker started, so that a failed bench stops them all.
STARTED: list[subprocess.Popen] = []


def wait_for(what: str, process: subprocess.Popen, done, seconds: float = 300) -> None:
    """Waits until `done()`, failing if `process` exits first or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while not done():
        if process.poll() is not None:
            sys.exit(f"{what}: the worker exited with status {process.returncode}")
        if time.monotonic() > deadline:
            sys.exit(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.1)


def worker(args, mock: Mock, group: str, log: Path, stop_at_end: bool) -> subprocess.Popen:
    b = mock.bootstrap
    command = [args.journey, "serve", EXAMPLES, "--source", f"kafka:{b}/input?group={group}",
               "--sink", f"kafka:{b}/{group}-actions", "--rejects", f"kafka:{b}/{group}-rejects",
               "--clock", "event", "--lateness", "0s",
               "--kafka-config", "session.timeout.ms=6000",
               "--kafka-config", "heartbeat.interval.ms=500"]
    if stop_at_end:
        command.append("--stop-at-end")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=open(log, "w"),
                               env=dict(os.environ, RUST_LOG="info"))
    STARTED.append(process)
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=12)
    parser.add_argument("--journey", default=str(RELEASE / "journey"))
    parser.add_argument("--harness", default=str(RELEASE / "kafka-harness"))
    parser.add_argument("--gen-events", default=str(RELEASE / "gen-events"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="journey-scaleout-bench-"))
    try:
        events = work / "events.ndjson"
        env = dict(os.environ, JOURNEY_BENCH_EVENTS=str(args.events),
                   JOURNEY_BENCH_CONTACTS=str(args.contacts))
        subprocess.run([args.gen_events, str(events)], env=env, check=True,
                       stderr=subprocess.DEVNULL)
        print(f"{args.events} events, {args.contacts} contacts, {args.partitions} partitions")

        started = time.monotonic()
        subprocess.run([args.journey, "serve", EXAMPLES, "--source", f"file:{events}",
                        "--sink", f"file:{work / 'file.actions'}",
                        "--rejects", f"file:{work / 'file.rejects'}", "--state",
                        str(work / "state"), "--clock", "event", "--stop-at-end",
                        "--lateness", "0s"], check=True, stderr=subprocess.DEVNULL)
        file_seconds = time.monotonic() - started
        print(f"file source: {file_seconds:.1f} s, {args.events / file_seconds:,.0f} events/s")

        mock = Mock(args.harness, args.partitions, work)
        subprocess.run([args.harness, "produce", "--bootstrap", mock.bootstrap, "--topic",
                        "input", str(events)], check=True, stdout=subprocess.DEVNULL)

        for count, group in [(1, "one"), (2, "two")]:
            logs = [work / f"{group}-{i}.log" for i in range(count)]
            started_at = time.time()
            workers = [worker(args, mock, group, log, True) for log in logs]
            for w in workers:
                w.wait(timeout=3600)
            ended_at = time.time()
            assigned = min(t for t in (first(log, "partitions assigned") for log in logs) if t)
            written = subprocess.run([args.harness, "consume", "--bootstrap", mock.bootstrap,
                                      "--topic", f"{group}-actions"], check=True,
                                     capture_output=True, text=True).stdout.count("\n")
            expected = (work / "file.actions").read_text().count("\n")
            if written != expected:
                sys.exit(f"{count} worker(s) wrote {written} actions, the file source {expected}")
            steady = ended_at - assigned
            print(f"{count} worker(s): {ended_at - started_at:.1f} s start to exit, "
                  f"{steady:.1f} s from the first assignment: "
                  f"{args.events / steady:,.0f} events/s "
                  f"({file_seconds / steady:.2f}x the file source)")

        # Rebalance: a second worker joins a busy one.
        logs = [work / f"rebalance-{i}.log" for i in range(2)]
        busy = worker(args, mock, "rebalance", logs[0], False)
        wait_for("the busy worker's partitions", busy,
                 lambda: first(logs[0], "partitions assigned") is not None)
        time.sleep(2)
        joining = worker(args, mock, "rebalance", logs[1], False)
        wait_for("the joining worker's partitions", joining,
                 lambda: first(logs[1], "partitions assigned") is not None)
        revoked = first(logs[0], "revoking")
        restored = first(logs[1], "partitions assigned")
        stall = restored - revoked
        handed = first(logs[0], "partitions handed over") or revoked
        print(f"rebalance: moved partitions stood still {stall:.2f} s (revocation "
              f"{handed - revoked:.2f} s; assigned "
              f"{restored - first(logs[1], 'kafka worker started'):.2f} s after it started); lag "
              f"{5000 * stall:,.0f} events at 5,000/s, {50000 * stall:,.0f} at 50,000/s; "
              f"the joining worker's restore took {restore_millis(logs[1])} ms")

        # Failover: the joining worker is killed; the busy one takes its partitions back.
        time.sleep(2)
        joining.kill()
        killed_at = time.time()
        joining.wait()
        wait_for("the survivor's partitions", busy, lambda: last(logs[0], "partitions assigned")
                 not in (None, first(logs[0], "partitions assigned")))
        back = last(logs[0], "partitions assigned")
        print(f"failover: partitions producing again {back - killed_at:.2f} s after SIGKILL "
              f"(session.timeout.ms 6,000); the survivor's restores took "
              f"{restore_millis(logs[0])} ms")
        busy.terminate()
        busy.wait(timeout=120)
        mock.close()
    finally:
        for process in STARTED:
            if process.poll() is None:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
