#!/usr/bin/env python3
"""The scale-out test's pieces that run things: the stream and its reference, the mock cluster
(`kafka-harness mock`), the `journey serve` workers, and the feeding of the input topic. Used
by `scaleout.py`."""

import argparse
import json
import os
import random
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 12
SCENARIOS = ("rebalance-and-crash", "broker-faults", "wrong-settings")
# Workers checkpoint at different rates (by worker number): a worker with seconds between its
# checkpoints has written outputs they do not cover yet when it is killed, which its partitions'
# next owner must find and not write again.
CHECKPOINT_EVERY = ["200ms", "1s", "3s"]
SLOW_CHECKPOINTS = 2  # the first worker numbered so
# The worker's consumer settings: a killed worker's partitions move after 6 s, not 45.
KAFKA_CONFIG = ("session.timeout.ms=6000", "heartbeat.interval.ms=500")
# How long the committed count must hold still, with idle workers, to call a run finished.
SETTLE_SECONDS = 10.0
# CPU seconds all workers together may use during that window and still count as idle (they
# keep polling and checkpointing, which costs a little).
IDLE_CPU_SECONDS = 1.5
# No new committed action for this long, short of the reference, is a stall.
STALL_SECONDS = 180.0
# A worker exiting on its own this many times means something is broken, not unlucky.
MAX_SELF_EXITS = 20
# A tracing-subscriber log line: timestamp, level, message.
LOG_LINE = re.compile(r"^\S+\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s")

STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


class Failed(Exception):
    """A scenario failed; the message says how."""


def records(data: bytes) -> list:
    """The lines `kafka-harness produce` makes records of: all but the empty ones."""
    return [line for line in data.split(b"\n") if line.rstrip(b"\r")]


# --------------------------------------------------------------------------------------------
# The stream and the reference


class Stream:
    """The generated input, its end lines and journey run's actions over both."""

    def __init__(self, args: argparse.Namespace, work: Path):
        self.generated = work / "generated.ndjson"
        self.end_lines = work / "end-lines.ndjson"
        self.full = work / "stream.ndjson"
        self.reference = work / "ref.ndjson"
        env = dict(os.environ, JOURNEY_BENCH_EVENTS=str(args.events),
                   JOURNEY_BENCH_CONTACTS=str(max(args.events // 10, 1)))
        subprocess.run([args.gen_events, str(self.generated)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lines = records(self.generated.read_bytes())
        last = lines[-1]
        ends = end_lines(args.harness, json.loads(last))
        self.end_lines.write_text("".join(line + "\n" for line in ends))
        with self.full.open("wb") as out:
            out.write(b"".join(line + b"\n" for line in lines))
            out.write(self.end_lines.read_bytes())
        self.produced = len(lines) + len(ends)
        started = time.monotonic()
        subprocess.run([args.journey, "run", str(ROOT / "examples"), "--events", str(self.full),
                        "--out", str(self.reference), "--rejects", str(work / "ref.rej"),
                        "--lateness", "0s"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.reference_lines = self.reference.read_text().splitlines()
        self.actions = len(self.reference_lines)
        if self.actions == 0:
            # Every verdict compares with the reference: an empty one would prove nothing.
            raise Failed(f"journey run wrote no actions over {self.full}")
        say(f"stream: {len(lines)} generated lines + {len(ends)} end lines at "
            f"{json.loads(last).get('timestamp')}; journey run wrote {self.actions} actions in "
            f"{time.monotonic() - started:.1f} s")


def partitions_of(harness: str, ids: list) -> list:
    """Kafka's partition of each id, from `kafka-harness partition-of`."""
    out = subprocess.run([harness, "partition-of", "--partitions", str(PARTITIONS), *ids],
                         check=True, capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def end_lines(harness: str, last: dict) -> list:
    """One line per partition, in partition order: the last generated event again, for a
    contact `journey-end-N` whose key lands in that partition."""
    chosen = {}
    start = 0
    while len(chosen) < PARTITIONS:
        ids = [f"journey-end-{n}" for n in range(start, start + 20 * PARTITIONS)]
        for contact, partition in zip(ids, partitions_of(harness, ids)):
            chosen.setdefault(partition, contact)
        start += len(ids)
    lines = []
    for partition in range(PARTITIONS):
        event = {}
        for key, value in last.items():
            if key == "anonymousId":
                continue
            event[key] = value
            if key == "messageId":
                event[key] = f"m-{chosen[partition]}"
        # userId keeps its place when the last event had one; the key is the contact.
        event["userId"] = chosen[partition]
        event.setdefault("messageId", f"m-{chosen[partition]}")
        lines.append(json.dumps(event, separators=(",", ":")))
    return lines


# --------------------------------------------------------------------------------------------
# The mock cluster and the workers


class Mock:
    """`kafka-harness mock`, driven through its stdin."""

    def __init__(self, harness: str, brokers: int, topics: list, log: Path):
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [harness, "mock", "--brokers", str(brokers),
             *(f"{topic}:{PARTITIONS}" for topic in topics)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        first = self.process.stdout.readline().strip()
        if not first.startswith("bootstrap="):
            self.stop()
            raise Failed(f"kafka-harness mock printed {first!r}, not bootstrap=... "
                         f"(its stderr is in {log})")
        self.bootstrap = first.split("=", 1)[1]
        self.brokers = brokers

    def command(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        reply = self.process.stdout.readline().strip()
        if reply != "ok":
            raise Failed(f"mock command `{line}` answered {reply!r}")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.log.close()


class Worker:
    """One `journey serve` process, its stderr in a log file."""

    def __init__(self, number: int, command: list, log: Path):
        self.number = number
        self.log_path = log
        self.started = time.monotonic()
        # Debug lines of the service say when a checkpoint begins, so kills can aim inside one.
        env = dict(os.environ, RUST_LOG="info,journey_service=debug")
        with log.open("wb") as err:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                            stdout=err, stderr=err, env=env)

    @property
    def name(self) -> str:
        return f"worker {self.number} (pid {self.process.pid})"

    def alive(self) -> bool:
        return self.process.poll() is None

    def cpu_seconds(self) -> float:
        """User and system time so far, from /proc (0 once the process is gone)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0

    def tail(self, lines: int = 8) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join("      | " + line for line in text[-lines:])


class Cluster:
    """A mock cluster with the topics a group of workers needs, and the workers."""

    def __init__(self, args: argparse.Namespace, work: Path, group: str, brokers: int,
                 exits_allowed: bool):
        """`exits_allowed`: whether a worker may exit on its own (broker faults can end a
        worker, which its supervisor restarts; kills and rebalances must not) -- never because
        a partition's state could not be restored."""
        self.args = args
        self.exits_allowed = exits_allowed
        self.work = work
        self.group = group
        self.topics = ["input", "actions", "rejects", f"{group}-changelog"]
        self.mock = Mock(args.harness, brokers, self.topics, work / "mock.log")
        self.workers = []
        self.started = 0
        self.self_exits = 0
        self.problems = []
        say(f"mock cluster of {brokers} brokers at {self.mock.bootstrap}, topics "
            f"{', '.join(self.topics)} with {PARTITIONS} partitions each")

    def serve_command(self, number: int = 0) -> list:
        bootstrap = self.mock.bootstrap
        command = [self.args.journey, "serve", str(ROOT / "examples"),
                   "--source", f"kafka:{bootstrap}/input?group={self.group}",
                   "--sink", f"kafka:{bootstrap}/actions",
                   "--rejects", f"kafka:{bootstrap}/rejects",
                   "--clock", "event", "--lateness", "0s",
                   "--checkpoint-every", CHECKPOINT_EVERY[number % len(CHECKPOINT_EVERY)]]
        for setting in KAFKA_CONFIG:
            command += ["--kafka-config", setting]
        return command

    def start_worker(self, why: str) -> Worker:
        self.started += 1
        worker = Worker(self.started, self.serve_command(self.started),
                        self.work / f"worker-{self.started}.log")
        self.workers.append(worker)
        say(f"started {worker.name} ({why}); {len(self.workers)} running")
        return worker

    def written_after(self) -> int:
        """The outputs restored partitions found written after their checkpoints, over every
        worker's log."""
        total = 0
        for log in self.work.glob("worker-*.log"):
            total += sum(int(n) for n in re.findall(r"written_after=(\d+)",
                                                    log.read_text(errors="replace")))
        return total

    def kill(self, worker: Worker) -> None:
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait()
        self.workers.remove(worker)
        say(f"killed {worker.name} with SIGKILL; {len(self.workers)} running")

    def terminate(self, worker: Worker) -> None:
        worker.process.send_signal(signal.SIGTERM)
        try:
            code = worker.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
            self.problems.append(f"{worker.name} did not exit within 30 s of SIGTERM; killed")
            say(f"PROBLEM: {self.problems[-1]}\n{worker.tail()}")
            code = None
        self.workers.remove(worker)
        if code is not None:
            note = "" if code == 0 else f" -- NOTE: exit status {code} after SIGTERM"
            say(f"stopped {worker.name} with SIGTERM: exited {code} in "
                f"{time.monotonic() - worker.started:.0f} s of life{note}")
            if code != 0:
                self.problems.append(f"{worker.name} exited {code} after SIGTERM\n"
                                     f"{worker.tail()}")

    def supervise(self, keep: int) -> int:
        """Restarts workers that exited on their own, keeping `keep` running; returns how many
        it started."""
        for worker in [w for w in self.workers if not w.alive()]:
            self.workers.remove(worker)
            self.self_exits += 1
            say(f"{worker.name} exited on its own with status {worker.process.returncode}; "
                f"its log ends:\n{worker.tail()}")
            error = next((line for line in reversed(worker.log_path.read_text(
                errors="replace").splitlines()) if line.startswith("error:")), "")
            if not self.exits_allowed:
                raise Failed(f"{worker.name} exited on its own: {error or 'no error line'}")
            # A restore's errors name the changelog partition it read, or say what it lacks.
            if "-changelog` partition" in error or "does not hold a whole state" in error:
                raise Failed(f"{worker.name} could not restore a partition's state: {error}")
            if self.self_exits >= MAX_SELF_EXITS:
                raise Failed(f"workers exited on their own {self.self_exits} times")
        started = 0
        while len(self.workers) < keep:
            self.start_worker("replacing one that exited")
            started += 1
        return started

    def committed(self, timeout: int = 30, quiet: bool = False):
        """The committed actions' lines, or None when they cannot be read right now."""
        result = subprocess.run(
            [self.args.harness, "consume", "--bootstrap", self.mock.bootstrap,
             "--topic", "actions", "--isolation", "read_committed",
             "--timeout-secs", str(timeout)],
            capture_output=True, text=True)
        if result.returncode != 0:
            if not quiet:
                why = (result.stderr.strip().splitlines() or ["?"])[-1]
                say(f"(could not read the actions: {why})")
            return None
        return result.stdout.splitlines()

    def cpu_seconds(self) -> float:
        return sum(worker.cpu_seconds() for worker in self.workers)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.alive():
                worker.process.kill()
                worker.process.wait()
        self.workers = []
        self.mock.stop()


class Feeder(threading.Thread):
    """Produces the stream into `input`, keyed by contact, the end lines last: all at once
    before the workers start (`--feed-seconds 0`), or in chunks spread over that many seconds
    while they run, so that disruptions meet workers with work to do (the whole stream takes
    them only seconds)."""

    CHUNKS = 20

    def __init__(self, cluster: Cluster, stream: Stream, seconds: float):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.stream = stream
        self.seconds = seconds
        self.produced = 0
        self.error = None
        # Set after each part is produced: the workers have work to do right then.
        self.part_done = threading.Event()

    def run(self) -> None:
        try:
            self.feed()
        except Failed as failure:
            self.error = str(failure)

    def feed(self) -> None:
        harness, bootstrap = self.cluster.args.harness, self.cluster.mock.bootstrap
        lines = records(self.stream.generated.read_bytes())
        chunks = 1 if self.seconds <= 0 else self.CHUNKS
        size = -(-len(lines) // chunks)
        started = time.monotonic()
        for index in range(chunks):
            part = self.cluster.work / f"feed-{index}.ndjson"
            part.write_bytes(b"".join(line + b"\n" for line in
                                      lines[index * size:(index + 1) * size]))
            command = [harness, "produce", "--bootstrap", bootstrap, "--topic", "input",
                       str(part)]
            if index == chunks - 1:
                command += ["--end-lines", str(self.stream.end_lines)]
            result = subprocess.run(command, capture_output=True, text=True)
            words = result.stdout.split()
            if result.returncode != 0 or len(words) != 2 or words[0] != "produced":
                raise Failed(f"kafka-harness produce: status {result.returncode}, "
                             f"{result.stdout.strip()!r}, {result.stderr.strip()!r}")
            self.produced += int(words[1])
            self.part_done.set()
            part.unlink()
            if index < chunks - 1:
                time.sleep(max(0.0, started + (index + 1) * self.seconds / chunks
                               - time.monotonic()))
        say(f"produced {self.produced} records into input in "
            f"{time.monotonic() - started:.1f} s ({chunks} parts)")

    def finish(self) -> None:
        """Waits for the last part, then checks the whole input is in the topic."""
        if self.ident is not None:  # fed in the background, not by start_feeding itself
            self.join()
        if self.error:
            raise Failed(self.error)
        if self.produced != self.stream.produced:
            raise Failed(f"produced {self.produced} records, the stream has "
                         f"{self.stream.produced}")
        # The mock keeps at most 5 MiB per partition and drops the oldest records silently
        # past that: check the whole input is still there.
        result = subprocess.run(
            [self.cluster.args.harness, "consume", "--bootstrap", self.cluster.mock.bootstrap,
             "--topic", "input", "--isolation", "read_uncommitted"],
            capture_output=True, text=True)
        kept = len(result.stdout.splitlines())
        if result.returncode != 0 or kept != self.stream.produced:
            raise Failed(f"input holds {kept} records after producing {self.stream.produced} "
                         f"(the mock keeps 5 MiB per partition): {result.stderr.strip()!r}")


def start_feeding(cluster: Cluster, stream: Stream, seconds: float) -> Feeder:
    """Produces everything now when `seconds` is 0, else starts feeding in the background."""
    feeder = Feeder(cluster, stream, seconds)
    if seconds <= 0:
        feeder.run()
        feeder.finish()
    else:
        say(f"feeding the input over {seconds:.0f} s while the workers run")
        feeder.start()
    return feeder


def pause(rng: random.Random, args: argparse.Namespace, first: bool, count: int) -> float:
    """Seconds until the next disruption or fault: spread over the feeding, or short when
    everything was produced up front."""
    longest = max(2.0, 2 * args.feed_seconds / max(count, 1))
    return rng.uniform(0.3, longest / 2) if first else rng.uniform(0.5, longest)


# --------------------------------------------------------------------------------------------
# Waiting for the end and comparing
