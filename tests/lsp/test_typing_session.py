"""A whole journey typed into an empty file one keystroke at a time (full-text didChange each
time, with a typo and its correction on the way, pauses at line ends so the debounced check runs
on half-written text, and hover and completion asked while typing). The server must answer every
request, publish only ranges inside the text they were computed for, and settle on exactly the
diagnostics of the finished file."""

import asyncio

from lsprotocol import types

from lsp_session import (
    WARNING,
    cli_key,
    diag_code,
    diag_key,
    diag_text,
    fixture_text,
    hover_text,
    journey_check,
    offset_of,
    position_at,
    rng,
    show,
    span,
)

FINAL = """\
/// Reminds engaged contacts who looked at pricing.
journey pricing_nudge {
  enter on page.viewed as view where path starts_with "/pricing"
  reenter after 7d

  wait 1d
  if engaged and view.referrer is set {
    send email "pricing_followup" with { path: view.path, score: interest }
  }
  send push "pricing_push"
}
"""

# The keystrokes: text to type, or a number of backspaces. They end in FINAL.
KEYSTROKES = [
    FINAL[: FINAL.index("page.viewed")],
    "page.viewd",  # a typo ...
    1,  # ... corrected
    "ed",
    FINAL[FINAL.index(" as view") : FINAL.index("engaged and")],
    "engaegd",
    3,
    "ged",
    FINAL[FINAL.index(" and view.") :],
]

PAUSE_AT_LINE_END = 0.3


def keystrokes():
    """(text after the keystroke, the keystroke) for every key pressed."""
    text = ""
    for step in KEYSTROKES:
        if isinstance(step, int):
            for _ in range(step):
                text = text[:-1]
                yield text, "\b"
        else:
            for ch in step:
                text += ch
                yield text, ch
    assert text == FINAL


async def test_typing_a_journey_keystroke_by_keystroke(session):
    name = "typed.journey"
    (session.root / name).write_text("")
    session.open(name, "")

    texts_by_version = {1: ""}
    requests = []
    for text, key in keystrokes():
        session.change(name, text)
        texts_by_version[session.version(name)] = text
        if key == "\n":
            cursor = position_at(text, len(text))
            previous = position_at(text, len(text.rstrip()) - 1) if text.strip() else cursor
            requests.append(asyncio.ensure_future(session.hover(name, previous)))
            requests.append(asyncio.ensure_future(session.completion(name, cursor)))
            await asyncio.sleep(PAUSE_AT_LINE_END)
        else:
            await asyncio.sleep(0.002)
        assert session.alive(), f"the server died after typing {text!r}"

    # Every request made while typing was answered (a result or None, never an error).
    await asyncio.gather(*requests)

    expected = journey_check(
        {
            "schema.journey": fixture_text("schema.journey"),
            "journeys.journey": fixture_text("journeys.journey"),
            name: FINAL,
        }
    )
    want = sorted(cli_key(d) for d in expected[name])
    diags = await session.diagnostics(
        name,
        after=0,
        until=lambda ds: sorted(map(diag_key, ds)) == want,
        timeout=20,
        quiet=2.0,
    )
    assert sorted(map(diag_key, diags)) == want, show(diags)

    # What the finished file has: one warning, for the push sent without a consent rule.
    assert len(diags) == 1, show(diags)
    (d,) = diags
    assert diag_code(d) == "W0003"
    assert d.severity == WARNING
    assert rng(d.range) == rng(span(FINAL, "push", within='send push "pricing_push"'))
    assert "add `consent push when ...` to the `policy` block" in diag_text(d)

    # The last publication is for the last version, when the server says which version it is.
    last = session.published_for(name)[-1]
    assert last.version in (None, session.version(name))

    # Every publication on the way only had ranges inside the text it was computed for.
    for published in session.published_for(name):
        if published.version is None:
            continue
        text = texts_by_version[published.version]
        for diagnostic in published.diagnostics:
            for p in (diagnostic.range.start, diagnostic.range.end):
                offset_of(text, p)  # fails on a position outside the text

    assert session.errors_shown() == []
    assert session.alive()


async def test_deleting_everything_again_clears_the_diagnostics(session):
    name = "typed.journey"
    (session.root / name).write_text("")
    session.open(name, FINAL)
    diags = await session.diagnostics(name, until=lambda ds: len(ds) == 1)
    assert [diag_code(d) for d in diags] == ["W0003"], show(diags)

    text = FINAL
    while text:
        text = text[:-1]
        session.change(name, text)
        await asyncio.sleep(0.3 if text.endswith("\n") else 0.002)
        assert session.alive(), f"the server died at {text!r}"

    diags = await session.diagnostics(name, until=lambda ds: ds == [], quiet=2.0)
    assert diags == [], show(diags)
    hover = await session.hover(name, types.Position(line=0, character=0))
    assert hover_text(hover).strip() == ""
    assert session.errors_shown() == []
