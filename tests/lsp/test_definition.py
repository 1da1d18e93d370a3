"""Go to definition: from a use to the name in its declaration, across files."""

from lsp_session import fixture_text, locations, pos, rng, span

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")


async def definition(session, needle, *, within=None, delta=1):
    if "journeys.journey" not in session.docs:
        session.open("journeys.journey")
    return locations(
        await session.definition(
            "journeys.journey", pos(JOURNEYS, needle, within=within, delta=delta)
        )
    )


async def test_event_goes_to_its_declaration_in_the_schema(session):
    got = await definition(session, "email.opened", delta=len("email.op"))
    assert got == [
        ("schema.journey", rng(span(SCHEMA, "email.opened", within="event email.opened")))
    ]


async def test_segment_goes_to_its_declaration(session):
    got = await definition(session, "engaged", within="and engaged\n")
    assert got == [("schema.journey", rng(span(SCHEMA, "engaged", within="segment engaged =")))]


async def test_score_goes_to_its_declaration(session):
    got = await definition(session, "interest", within="score: interest")
    assert got == [("schema.journey", rng(span(SCHEMA, "interest", within="score interest {")))]


async def test_profile_field_goes_to_its_declaration(session):
    got = await definition(session, "first_name", within="profile.first_name")
    assert got == [
        ("schema.journey", rng(span(SCHEMA, "first_name", within="  first_name: string?")))
    ]


async def test_bare_field_in_where_goes_to_the_field_of_its_event(session):
    got = await definition(session, "campaign", within='where campaign == "welcome_1"')
    want = span(SCHEMA, "campaign", within="event email.clicked { campaign: string")
    assert got == [("schema.journey", rng(want))]


async def test_field_of_a_binding_goes_to_the_field_of_the_bound_event(session):
    got = await definition(session, "form", within="signup.form")
    want = span(SCHEMA, "form", within="event form.submitted { form: string", nth=1)
    assert got == [("schema.journey", rng(want))]


async def test_binding_goes_to_its_as_clause(session):
    got = await definition(session, "click", within="click.url")
    assert got == [("journeys.journey", rng(span(JOURNEYS, "click", within="as click where")))]


async def test_event_in_the_schema_itself(session):
    session.open("schema.journey")
    got = locations(
        await session.definition(
            "schema.journey", pos(SCHEMA, "page.viewed", within="on page.viewed where")
        )
    )
    assert got == [("schema.journey", rng(span(SCHEMA, "page.viewed", within="event page.viewed")))]


async def test_nothing_on_a_keyword_or_a_literal(session):
    assert await definition(session, "wait", within="  wait 2d") == []
    assert await definition(session, "welcome_1", within='send email "welcome_1"') == []
