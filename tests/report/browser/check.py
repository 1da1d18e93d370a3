"""Opens every report.html of the report corpus in a real browser and checks it against report.json.

For each case of tests/report/ (and the example newsletter stream), `journey report` writes
report.json and report.html into target/report-browser/CASE/; then headless Chromium (Debian's,
driven by Playwright) opens the page from file://, takes a full-page screenshot into
target/report-screenshots/CASE.png, and checks:

- every figure the page shows (elements with `data-json`, the JSON pointer of the figure) has
  `data-value` equal to report.json at that pointer, and its text agrees with the value in the
  format `data-format` names (int, pct, num, dur, text);
- the tables cover the report: every journey, step, goal, template, split arm and day of
  report.json has its figures on the page;
- every chart is an inline SVG, and the page made no request but the page itself.

Usage: python check.py JOURNEY_BIN [CHROMIUM] (CHROMIUM defaults to /usr/bin/chromium).
Prints 'N passed, N failed' and exits 1 on any failure.
"""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "target" / "report-browser"
SHOTS = ROOT / "target" / "report-screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def cases():
    """(name, program, events, extra arguments) of every case."""
    found = []
    for case in sorted((ROOT / "tests" / "report").iterdir()):
        if (case / "expected.json").exists():
            args_file = case / "args"
            args = args_file.read_text().split() if args_file.exists() else []
            found.append((case.name, case / "program.journey", case / "events.ndjson", args))
    streams = ROOT / "examples" / "streams"
    found.append(
        (
            "examples-newsletter",
            ROOT / "examples",
            streams / "newsletter.ndjson",
            (streams / "newsletter.args").read_text().split(),
        )
    )
    return found


def pointer(doc, path):
    """The value at a JSON pointer (RFC 6901)."""
    node = doc
    for part in path.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def text_agrees(fmt, value, text):
    """Whether the shown text is the value in its format."""
    if value is None:
        return text == "–"
    if fmt == "int":
        return text.replace(",", "") == str(value)
    if fmt == "pct":
        return math.isclose(float(text.rstrip("%")), value * 100, abs_tol=0.051)
    if fmt == "num":
        return math.isclose(float(text), value, abs_tol=0.0051)
    if fmt == "dur":
        units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
        seconds = sum(int(part[:-1]) * units[part[-1]] for part in text.split())
        # Two units at most are shown: the rest is cut, never more than a day.
        return 0 <= value - seconds < 86400
    return text == (value if isinstance(value, str) else json.dumps(value))


def expected_pointers(doc):
    """Pointers the page must show, from the shape of report.json."""
    wanted = ["/run/lines", "/run/contacts"]
    for j, journey in enumerate(doc["journeys"]):
        wanted += [f"/journeys/{j}/entries", f"/journeys/{j}/inside_at_end"]
        wanted += [f"/journeys/{j}/steps/{s}/contacts" for s in range(len(journey["steps"]))]
        wanted += [f"/journeys/{j}/goals/{g}/conversion_rate" for g in range(len(journey["goals"]))]
    for c, channel in enumerate(doc["channels"]):
        wanted.append(f"/channels/{c}/total/sends")
        wanted += [f"/channels/{c}/templates/{t}/open_rate" for t in range(len(channel["templates"]))]
    for s, split in enumerate(doc["splits"]):
        wanted.append(f"/splits/{s}/summary")
        wanted += [f"/splits/{s}/arms/{a}/conversion_rate" for a in range(len(split["arms"]))]
    for o, _ in enumerate(doc["attribution"]):
        wanted += [f"/attribution/{o}/count", f"/attribution/{o}/unattributed"]
    wanted += [f"/timeline/{d}/actions/0/count" for d in range(len(doc["timeline"]))]
    return wanted


def check_case(browser, name, program, events, args, journey):
    """The failures of one case."""
    out = OUT / name
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(
        [journey, "report", str(program), "--events", str(events), "--out", str(out), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    doc = json.loads((out / "report.json").read_text())
    page_url = (out / "report.html").resolve().as_uri()
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_url, wait_until="load")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    cells = page.eval_on_selector_all(
        "[data-json]",
        "els => els.map(e => [e.dataset.json, e.dataset.value, e.dataset.format, e.textContent])",
    )
    svgs = page.eval_on_selector_all("div.chart > svg", "els => els.length")
    page.close()

    failures = []
    shown = set()
    for path, raw, fmt, text in cells:
        shown.add(path)
        try:
            value = pointer(doc, path)
        except (KeyError, IndexError, ValueError):
            failures.append(f"{path}: not in report.json")
            continue
        if json.loads(raw) != value:
            failures.append(f"{path}: data-value {raw} but report.json has {json.dumps(value)}")
        if not text_agrees(fmt, value, text):
            failures.append(f"{path}: shows {text!r} for {json.dumps(value)} ({fmt})")
    for path in expected_pointers(doc):
        if path not in shown:
            failures.append(f"{path}: not shown on the page")
    if doc["journeys"] and svgs == 0:
        failures.append("no inline SVG chart")
    others = [url for url in requests if url != page_url]
    if others:
        failures.append(f"requests left the page: {others}")
    print(f"{name}: {len(cells)} figures, {svgs} charts, {len(requests)} request(s)")
    return [f"{name}: {f}" for f in failures]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    journey = sys.argv[1]
    chromium = sys.argv[2] if len(sys.argv) > 2 else "/usr/bin/chromium"
    passed, failed = 0, 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        for name, program, events, args in cases():
            failures = check_case(browser, name, program, events, args, journey)
            if failures:
                failed += 1
                print("\n".join(failures))
            else:
                passed += 1
        browser.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
