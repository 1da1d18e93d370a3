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
                       and replaced, a 4th or 5th is added, or one is stopped with SIGTERM;
                       the first kill lands between two checkpoints of a worker that has
                       written outputs since its last. No worker may exit on its own.
  broker-faults        2 or 3 workers (restarted if they exit, unless a partition's state could
                       not be restored) while brokers go down and up, partition leaders move
                       and requests fail with injected errors.
  wrong-settings       an unknown broker, a missing topic, bad SASL credentials and a session
                       timeout the brokers refuse must each make `journey serve` exit non-zero
                       with one `error:` line.

The first two end once the committed actions (read_committed) have the reference's count, keep
it for 10 s and the workers are idle; then the actions, as JSON objects keyed by their `id`,
must be the reference's exactly: none missing, none twice, none different.

Know the mock's limits (librdkafka 2.12, see kafka-harness's mock tests): it keeps the
transactional protocol but not its meaning -- no commit or abort markers, every record is
stable, offsets sent with a transaction are dropped -- so `read_committed` here also returns
records of aborted and unfinished transactions, and a worker must not lean on Kafka to hide
them for this test to pass. It keeps at most 5 MiB per partition (older records are dropped;
the input is checked, and the changelog holds the state because a worker writes the whole
state again before its changelog grows past twice it) and never compacts. It has no SASL: a
SASL client fails its handshake.

    python3 tests/scaleout/scaleout.py JOURNEY HARNESS GEN_EVENTS [--scenario NAME]...
            [--events 200000] [--seed 1] [--feed-seconds 40] [--timeout 900] [--keep]
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cluster import (KAFKA_CONFIG, LOG_LINE, PARTITIONS, ROOT, SCENARIOS,
                     SLOW_CHECKPOINTS, Cluster, Failed, Feeder, Mock, Stream, Worker, pause, say,
                     start_feeding)
from verdict import Progress, check_actions, wait_for_assignment, wait_until_settled

def rebalance_and_crash(args, work: Path, stream: Stream, rng: random.Random) -> None:
    cluster = Cluster(args, work, "scaleout", brokers=3, exits_allowed=False)
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
                say(f"aimed at {victim.name}: {aim_between(cluster, victim, rng)}")
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


def aim_between(cluster: Cluster, worker: Worker, rng: random.Random) -> str:
    """Waits for a moment when `worker` has written outputs its last checkpoint does not
    cover: it has committed a checkpoint of processed input since its partitions were assigned
    (so it owns partitions and input reaches them), then its next checkpoint has just been
    committed and a third to a half of its 3 s interval has passed; says which.

    Timing the kill from the worker's own log rather than from the clock matters: the group's
    first rebalances can leave a worker without partitions for seconds, and a kill then tests
    nothing."""
    deadline = time.monotonic() + 40
    while True:
        cluster.supervise(len(cluster.workers))
        text = worker.log_path.read_text(errors="replace")
        assigned = text.rfind("partitions assigned")
        if assigned >= 0 and text.find("checkpoint committed", assigned) >= 0:
            break
        if time.monotonic() > deadline:
            raise Failed(f"{worker.name} committed no checkpoint of processed input within 40 s "
                         f"of the first disruption\n{worker.tail()}")
        time.sleep(0.05)
    seen = text.count("checkpoint committed")
    until = time.monotonic() + 5
    while time.monotonic() < until:
        if worker.log_path.read_text(errors="replace").count("checkpoint committed") > seen:
            break
        time.sleep(0.005)
    time.sleep(rng.uniform(1.0, 1.5))
    return "busy, between two checkpoints"


def aim(worker: Worker, rng: random.Random, feeder: "Feeder") -> str:
    """Waits for a moment when `worker` is busy: just after the next part of the input is
    produced, then either a random instant up to half a second later or the start of the
    worker's next checkpoint (so the kill lands while outputs, changelog records and the
    transaction are in flight); says which."""
    if feeder.is_alive():
        feeder.part_done.clear()
        feeder.part_done.wait(timeout=5)
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
    cluster = Cluster(args, work, "faults", brokers=brokers, exits_allowed=True)
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
        # The mock takes any session timeout; a broker answers one outside its
        # group.min/max.session.timeout.ms with this error to every JoinGroup.
        refused_timeout = ",".join(["INVALID_SESSION_TIMEOUT"] * 100)
        cases = [
            # All three on the unknown broker: the worker refuses outputs on other brokers
            # than its source's (one transaction cannot span two clusters).
            ("unknown broker", {"source": "kafka:127.0.0.1:1/input?group=g",
                                "sink": "kafka:127.0.0.1:1/actions",
                                "rejects": "kafka:127.0.0.1:1/rejects"}, [], None,
             ["127.0.0.1:1", "broker", "connect", "transport", "reach"]),
            ("missing topic", dict(good, sink=f"kafka:{bootstrap}/nosuchtopic"), [], None,
             ["nosuchtopic"]),
            ("bad credentials", good, sasl, None,
             ["sasl", "authenticat", "credential", "password"]),
            ("session timeout the brokers refuse", good, [],
             f"request-errors JoinGroup {refused_timeout}", ["session timeout"]),
        ]
        failures = []
        for name, spec, extra, inject, causes in cases:
            if inject:
                mock.command(inject)
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
            if inject:
                mock.command(f"clear-errors {inject.split()[1]}")
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
            except Failed as failure:
                keep = True
                say(f"FAIL: {failure}")
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
