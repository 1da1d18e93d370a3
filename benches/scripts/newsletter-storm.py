#!/usr/bin/env python3
"""Writes a stream in which one line fires the `examples/` newsletter for N contacts at once.

N contacts in UTC with e-mail consent are identified, each opens an e-mail (so that the
newsletter's filter holds), and the last line arrives at 2026-03-01T10:00:00Z, when the monthly
newsletter's zone timer for UTC fires. Timing `journey run examples/` with and without the last
line gives the cost of that one line:

    python3 benches/scripts/newsletter-storm.py 140000 > /tmp/storm.ndjson
    head -n -1 /tmp/storm.ndjson > /tmp/storm-before.ndjson
    journey run examples/ --events /tmp/storm-before.ndjson --out /dev/null
    journey run examples/ --events /tmp/storm.ndjson --out /dev/null
"""

import json
import sys


def main() -> None:
    contacts = int(sys.argv[1]) if len(sys.argv) > 1 else 140_000
    out = sys.stdout
    for i in range(contacts):
        traits = {"email": f"x{i}@example.com", "timezone": "UTC", "consent_email": True}
        out.write(json.dumps({"type": "identify", "userId": f"u{i}",
                              "timestamp": "2026-02-27T00:00:00Z", "traits": traits}) + "\n")
    for i in range(contacts):
        out.write(json.dumps({"type": "track", "event": "email.opened", "userId": f"u{i}",
                              "timestamp": "2026-02-28T00:00:00Z",
                              "properties": {"campaign": "x"}}) + "\n")
    out.write(json.dumps({"type": "track", "event": "email.opened", "userId": "u0",
                          "timestamp": "2026-03-01T10:00:00Z",
                          "properties": {"campaign": "x"}}) + "\n")


if __name__ == "__main__":
    main()
