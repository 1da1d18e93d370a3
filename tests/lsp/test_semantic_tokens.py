"""Semantic tokens (full document): well-formed, keywords only where the grammar has a keyword,
literals and comments by their standard types, and one consistent type per kind of name."""

from lsprotocol import types

from lsp_session import fixture_text, span, utf16_len

JOURNEYS = fixture_text("journeys.journey")

# A contextual word (`day`, `to`) is a keyword only where the grammar expects one.
CONTEXTUAL = """\
/// A meeting booked through the scheduling page.
event meeting.booked { day: string  to: string }

journey digest {
  enter monthly on day 1 at 10:00 local
  wait for meeting.booked where day == "monday" and to != "" within 1d {
    send email "digest_booked" with { day: "x" }
  }
}
"""


def legend(session) -> types.SemanticTokensLegend:
    provider = session.capabilities.semantic_tokens_provider
    assert provider is not None, "the server does not offer semantic tokens"
    assert provider.full, "the server does not offer semantic tokens for a full document"
    return provider.legend


async def tokens(session, name, text):
    """{(line, start column): (length, type name, modifiers)}, checked to be well formed."""
    session.open(name, text)
    leg = legend(session)
    result = await session.semantic_tokens(name)
    assert result is not None and result.data, "no semantic tokens"
    data = result.data
    assert len(data) % 5 == 0
    lines = text.split("\n")
    out = {}
    line = start = 0
    previous_end = None
    for i in range(0, len(data), 5):
        d_line, d_start, length, type_index, modifier_bits = data[i : i + 5]
        if d_line:
            line, start, previous_end = line + d_line, d_start, None
        else:
            start += d_start
        assert length > 0, f"empty token at {line}:{start}"
        assert line < len(lines), f"token past the last line: {line}"
        assert start + length <= utf16_len(lines[line]), (
            f"token {line}:{start}+{length} runs past the end of its line {lines[line]!r}"
        )
        assert previous_end is None or start >= previous_end, (
            f"overlapping tokens at {line}:{start}"
        )
        previous_end = start + length
        assert type_index < len(leg.token_types), f"token type {type_index} not in the legend"
        modifiers = {m for bit, m in enumerate(leg.token_modifiers) if modifier_bits & (1 << bit)}
        assert modifier_bits < (1 << len(leg.token_modifiers)), "modifier bit outside the legend"
        out[(line, start)] = (length, leg.token_types[type_index], modifiers)
    return out


def token_at(toks, text, needle, *, within=None, nth=None):
    """The type of the one token that covers exactly `needle`."""
    r = span(text, needle, within=within, nth=nth)
    assert r.start.line == r.end.line
    got = toks.get((r.start.line, r.start.character))
    assert got is not None, f"no token starts at {needle!r} ({r.start.line}:{r.start.character})"
    length, type_, _ = got
    assert length == r.end.character - r.start.character, (
        f"the token at {needle!r} has length {length}, not {len(needle)}"
    )
    return type_


async def test_legend_uses_the_standard_names_for_literals(session):
    leg = legend(session)
    for name in ("keyword", "string", "number", "comment"):
        assert name in leg.token_types, f"{name!r} missing from the legend {leg.token_types}"


async def test_keywords_literals_and_comments(session):
    toks = await tokens(session, "journeys.journey", JOURNEYS)
    for needle, within in [
        ("journey", "journey welcome {"),
        ("enter", "  enter on form"),
        ("on", "enter on form"),
        ("as", "as signup"),
        ("where", 'where form == "newsletter"'),
        ("goal", "goal purchased"),
        ("send", 'send email "welcome_1"'),
        ("with", "with { name:"),
        ("wait", "  wait 2d"),
        ("if", "  if count("),
        ("since", "since enter"),
        ("within", "within 3d"),
        ("else", "} else {"),
        ("tag", 'tag "quiet"'),
        ("set", "set profile.lifecycle"),
        ("notify", "notify sales"),
        ("and", "and engaged"),
    ]:
        assert token_at(toks, JOURNEYS, needle, within=within) == "keyword", needle
    assert token_at(toks, JOURNEYS, '"welcome_1"', within='send email "welcome_1"') == "string"
    assert token_at(toks, JOURNEYS, '"newsletter"') == "string"
    assert token_at(toks, JOURNEYS, "2d", within="  wait 2d") == "number"
    assert token_at(toks, JOURNEYS, "50", within=">= 50") == "number"
    assert token_at(toks, JOURNEYS, "0", within="== 0 {") == "number"
    first_line = JOURNEYS.split("\n")[0]
    assert token_at(toks, JOURNEYS, first_line) == "comment"
    doc = "/// Greets newsletter sign-ups and nudges those who do not open."
    assert token_at(toks, JOURNEYS, doc) == "comment"


async def test_names_have_one_type_per_kind(session):
    toks = await tokens(session, "journeys.journey", JOURNEYS)

    events = {
        token_at(toks, JOURNEYS, name, within=within)
        for name, within in [
            ("form.submitted", "on form.submitted as"),
            ("order.completed", "on order.completed\n"),
            ("email.opened", "count(email.opened"),
            ("email.clicked", "wait for email.clicked"),
        ]
    }
    assert len(events) == 1, f"event names have several types: {events}"

    fields = {
        token_at(toks, JOURNEYS, name, within=within)
        for name, within in [
            ("form", 'where form == "newsletter"'),
            ("form", "signup.form"),
            ("campaign", "where campaign =="),
            ("url", "click.url"),
        ]
    }
    assert len(fields) == 1, f"event fields have several types: {fields}"

    names = {
        "first_name": token_at(toks, JOURNEYS, "first_name", within="profile.first_name"),
        "engaged": token_at(toks, JOURNEYS, "engaged", within="and engaged\n"),
        "interest": token_at(toks, JOURNEYS, "interest", within="enter when interest"),
        "welcome": token_at(toks, JOURNEYS, "welcome", within="journey welcome {"),
        "signup": token_at(toks, JOURNEYS, "signup", within="signup.form"),
    }
    names["event name"] = events.pop()
    names["event field"] = fields.pop()
    for kind, type_ in names.items():
        assert type_ not in {"keyword", "string", "number", "comment", "operator"}, (
            f"{kind} is highlighted as {type_}"
        )
    assert names["event name"] != names["event field"], "events and their fields are told apart"


async def test_contextual_words_are_keywords_only_where_the_grammar_expects_them(session):
    toks = await tokens(session, "tokens.journey", CONTEXTUAL)
    assert token_at(toks, CONTEXTUAL, "day", within="on day 1") == "keyword"
    assert token_at(toks, CONTEXTUAL, "monthly") == "keyword"
    for within in ("{ day: string", 'where day == "monday"', '{ day: "x" }'):
        assert token_at(toks, CONTEXTUAL, "day", within=within) != "keyword", within
    assert token_at(toks, CONTEXTUAL, "to", within="and to !=") != "keyword"
    assert token_at(toks, CONTEXTUAL, "with", within='"digest_booked" with') == "keyword"
    assert token_at(toks, CONTEXTUAL, "local") == "keyword"
