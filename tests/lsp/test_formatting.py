"""Formatting: the edits turn the open buffer into exactly what `journey fmt` prints; a formatted
file stays as it is; a file with a syntax error is left alone."""

import pygls.exceptions

from lsp_session import apply_edits, fixture_text, journey_fmt

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")

MESSY = (
    JOURNEYS.replace(
        '  enter on form.submitted as signup where form == "newsletter"',
        '    enter on   form.submitted as signup where form=="newsletter"  // who signs up',
    )
    .replace("  wait 2d\n", "\twait 2d\n")
    .replace("journey handoff {", "journey handoff{")
    .replace("\n\n/// Hands", "\n\n\n\n/// Hands")
    .replace("{ url: click.url }", "{url:click.url}")
    .replace('    tag "quiet"', 'tag "quiet"')
)


async def format_buffer(session, name, text):
    session.open(name, text)
    edits = await session.formatting(name)
    return apply_edits(text, edits or [])


async def test_formatting_gives_what_journey_fmt_prints(session):
    formatted = await format_buffer(session, "journeys.journey", MESSY)
    assert formatted == journey_fmt(MESSY)
    assert formatted == JOURNEYS.replace(
        'where form == "newsletter"\n', 'where form == "newsletter" // who signs up\n'
    )


async def test_a_formatted_file_is_left_as_it_is(session):
    assert await format_buffer(session, "schema.journey", SCHEMA) == SCHEMA
    assert await format_buffer(session, "journeys.journey", JOURNEYS) == JOURNEYS


async def test_schema_with_odd_spacing(session):
    messy = (
        SCHEMA.replace("  order: string\n", "order:string\n")
        .replace("cap email 3 per 7d", "cap   email 3   per 7d")
        .replace("=> +5", "=>+5")
    )
    assert await format_buffer(session, "schema.journey", messy) == journey_fmt(messy) == SCHEMA


async def test_a_file_with_a_syntax_error_is_not_formatted(session):
    broken = MESSY.replace("  goal purchased on order.completed", "  goal purchased on")
    session.open("journeys.journey", broken)
    try:
        edits = await session.formatting("journeys.journey")
    except pygls.exceptions.JsonRpcException:
        edits = None
    assert apply_edits(broken, edits or []) == broken
    assert session.alive()
