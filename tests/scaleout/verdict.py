#!/usr/bin/env python3
"""The scale-out test's verdict: waiting until the workers have settled, comparing the
committed actions with `journey run`'s by id, and following progress. Used by `scaleout.py`."""

import collections
import json
import subprocess
import threading
import time

from cluster import Cluster, Failed, Stream, partitions_of, say, SETTLE_SECONDS, IDLE_CPU_SECONDS, \
    STALL_SECONDS

def wait_until_settled(cluster: Cluster, stream: Stream, deadline: float, keep: int) -> list:
    """Polls the committed actions until their count is the reference's, holds for
    SETTLE_SECONDS and the workers are idle; returns them. Fails at once when more were
    committed than the reference has (committed records cannot go away)."""
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
        elif count > stream.actions:
            describe_difference(cluster, stream, lines, headline="too many")
            raise Failed(f"{count} committed actions, more than the {stream.actions} expected "
                         "(committed records cannot go away)")
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
        if sorted(c for c, _ in ours[key]) != sorted(c for c, _ in theirs[key]):
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
