#!/usr/bin/env python3
"""Scale-out test of `journey serve` on Kafka: workers in one consumer group, killed, added,
stopped and starved of brokers, must together commit exactly the actions one uninterrupted
`journey run` writes.

The harness generates a stream for `examples/` (the benchmark's generator) and appends one end
line per input partition, each at the stream's last timestamp, so that every partition's event
clock ends where `journey run`'s does; the reference is `journey run` over the stream and those
end lines. It starts librdkafka's mock cluster (`kafka-harness mock`), produces the stream into
`input` keyed by contact and the end lines one per partition (spread over `--feed-seconds`
while the workers run, since they get through the whole stream in seconds), and runs workers

    journey serve examples/ --source 'kafka:BOOTSTRAP/input?group=G' --sink kafka:BOOTSTRAP/actions
                  --rejects kafka:BOOTSTRAP/rejects --clock event --lateness 0s
                  --checkpoint-every 200ms --kafka-config session.timeout.ms=6000
                  --kafka-config heartbeat.interval.ms=500

Scenarios:

  rebalance-and-crash  3 workers; at random points of the run a worker is killed with SIGKILL
                       and replaced, a 4th or 5th is added, or one is stopped with SIGTERM.
  broker-faults        2 or 3 workers (restarted if they exit) while brokers go down and up,
                       partition leaders move and requests fail with injected errors.
  wrong-settings       an unknown broker, a missing topic and bad SASL credentials must each
                       make `journey serve` exit non-zero with one `error:` line.

The first two end once the committed actions (read_committed) have the reference's count, keep
it for 10 s and the workers are idle; then the actions, as JSON objects keyed by their `id`,
must be the reference's exactly: none missing, none twice, none different.

Know the mock's limits (librdkafka 2.12, see kafka-harness's mock tests): it keeps the
transactional protocol but not its meaning -- no commit or abort markers, every record is
stable, offsets sent with a transaction are dropped -- so `read_committed` here also returns
records of aborted and unfinished transactions, and a worker must not lean on Kafka to hide
them for this test to pass. It keeps at most 5 MiB per partition (older records are dropped;
the input is checked) and never compacts. It has no SASL: a SASL client fails its handshake.

    python3 tests/scaleout/scaleout.py JOURNEY HARNESS GEN_EVENTS [--scenario NAME]...
            [--events 200000] [--seed 1] [--feed-seconds 40] [--timeout 900] [--keep]
"""

import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
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

    def __init__(self, args: argparse.Namespace, work: Path, group: str, brokers: int):
        self.args = args
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


def wait_until_settled(cluster: Cluster, stream: Stream, deadline: float, keep: int) -> list:
    """Polls the committed actions until their count is the reference's, holds for
    SETTLE_SECONDS and the workers are idle; returns them. Fails early when more were
    committed than the reference has (committed records cannot go away) and the count holds."""
    last = None
    since = changed = time.monotonic()
    cpu_then = 0.0
    while time.monotonic() < deadline:
        restarted = cluster.supervise(keep)
        lines = cluster.committed()
        now = time.monotonic()
        if lines is None or restarted:
            # The window starts over: a new worker's CPU time is not idle time.
            since, cpu_then = now, cluster.cpu_seconds()
            time.sleep(2)
            continue
        count = len(lines)
        if count != last:
            say(f"committed actions: {count} of {stream.actions}")
            last, since, changed, cpu_then = count, now, now, cluster.cpu_seconds()
        elif count < stream.actions:
            if now - changed >= STALL_SECONDS:
                describe_difference(cluster, stream, lines, headline="stalled")
                raise Failed(f"no progress for {now - changed:.0f} s at {count} committed "
                             f"actions, {stream.actions} expected")
        elif now - since >= SETTLE_SECONDS:
            cpu = cluster.cpu_seconds() - cpu_then
            if cpu <= IDLE_CPU_SECONDS:
                say(f"settled: {count} committed actions for {now - changed:.0f} s, workers "
                    f"used {cpu:.2f} s of CPU in the last {now - since:.0f} s")
                return lines
            # Busy but not committing: give them another window.
            say(f"workers used {cpu:.2f} s of CPU in {now - since:.0f} s; waiting for idle")
            since, cpu_then = now, cluster.cpu_seconds()
        time.sleep(2)
    lines = cluster.committed(timeout=60) or []
    describe_difference(cluster, stream, lines, headline="timed out")
    raise Failed(f"timed out with {len(lines)} committed actions, {stream.actions} expected")


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def by_id(lines: list) -> dict:
    """Each action's id to the list of its records, as (canonical JSON, raw line)."""
    records = collections.defaultdict(list)
    for line in lines:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            records[f"<not JSON: {line[:60]}>"].append((line, line))
            continue
        key = obj.get("id") if isinstance(obj, dict) else None
        records[str(key)].append((canonical(obj), line))
    return records


def describe_difference(cluster: Cluster, stream: Stream, lines: list, headline: str) -> bool:
    """Prints how the committed actions differ from the reference; False when they do."""
    ours = by_id(lines)
    theirs = by_id(stream.reference_lines)
    missing = [key for key in theirs if key not in ours]
    unexpected = [key for key in ours if key not in theirs]
    duplicated, short, different = [], [], []
    raw_differs = 0
    for key in sorted(ours.keys() & theirs.keys()):
        if len(ours[key]) > len(theirs[key]):
            duplicated.append(key)
        elif len(ours[key]) < len(theirs[key]):
            short.append(key)
        if {c for c, _ in ours[key]} != {c for c, _ in theirs[key]}:
            different.append(key)
        elif sorted(r for _, r in ours[key]) != sorted(r for _, r in theirs[key]):
            raw_differs += 1
    if not (missing or unexpected or duplicated or short or different):
        if raw_differs:
            say(f"note: {raw_differs} actions equal as JSON but not byte for byte")
        return True
    say(f"FAIL ({headline}): the committed actions differ from journey run's")
    say(f"  reference: {len(stream.reference_lines)} actions, {len(theirs)} ids; "
        f"committed: {len(lines)} records, {len(ours)} ids")

    def example(key: str, records: dict) -> str:
        try:
            obj = json.loads(records[key][0][1])
            contact = obj.get("contact", "?")
            where = f" partition {partitions_of(cluster.args.harness, [contact])[0]}" \
                if isinstance(contact, str) and contact else ""
            return f"{key}: {obj.get('at')} {contact}{where} {obj.get('journey')} " \
                   f"{obj.get('action')}"
        except (json.JSONDecodeError, subprocess.CalledProcessError, IndexError):
            return f"{key}: {records[key][0][1][:160]}"

    for label, keys, records in (("missing", missing, theirs),
                                 ("committed more than once", duplicated, ours),
                                 ("committed fewer times than in the reference", short, theirs),
                                 ("not in the reference", unexpected, ours)):
        if keys:
            extra = ""
            if label.startswith("committed more"):
                extra = f" ({sum(len(ours[k]) - len(theirs[k]) for k in keys)} extra records)"
            say(f"  {len(keys)} ids {label}{extra}, e.g.")
            for key in keys[:5]:
                say(f"    {example(key, records)}")
    if different:
        say(f"  {len(different)} ids whose JSON differs, e.g.")
        for key in different[:3]:
            say(f"    reference: {theirs[key][0][1]}")
            say(f"    committed: {ours[key][0][1]}")
    return False


def check_actions(cluster: Cluster, stream: Stream, lines: list) -> None:
    if not describe_difference(cluster, stream, lines, headline="compared"):
        raise Failed("the committed actions are not journey run's")
    say(f"ok: {len(lines)} committed actions, each id once, equal to journey run's")


# --------------------------------------------------------------------------------------------
# Scenarios


class Progress(threading.Thread):
    """Reads the committed actions' count again and again in the background, so disruptions
    can say where in the run they came without waiting for a read."""

    def __init__(self, cluster: Cluster):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.count = None
        self.stopping = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.stopping.is_set():
            lines = self.cluster.committed(timeout=10, quiet=True)
            if lines is not None:
                self.count = len(lines)
            self.stopping.wait(1.0)

    def stop(self) -> None:
        self.stopping.set()
        self.join()

    def where(self, total: int) -> str:
        return "before any count" if self.count is None else \
            f"at {self.count} of {total} committed actions"


def wait_for_assignment(cluster: Cluster, limit: float = 60.0) -> None:
    """Waits until a worker logs its first assigned partitions, when processing begins:
    disruptions are timed from then (the whole run takes seconds, so counting from the
    workers' start would waste them on the group's first join)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        cluster.supervise(len(cluster.workers))
        for worker in cluster.workers:
            if "partitions assigned" in worker.log_path.read_text(errors="replace"):
                say(f"{worker.name} has partitions: processing has begun")
                return
        time.sleep(0.1)
    say(f"note: no worker logged `partitions assigned` within {limit:.0f} s; going on")


def rebalance_and_crash(args, work: Path, stream: Stream, rng: random.Random) -> None:
    cluster = Cluster(args, work, "scaleout", brokers=3)
    progress = None
    try:
        feeder = start_feeding(cluster, stream, args.feed_seconds)
        for _ in range(3):
            cluster.start_worker("initial")
        deadline = time.monotonic() + args.timeout
        wait_for_assignment(cluster)
        progress = Progress(cluster)
        for number in range(1, args.disruptions + 1):
            until = time.monotonic() + pause(rng, args, number == 1, args.disruptions)
            while time.monotonic() < until:
                cluster.supervise(max(1, len(cluster.workers)))
                time.sleep(0.1)
            if number == 1:
                # Always once: the worker that checkpoints every 3 s, killed while busy.
                victim = next(w for w in cluster.workers if w.number == SLOW_CHECKPOINTS)
                say(f"disruption 1 {progress.where(stream.actions)}: kill, between checkpoints")
                aim(victim, rng, feeder, between=True)
                cluster.kill(victim)
                cluster.start_worker("replacing the killed one")
                continue
            disrupt(cluster, rng, number, progress.where(stream.actions), feeder)
        progress.stop()
        progress = None
        feeder.finish()
        keep = len(cluster.workers)
        say(f"disruptions done; {keep} workers running, waiting for the end")
        lines = wait_until_settled(cluster, stream, deadline, keep)
        check_actions(cluster, stream, lines)
        report_problems(cluster)
        skipped = cluster.written_after()
        say(f"restores skipped {skipped} outputs a killed worker had written after its last "
            f"checkpoint")
        if skipped == 0:
            raise Failed("no kill landed after outputs a checkpoint did not cover yet: the "
                         "restore's skipping of what was already written went untested")
    finally:
        if progress is not None:
            progress.stop()
        cluster.stop()


def aim(worker: Worker, rng: random.Random, feeder: "Feeder", between: bool = False) -> str:
    """Waits for a moment when `worker` is busy: just after the next part of the input is
    produced, then either a random instant up to half a second later or the start of the
    worker's next checkpoint (so the kill lands while outputs, changelog records and the
    transaction are in flight); says which."""
    if feeder.is_alive():
        feeder.part_done.clear()
        feeder.part_done.wait(timeout=5)
    if between:
        time.sleep(rng.uniform(0.2, 0.5))
        return "while busy"
    if rng.random() < 0.5:
        time.sleep(rng.uniform(0.0, 0.5))
        return "while busy"
    seen = worker.log_path.read_text(errors="replace").count("checkpoint begins")
    until = time.monotonic() + 3
    while time.monotonic() < until:
        if worker.log_path.read_text(errors="replace").count("checkpoint begins") > seen:
            return "inside a checkpoint"
        time.sleep(0.005)
    return "after waiting 3 s for a checkpoint"


def disrupt(cluster: Cluster, rng: random.Random, number: int, where: str,
            feeder: "Feeder") -> None:
    choices = ["kill", "kill"]
    if len(cluster.workers) < 5:
        choices.append("add")
    if len(cluster.workers) > 1:
        choices.append("term")
    choice = rng.choice(choices)
    say(f"disruption {number} {where}: {choice}")
    if choice == "kill" and len(cluster.workers) == 1:
        # The replacement first, so that one worker is always alive.
        victim = cluster.workers[0]
        cluster.start_worker("replacing the one about to be killed")
        cluster.kill(victim)
    elif choice == "kill":
        victim = rng.choice(cluster.workers)
        moment = aim(victim, rng, feeder)
        say(f"aimed at {victim.name}: {moment}")
        cluster.kill(victim)
        cluster.start_worker("replacing the killed one")
    elif choice == "add":
        cluster.start_worker(f"growing to {len(cluster.workers) + 1}")
    else:
        cluster.terminate(rng.choice(cluster.workers))


def broker_faults(args, work: Path, stream: Stream, rng: random.Random) -> None:
    brokers = 3
    cluster = Cluster(args, work, "faults", brokers=brokers)
    progress = None
    try:
        feeder = start_feeding(cluster, stream, args.feed_seconds)
        keep = rng.choice([2, 3])
        for _ in range(keep):
            cluster.start_worker("initial")
        deadline = time.monotonic() + args.timeout
        wait_for_assignment(cluster)
        progress = Progress(cluster)
        undo = []  # (due time, mock command, description)
        down = set()
        number = 0
        next_fault = time.monotonic() + pause(rng, args, True, args.faults)
        while (number < args.faults or undo) and time.monotonic() < deadline:
            cluster.supervise(keep)
            now = time.monotonic()
            for item in [u for u in undo if u[0] <= now]:
                undo.remove(item)
                cluster.mock.command(item[1])
                if item[1].startswith("broker-up"):
                    down.discard(int(item[1].split()[1]))
                say(f"undone: {item[2]}")
            if number < args.faults and now >= next_fault:
                number += 1
                inject(cluster, rng, number, progress.where(stream.actions), undo, down,
                       brokers)
                next_fault = now + pause(rng, args, False, args.faults)
            time.sleep(0.1)
        progress.stop()
        progress = None
        feeder.finish()
        say(f"faults done and undone; {len(cluster.workers)} workers running, "
            f"waiting for the end")
        lines = wait_until_settled(cluster, stream, deadline, keep)
        check_actions(cluster, stream, lines)
        if cluster.self_exits:
            say(f"note: workers exited on their own {cluster.self_exits} times and were "
                f"restarted")
        report_problems(cluster)
    finally:
        if progress is not None:
            progress.stop()
        cluster.stop()


def inject(cluster: Cluster, rng: random.Random, number: int, where: str, undo: list,
           down: set, brokers: int) -> None:
    now = time.monotonic()
    kinds = ["leaders", "produce-errors", "fetch-errors", "coordinator-errors", "rtt"]
    if not down:
        # One broker down at a time: the others keep a majority of every partition.
        kinds += ["broker-down", "broker-down"]
    kind = rng.choice(kinds)
    mock = cluster.mock
    if kind == "broker-down":
        broker = rng.randint(1, brokers)
        mock.command(f"broker-down {broker}")
        down.add(broker)
        seconds = rng.uniform(2, 6)
        undo.append((now + seconds, f"broker-up {broker}", f"broker {broker} up"))
        what = f"broker {broker} down for {seconds:.1f} s"
    elif kind == "leaders":
        moves = []
        for _ in range(rng.randint(1, 4)):
            topic = rng.choice(["input", "actions", f"{cluster.group}-changelog"])
            partition = rng.randrange(PARTITIONS)
            broker = rng.randint(1, brokers)
            mock.command(f"leader {topic} {partition} {broker}")
            moves.append(f"{topic}/{partition}->{broker}")
        what = "leaders moved: " + ", ".join(moves)
    elif kind == "rtt":
        broker = rng.randint(1, brokers)
        millis = rng.choice([50, 200, 500])
        mock.command(f"rtt {broker} {millis}")
        seconds = rng.uniform(2, 6)
        undo.append((now + seconds, f"rtt {broker} 0", f"broker {broker} round trip 0 ms"))
        what = f"broker {broker} round trip {millis} ms for {seconds:.1f} s"
    else:
        api, errors = {
            "produce-errors": ("Produce", ["NOT_LEADER_FOR_PARTITION"] * 3),
            "fetch-errors": ("Fetch", ["REQUEST_TIMED_OUT"] * rng.randint(1, 3)),
            "coordinator-errors": (rng.choice(["Heartbeat", "JoinGroup", "FindCoordinator",
                                               "OffsetCommit"]),
                                   ["COORDINATOR_NOT_AVAILABLE"] * rng.randint(1, 3)),
        }[kind]
        mock.command(f"request-errors {api} {','.join(errors)}")
        seconds = rng.uniform(3, 6)
        undo.append((now + seconds, f"clear-errors {api}", f"{api} errors cleared"))
        what = f"{api} fails with {','.join(errors)} (cleared after {seconds:.1f} s)"
    say(f"fault {number} {where}: {what}")


def report_problems(cluster: Cluster) -> None:
    if cluster.problems:
        for problem in cluster.problems:
            say(f"PROBLEM: {problem}")
        raise Failed(f"{len(cluster.problems)} problems with stopping workers")


def wrong_settings(args, work: Path) -> None:
    group = "wrong"
    mock = Mock(args.harness, 1, ["input", "actions", "rejects", f"{group}-changelog"],
                work / "mock.log")
    try:
        bootstrap = mock.bootstrap
        good = {"source": f"kafka:{bootstrap}/input?group={group}",
                "sink": f"kafka:{bootstrap}/actions",
                "rejects": f"kafka:{bootstrap}/rejects"}
        sasl = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
                "sasl.username=x", "sasl.password=wrong"]
        cases = [
            # All three on the unknown broker: the worker refuses outputs on other brokers
            # than its source's (one transaction cannot span two clusters).
            ("unknown broker", {"source": "kafka:127.0.0.1:1/input?group=g",
                                "sink": "kafka:127.0.0.1:1/actions",
                                "rejects": "kafka:127.0.0.1:1/rejects"}, [],
             ["127.0.0.1:1", "broker", "connect", "transport", "reach"]),
            ("missing topic", dict(good, sink=f"kafka:{bootstrap}/nosuchtopic"), [],
             ["nosuchtopic"]),
            ("bad credentials", good, sasl,
             ["sasl", "authenticat", "credential", "password"]),
        ]
        failures = []
        for name, spec, extra, causes in cases:
            command = [args.journey, "serve", str(ROOT / "examples"),
                       "--source", spec["source"], "--sink", spec["sink"],
                       "--rejects", spec["rejects"], "--clock", "event", "--lateness", "0s",
                       "--checkpoint-every", "200ms"]
            for setting in list(KAFKA_CONFIG) + extra:
                command += ["--kafka-config", setting]
            started = time.monotonic()
            try:
                result = subprocess.run(command, stdin=subprocess.DEVNULL,
                                        capture_output=True, text=True, timeout=60)
            except subprocess.TimeoutExpired as timeout:
                stderr = timeout.stderr.decode(errors="replace") \
                    if isinstance(timeout.stderr, bytes) else (timeout.stderr or "")
                failures.append(f"{name}: still running after 60 s (killed)")
                say(f"FAIL {name}: still running after 60 s; stderr so far:")
                print_stderr(stderr)
                continue
            seconds = time.monotonic() - started
            lines = result.stderr.splitlines()
            errors = [line for line in lines if line.startswith("error:")]
            others = [line for line in lines
                      if not line.startswith("error:") and not LOG_LINE.match(line)]
            say(f"{name}: exit status {result.returncode} after {seconds:.1f} s, "
                f"{len(lines)} stderr lines ({len(errors)} error:, {len(others)} not log lines)")
            print_stderr(result.stderr)
            problems = []
            if result.returncode == 0:
                problems.append("exited 0")
            elif result.returncode < 0:
                problems.append(f"killed by signal {-result.returncode}")
            if len(errors) != 1:
                problems.append(f"{len(errors)} lines start with `error:`, not one")
            if errors and not any(cause in errors[0].lower() for cause in causes):
                problems.append(f"the error line names none of {causes}")
            if others:
                say(f"  note: {len(others)} stderr lines are neither `error:` nor log lines")
            if problems:
                failures.append(f"{name}: " + "; ".join(problems))
                say(f"FAIL {name}: " + "; ".join(problems))
        if failures:
            raise Failed("; ".join(failures))
        say("ok: every wrong setting ended the worker with one error line")
    finally:
        mock.stop()


def print_stderr(text: str) -> None:
    for line in text.splitlines()[-15:]:
        print(f"      | {line}", flush=True)


# --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("journey")
    parser.add_argument("harness")
    parser.add_argument("gen_events")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="run only these (repeatable; default: all, in order)")
    parser.add_argument("--events", type=int,
                        default=int(os.environ.get("SCALEOUT_EVENTS", 200_000)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SCALEOUT_SEED", 1)))
    parser.add_argument("--disruptions", type=int, default=6)
    parser.add_argument("--faults", type=int, default=8)
    parser.add_argument("--feed-seconds", type=float, default=40,
                        help="produce the input over this long while the workers run "
                             "(0: all of it before they start)")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds a scenario may take to reach the reference")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--generate-only", action="store_true",
                        help="write the stream, the end lines and the reference, then stop")
    args = parser.parse_args()
    for path in (args.journey, args.harness, args.gen_events):
        if not os.access(path, os.X_OK):
            print(f"error: {path} is not an executable", file=sys.stderr)
            return 2
    args.journey, args.harness, args.gen_events = (
        os.path.abspath(p) for p in (args.journey, args.harness, args.gen_events))
    scenarios = args.scenario or list(SCENARIOS)
    work = Path(tempfile.mkdtemp(prefix="journey-scaleout-"))
    # SIGTERM (a CI timeout) must still stop the workers and the mock in the finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    keep = args.keep
    try:
        say(f"work folder {work}, seed {args.seed}, {args.events} events")
        stream = None
        if args.generate_only or any(s != "wrong-settings" for s in scenarios):
            try:
                stream = Stream(args, work)
            except subprocess.CalledProcessError as error:
                keep = True
                say(f"FAIL: {' '.join(map(str, error.cmd[:2]))} exited {error.returncode}")
                return 1
        if args.generate_only:
            keep = True
            return 0
        for name in scenarios:
            folder = work / name
            folder.mkdir()
            rng = random.Random(f"{args.seed}-{name}")
            say(f"=== {name}")
            try:
                if name == "rebalance-and-crash":
                    rebalance_and_crash(args, folder, stream, rng)
                elif name == "broker-faults":
                    broker_faults(args, folder, stream, rng)
                else:
                    wrong_settings(args, folder)
            except Failed as failure:
                keep = True
                say(f"FAIL {name}: {failure} (work folder {work})")
                return 1
            say(f"=== {name}: passed")
        return 0
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"work folder kept: {work}")


if __name__ == "__main__":
    sys.exit(main())
