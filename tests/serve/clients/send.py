"""Sends Segment-spec NDJSON lines to an HTTP source with Segment's Python library.

    python send.py HOST WRITE_KEY FILE FIRST LAST

Lines FIRST..LAST (from 0, LAST excluded) of FILE go out as identify, track and page calls with
their own timestamps, one request each (`sync_mode`), so they arrive in order, gzipped (the
library's `gzip` option). Exits 1 if the library reports an error.
"""

import json
import sys
from datetime import datetime

import segment.analytics as analytics


def main() -> int:
    host, write_key, path, first, last = sys.argv[1:6]
    errors = []
    analytics.write_key = write_key
    analytics.host = host
    analytics.sync_mode = True
    analytics.gzip = True
    analytics.max_retries = 0
    analytics.on_error = lambda error, _items: errors.append(str(error))
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if not int(first) <= number < int(last):
                continue
            event = json.loads(line)
            at = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
            user = event["userId"]
            if event["type"] == "identify":
                analytics.identify(user, event.get("traits", {}), timestamp=at)
            elif event["type"] == "track":
                analytics.track(user, event["event"], event.get("properties", {}), timestamp=at)
            elif event["type"] == "page":
                analytics.page(user, name=event.get("name"),
                               properties=event.get("properties", {}), timestamp=at)
    analytics.flush()
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
