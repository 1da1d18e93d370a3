#!/usr/bin/env python3
"""Crash test of `journey serve`: killed with SIGKILL again and again, it must write exactly what
one uninterrupted `journey run` writes.

The harness generates a stream for `examples/` (the benchmark's generator), puts bad lines into
it, and writes the reference with `journey run`. Then it starts

    journey serve examples/ --source file:IN --sink file:OUT --rejects file:REJ --state DIR
                  --clock event --stop-at-end --lateness 0s --checkpoint-every 200ms

and kills it with SIGKILL, `--kills` times, each after the service has restored its state: every
other kill at a random instant, the others once one to three checkpoints have been committed,
just after the service logs that the next begins (so inside a checkpoint: while the outputs are
made durable, the state is taken or the commit is in flight). After each kill it starts the
service again on the same state. A start that reaches the end of the input completes a cycle:
its actions and rejects files must be byte-identical to the reference, and the next cycle
begins from an empty state. Once the kills are done the last cycle runs to the end and is
checked the same way.

    python3 tests/serve/crash.py JOURNEY GEN_EVENTS [--events 200000] [--kills 50] [--seed 1]
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

ROOT = Path(__file__).resolve().parents[2]

BAD_LINES = [
    "not json at all",
    '{"type":"track","event":"page.viewed","userId":"u1"}',
    '{"type":"track","event":"no.such.event","userId":"u1","timestamp":"2026-01-01T00:00:00Z"}',
    '["an", "array"]',
    '{"type":"identify","timestamp":"2026-01-01T00:00:00Z","traits":{}}',
    "",
]


def generate(gen_events: str, events: int, work: Path, rng: random.Random) -> Path:
    raw = work / "generated.ndjson"
    env = dict(os.environ, JOURNEY_BENCH_EVENTS=str(events),
               JOURNEY_BENCH_CONTACTS=str(max(events // 10, 1)))
    subprocess.run([gen_events, str(raw)], env=env, check=True, stderr=subprocess.DEVNULL)
    stream = work / "events.ndjson"
    bad = 0
    with raw.open("rb") as source, stream.open("wb") as out:
        for line in source:
            if rng.random() < 0.002:
                out.write(rng.choice(BAD_LINES).encode() + b"\n")
                bad += 1
            out.write(line)
    raw.unlink()
    print(f"stream: {events} generated lines and {bad} bad ones")
    return stream


def serve_command(journey: str, stream: Path, work: Path) -> list:
    return [journey, "serve", str(ROOT / "examples"),
            "--source", f"file:{stream}",
            "--sink", f"file:{work / 'out.ndjson'}",
            "--rejects", f"file:{work / 'out.rej'}",
            "--state", str(work / "state"),
            "--clock", "event", "--stop-at-end", "--lateness", "0s",
            "--checkpoint-every", "200ms"]


def wait_for_line(log: Path, text: str, count: int, process: subprocess.Popen,
                  limit: float) -> bool:
    """Waits until the log has `count` lines containing `text` (or the process ended)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if log.read_text(errors="replace").count(text) >= count:
            return True
        time.sleep(0.001)
    return False


def compare(work: Path) -> list:
    """How the service's outputs differ from journey run's, if they do."""
    failures = []
    for ours, theirs in (("out.ndjson", "ref.ndjson"), ("out.rej", "ref.rej")):
        if (work / ours).read_bytes() != (work / theirs).read_bytes():
            failures.append(f"{ours} differs from journey run's {theirs}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("journey")
    parser.add_argument("gen_events")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="journey-crash-"))
    try:
        stream = generate(args.gen_events, args.events, work, rng)
        started = time.monotonic()
        subprocess.run([args.journey, "run", str(ROOT / "examples"), "--events", str(stream),
                        "--out", str(work / "ref.ndjson"), "--rejects", str(work / "ref.rej")],
                       check=True, stderr=subprocess.DEVNULL)
        reference_seconds = time.monotonic() - started
        # Each start runs for a random while before its kill: long enough on average to get
        # past its restore and commit a checkpoint or two, short enough that an input takes
        # several starts. A start that reaches the end of the input by itself completes a
        # cycle, which is checked and begun again from an empty state, so every kill counts.
        max_delay = max(0.4, 6 * reference_seconds / max(args.kills, 1))
        command = serve_command(args.journey, stream, work)
        env = dict(os.environ, RUST_LOG="debug")
        kills = in_checkpoint = cycles = 0
        runs = 0
        resumed_at = []
        while kills < args.kills:
            log = work / f"serve-{runs}.log"
            with log.open("wb") as err:
                process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env)
            runs += 1
            # Every kill comes after the restore, so that each start has a chance to go on.
            wait_for_line(log, " started ", 1, process, 60.0)
            if kills % 2 == 1:
                # Let it commit one to three checkpoints first (progress), then kill inside
                # the next one.
                wait_for_line(log, "checkpoint committed", rng.randint(1, 3), process, 60.0)
                seen = log.read_text(errors="replace").count("checkpoint begins")
                caught = wait_for_line(log, "checkpoint begins", seen + 1, process, 30.0)
            else:
                time.sleep(rng.uniform(0.02, max_delay))
                caught = False
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                in_checkpoint += caught
            elif process.returncode != 0:
                print(log.read_text(errors="replace"), file=sys.stderr)
                print(f"journey serve failed with {process.returncode}", file=sys.stderr)
                return 1
            else:
                # The input is done: the cycle's output must be journey run's; then start over.
                cycles += 1
                failures = compare(work)
                if failures:
                    args.keep = True
                    for failure in failures:
                        print(f"FAIL (cycle {cycles}): {failure} (work folder {work})",
                              file=sys.stderr)
                    return 1
                shutil.rmtree(work / "state", ignore_errors=True)
                for name in ("out.ndjson", "out.rej"):
                    (work / name).unlink(missing_ok=True)
            text = log.read_text(errors="replace")
            resumed_at += [int(part.split("=", 1)[1])
                           for line in text.splitlines() if " restored " in line
                           for part in line.split() if part.startswith("lines=")]
            log.unlink()
        log = work / "serve-final.log"
        with log.open("wb") as err:
            final = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=err, env=env)
        if final.returncode != 0:
            print(log.read_text(errors="replace"), file=sys.stderr)
            print(f"the last journey serve failed with {final.returncode}", file=sys.stderr)
            return 1
        cycles += 1
        resumed_at.sort()
        print(f"{kills} kills ({in_checkpoint} inside a checkpoint), {runs + 1} starts, "
              f"{cycles} cycles through the whole input, each checked")
        if resumed_at:
            print(f"restarts resumed after lines {resumed_at[0]} to {resumed_at[-1]} "
                  f"(median {resumed_at[len(resumed_at) // 2]}, "
                  f"{sum(1 for r in resumed_at if r > 0)} of {len(resumed_at)} past line 0)")
        failures = compare(work)
        if failures:
            args.keep = True
            for failure in failures:
                print(f"FAIL: {failure} (work folder {work})", file=sys.stderr)
            return 1
        actions = sum(1 for _ in (work / "ref.ndjson").open("rb"))
        rejects = sum(1 for _ in (work / "ref.rej").open("rb"))
        print(f"ok: {actions} actions and {rejects} rejects byte-identical to journey run")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
