"""Hover: the type and the doc comment of events, fields, profile fields, segments, scores and
journeys, over the exact range of the hovered name; help for keywords; nothing on blank space."""

import re

from lsp_session import fixture_text, hover_text, pos, rng, span

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")


async def hover_at(session, name, text, needle, *, within=None, delta=1):
    """Hovers one character into `needle`; returns (text of the hover, its range)."""
    hover = await session.hover(name, pos(text, needle, within=within, delta=delta))
    assert hover is not None, f"no hover on {needle!r}"
    return hover_text(hover), rng(hover.range)


async def test_event_use_shows_its_fields_and_doc_comment(session):
    session.open("journeys.journey")
    # On the second part of the dotted name: the whole name is the hovered symbol.
    text, range_ = await hover_at(
        session, "journeys.journey", JOURNEYS, "email.opened", delta=len("email.op")
    )
    assert "email.opened" in text
    assert "campaign: string" in text
    # The implicit fields of every event.
    for field in ("at: time", "contact: string", "account: string?"):
        assert field in text
    assert "A contact opened a marketing email." in text
    assert range_ == rng(span(JOURNEYS, "email.opened"))


async def test_event_declaration_shows_its_fields_and_doc_comment(session):
    session.open("schema.journey")
    text, range_ = await hover_at(
        session, "schema.journey", SCHEMA, "order.completed", within="event order.completed {"
    )
    assert "order.completed" in text
    for field in ("order: string", "cart: string?", "value: float"):
        assert field in text
    assert "A paid order; `cart` links it to the cart it came from." in text
    assert range_ == rng(span(SCHEMA, "order.completed", within="event order.completed {"))


async def test_bare_field_in_where_shows_its_type(session):
    session.open("journeys.journey")
    text, range_ = await hover_at(
        session, "journeys.journey", JOURNEYS, "form", within='where form == "newsletter"'
    )
    assert "form: string" in text
    assert "form.submitted" in text
    assert range_ == rng(span(JOURNEYS, "form", within='where form == "newsletter"'))


async def test_field_of_a_binding_shows_its_type(session):
    session.open("journeys.journey")
    text, range_ = await hover_at(session, "journeys.journey", JOURNEYS, "url", within="click.url")
    assert "url: string" in text
    assert range_ == rng(span(JOURNEYS, "url", within="click.url"))


async def test_binding_shows_the_event_it_binds(session):
    session.open("journeys.journey")
    text, range_ = await hover_at(
        session, "journeys.journey", JOURNEYS, "signup", within="signup.form"
    )
    assert "signup" in text
    assert "form.submitted" in text
    assert range_ == rng(span(JOURNEYS, "signup", within="signup.form"))


async def test_profile_field_use_shows_its_type(session):
    session.open("journeys.journey")
    text, range_ = await hover_at(
        session, "journeys.journey", JOURNEYS, "first_name", within="profile.first_name"
    )
    assert "first_name: string?" in text
    assert range_ == rng(span(JOURNEYS, "first_name", within="profile.first_name"))


async def test_profile_field_declaration_shows_type_and_default(session):
    session.open("schema.journey")
    text, range_ = await hover_at(
        session, "schema.journey", SCHEMA, "lifecycle", within="  lifecycle: enum"
    )
    assert "lifecycle: enum { subscriber, lead, customer }" in text
    assert range_ == rng(span(SCHEMA, "lifecycle", within="  lifecycle: enum"))


async def test_segment_shows_bool_and_doc_comment(session):
    session.open("journeys.journey")
    text, range_ = await hover_at(
        session, "journeys.journey", JOURNEYS, "engaged", within="and engaged\n"
    )
    assert re.search(r"segment\W+engaged", text), text
    assert "bool" in text
    assert "Opened three emails or clicked one in the last month." in text
    assert range_ == rng(span(JOURNEYS, "engaged", within="and engaged\n"))


async def test_score_shows_int_and_doc_comment(session):
    session.open("journeys.journey")
    text, range_ = await hover_at(
        session, "journeys.journey", JOURNEYS, "interest", within="enter when interest"
    )
    assert re.search(r"score\W+interest", text), text
    assert "int" in text
    assert "Interest shown on the website and in emails." in text
    assert range_ == rng(span(JOURNEYS, "interest", within="enter when interest"))


async def test_journey_shows_its_doc_comment(session):
    session.open("journeys.journey")
    text, range_ = await hover_at(
        session, "journeys.journey", JOURNEYS, "welcome", within="journey welcome {"
    )
    assert re.search(r"journey\W+welcome", text), text
    assert "Greets newsletter sign-ups and nudges those who do not open." in text
    assert range_ == rng(span(JOURNEYS, "welcome", within="journey welcome {"))


async def test_keywords_have_help(session):
    session.open("journeys.journey")
    wait, wait_range = await hover_at(
        session, "journeys.journey", JOURNEYS, "wait", within="  wait 2d"
    )
    enter, _ = await hover_at(session, "journeys.journey", JOURNEYS, "enter", within="  enter on")
    assert "wait" in wait
    assert "enter" in enter
    assert wait != enter, "each keyword has its own help"
    assert wait_range == rng(span(JOURNEYS, "wait", within="  wait 2d"))


async def test_no_hover_on_blank_space_and_comments(session):
    session.open("journeys.journey")
    blank_line = pos(JOURNEYS, "\n\n  send email", delta=1)
    assert hover_text(await session.hover("journeys.journey", blank_line)).strip() == ""
    comment = pos(JOURNEYS, "fixture journeys", delta=2)
    assert hover_text(await session.hover("journeys.journey", comment)).strip() == ""
