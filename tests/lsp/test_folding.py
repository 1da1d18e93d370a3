"""Folding ranges: every brace block that spans lines, and nothing else (comment folds aside).

Editors differ on whether a fold ends on the line of its `}` or on the line before it; the server
may use either, but one convention for all its ranges."""

from lsprotocol import types

from lsp_session import fixture_text, line_of

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")


def block(text, opening, closing):
    """(line of the unique `opening`, line where the first `closing` after it ends)."""
    assert text.count(opening) == 1, opening
    start = text.index(opening)
    end = text.index(closing, start) + len(closing) - 1
    return (text.count("\n", 0, start), text.count("\n", 0, end))


async def folds(session, name, text):
    session.open(name, text)
    ranges = await session.folding_ranges(name)
    for r in ranges:
        assert r.start_line < r.end_line, f"a fold must span lines: {r}"
    return {
        (r.start_line, r.end_line)
        for r in ranges
        if r.kind not in (types.FoldingRangeKind.Comment, types.FoldingRangeKind.Imports)
    }


def assert_blocks(got, blocks):
    on_closing_line = {(s, e) for s, e in blocks}
    before_closing_line = {(s, e - 1) for s, e in blocks}
    assert got in (on_closing_line, before_closing_line), (
        f"got {sorted(got)}, want {sorted(on_closing_line)} or {sorted(before_closing_line)}"
    )


async def test_schema_blocks(session):
    got = await folds(session, "schema.journey", SCHEMA)
    assert_blocks(
        got,
        [
            block(SCHEMA, "event order.completed {", "\n}"),
            block(SCHEMA, "profile {", "\n}"),
            block(SCHEMA, "policy {", "\n}"),
            block(SCHEMA, "score interest {", "\n}"),
        ],
    )


async def test_journey_blocks_and_nested_blocks(session):
    got = await folds(session, "journeys.journey", JOURNEYS)
    welcome = (line_of(JOURNEYS, "journey welcome {"), line_of(JOURNEYS, "\n}", nth=0) + 1)
    handoff = (line_of(JOURNEYS, "journey handoff {"), line_of(JOURNEYS, "\n}", nth=1) + 1)
    if_block = (line_of(JOURNEYS, "  if count("), line_of(JOURNEYS, "  }", nth=0))
    wait_for = (line_of(JOURNEYS, "  wait for email.clicked"), line_of(JOURNEYS, "  } else {"))
    else_block = (line_of(JOURNEYS, "  } else {"), line_of(JOURNEYS, "  }\n}"))
    assert_blocks(got, [welcome, if_block, wait_for, else_block, handoff])


async def test_multi_line_payloads_fold_and_a_broken_declaration_keeps_the_others(session):
    text = JOURNEYS.replace(
        '  notify sales "new_lead" with { email: profile.email ?? "unknown", score: interest }\n',
        '  notify sales "new_lead" with {\n'
        '    email: profile.email ?? "unknown",\n'
        "    score: interest,\n"
        "  }\n",
    ).replace("/// Hands interested", "journey broken {\n  enter on\n\n/// Hands interested")
    got = await folds(session, "journeys.journey", text)
    handoff = (line_of(text, "journey handoff {"), line_of(text, "\n}", nth=1) + 1)
    payload = (line_of(text, '  notify sales "new_lead" with {'), line_of(text, "  }\n}", nth=1))
    assert handoff in got or (handoff[0], handoff[1] - 1) in got, sorted(got)
    assert payload in got or (payload[0], payload[1] - 1) in got, sorted(got)
    welcome = (line_of(text, "journey welcome {"), line_of(text, "\n}", nth=0) + 1)
    assert welcome in got or (welcome[0], welcome[1] - 1) in got, sorted(got)
