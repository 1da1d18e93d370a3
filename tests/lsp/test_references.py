"""Find references: every use across the workspace (open or not), with or without the declaration;
never a comment or another symbol of the same spelling."""

from lsp_session import fixture_text, locations, pos, rng, span

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")
TEXTS = {"schema.journey": SCHEMA, "journeys.journey": JOURNEYS}


def at(name, needle, within=None):
    return (name, rng(span(TEXTS[name], needle, within=within)))


async def references(session, name, needle, *, within=None, declaration):
    if name not in session.docs:
        session.open(name)
    position = pos(TEXTS[name], needle, within=within, delta=1)
    return locations(await session.references(name, position, declaration=declaration))


async def test_event_from_its_declaration_across_files(session):
    declaration = at("schema.journey", "email.opened", "event email.opened {")
    uses = [
        at("schema.journey", "email.opened", "count(email.opened within 30d)"),
        at("journeys.journey", "email.opened", "count(email.opened since enter)"),
    ]
    got = await references(
        session, "schema.journey", "email.opened", within="event email.opened {", declaration=True
    )
    assert got == sorted([declaration, *uses])
    got = await references(
        session, "schema.journey", "email.opened", within="event email.opened {", declaration=False
    )
    assert got == sorted(uses)


async def test_event_field_is_not_confused_with_a_field_of_the_same_name(session):
    # email.opened and email.clicked both have a `campaign`; only email.clicked's is used.
    got = await references(
        session,
        "journeys.journey",
        "campaign",
        within='where campaign == "welcome_1"',
        declaration=True,
    )
    assert got == sorted(
        [
            at("schema.journey", "campaign", "event email.clicked { campaign"),
            at("journeys.journey", "campaign", 'where campaign == "welcome_1"'),
        ]
    )


async def test_segment_references_skip_comments(session):
    # "engaged" is also a word of the doc comment of `handoff`.
    got = await references(
        session, "journeys.journey", "engaged", within="and engaged\n", declaration=True
    )
    assert got == sorted(
        [
            at("schema.journey", "engaged", "segment engaged ="),
            at("journeys.journey", "engaged", "and engaged\n"),
        ]
    )


async def test_score_from_its_declaration(session):
    got = await references(
        session, "schema.journey", "interest", within="score interest {", declaration=False
    )
    assert got == sorted(
        [
            at("journeys.journey", "interest", "enter when interest"),
            at("journeys.journey", "interest", "score: interest"),
        ]
    )


async def test_profile_field(session):
    got = await references(
        session, "journeys.journey", "first_name", within="profile.first_name", declaration=True
    )
    assert got == sorted(
        [
            at("schema.journey", "first_name", "  first_name: string?"),
            at("journeys.journey", "first_name", "profile.first_name"),
        ]
    )


async def test_binding_is_local_to_its_journey(session):
    got = await references(
        session, "journeys.journey", "signup", within="as signup", declaration=True
    )
    assert got == sorted(
        [
            at("journeys.journey", "signup", "as signup"),
            at("journeys.journey", "signup", "signup.form"),
        ]
    )
