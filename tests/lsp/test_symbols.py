"""Document symbols (an outline: declarations, with fields under events and the profile) and
workspace symbols (every declaration of every file of the folder, open or not)."""

from lsprotocol import types

from lsp_session import contains, fixture_text, pos, rng, span, uri_path

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")


async def outline(session, name):
    session.open(name)
    result = await session.document_symbols(name)
    assert result, f"no document symbols for {name}"
    assert all(isinstance(s, types.DocumentSymbol) for s in result), (
        "the client supports hierarchical document symbols: expected DocumentSymbol[]"
    )
    return result


def declaration_range(text, keyword_and_name, closing):
    """From the declaration's keyword to the end of `closing`, the text that ends it."""
    start = pos(text, keyword_and_name)
    end_offset = text.index(closing, text.index(keyword_and_name)) + len(closing)
    end = types.Position(
        line=text.count("\n", 0, end_offset),
        character=end_offset - (text.rfind("\n", 0, end_offset) + 1),
    )
    return types.Range(start=start, end=end)


def assert_covers(symbol, text, keyword_and_name, closing):
    """The symbol's range covers its whole declaration (a doc comment above may be included) and
    nothing of the next declaration."""
    decl = declaration_range(text, keyword_and_name, closing)
    assert contains(symbol.range, decl), (symbol.name, rng(symbol.range), rng(decl))
    assert symbol.range.end.line == decl.end.line, (symbol.name, rng(symbol.range))
    assert contains(symbol.range, symbol.selection_range), symbol.name


async def test_schema_outline(session):
    symbols = await outline(session, "schema.journey")
    names = [s.name for s in symbols if s.name != "policy"]
    assert names == [
        "email.opened",
        "email.clicked",
        "page.viewed",
        "form.submitted",
        "order.completed",
        "profile",
        "engaged",
        "interest",
    ]
    by_name = {s.name: s for s in symbols}
    selection = {
        "email.opened": span(SCHEMA, "email.opened", within="event email.opened {"),
        "order.completed": span(SCHEMA, "order.completed", within="event order.completed {"),
        "engaged": span(SCHEMA, "engaged", within="segment engaged ="),
        "interest": span(SCHEMA, "interest", within="score interest {"),
    }
    for name, want in selection.items():
        assert rng(by_name[name].selection_range) == rng(want), name
    assert rng(by_name["profile"].selection_range) == rng(
        span(SCHEMA, "profile", within="profile {")
    )

    assert_covers(by_name["email.opened"], SCHEMA, "event email.opened", "}")
    assert_covers(by_name["order.completed"], SCHEMA, "event order.completed", "}")
    assert_covers(by_name["profile"], SCHEMA, "profile {", "\n}")
    assert_covers(by_name["engaged"], SCHEMA, "segment engaged", ">= 1")
    assert_covers(by_name["interest"], SCHEMA, "score interest", "\n}")


async def test_fields_are_children_of_their_event_and_of_the_profile(session):
    symbols = {s.name: s for s in await outline(session, "schema.journey")}

    fields = symbols["order.completed"].children or []
    assert [f.name for f in fields] == ["order", "cart", "value"]
    cart = fields[1]
    assert rng(cart.selection_range) == rng(span(SCHEMA, "cart", within="  cart: string?"))

    profile = symbols["profile"].children or []
    assert [f.name for f in profile] == [
        "email",
        "first_name",
        "company_size",
        "timezone",
        "consent_email",
        "consent_sms",
        "lifecycle",
        "tags",
    ]
    assert rng(profile[1].selection_range) == rng(
        span(SCHEMA, "first_name", within="  first_name: string?")
    )


async def test_journeys_outline(session):
    symbols = await outline(session, "journeys.journey")
    assert [s.name for s in symbols] == ["welcome", "handoff"]
    welcome, handoff = symbols
    assert rng(welcome.selection_range) == rng(
        span(JOURNEYS, "welcome", within="journey welcome {")
    )
    assert rng(handoff.selection_range) == rng(
        span(JOURNEYS, "handoff", within="journey handoff {")
    )
    assert_covers(welcome, JOURNEYS, "journey welcome", "\n}")
    assert_covers(handoff, JOURNEYS, "journey handoff", "\n}")


def fuzzy(query, name):
    it = iter(name.lower())
    return all(ch in it for ch in query.lower())


async def workspace_symbols(session, query):
    result = await session.workspace_symbols(query) or []
    out = []
    for symbol in result:
        location = symbol.location
        if isinstance(symbol, types.WorkspaceSymbol) and not isinstance(location, types.Location):
            symbol = await session.request(session.client.workspace_symbol_resolve_async(symbol))
            location = symbol.location
        assert isinstance(location, types.Location), f"{symbol.name} has no range"
        out.append((symbol.name, uri_path(location.uri).name, rng(location.range), symbol.kind))
    return out


async def test_workspace_symbols_come_from_files_that_are_not_open(session):
    got = await workspace_symbols(session, "welcome")
    assert (
        "welcome",
        "journeys.journey",
        rng(span(JOURNEYS, "welcome", within="journey welcome {")),
    ) in [g[:3] for g in got]
    got = await workspace_symbols(session, "order")
    assert (
        "order.completed",
        "schema.journey",
        rng(span(SCHEMA, "order.completed", within="event order.completed {")),
    ) in [g[:3] for g in got]
    assert all(fuzzy("order", g[0]) for g in got), got


async def test_workspace_symbols_of_every_kind(session):
    wanted = {
        "email.clicked": (
            "schema.journey",
            span(SCHEMA, "email.clicked", within="event email.clicked {"),
        ),
        "engaged": ("schema.journey", span(SCHEMA, "engaged", within="segment engaged =")),
        "interest": ("schema.journey", span(SCHEMA, "interest", within="score interest {")),
        "handoff": ("journeys.journey", span(JOURNEYS, "handoff", within="journey handoff {")),
    }
    kinds = {}
    for name, (file, range_) in wanted.items():
        got = await workspace_symbols(session, name)
        matches = [g for g in got if g[0] == name]
        assert [(g[1], g[2]) for g in matches] == [(file, rng(range_))], got
        kinds[name] = matches[0][3]
    assert len(set(kinds.values())) == 4, (
        f"each kind of declaration has its own symbol kind: {kinds}"
    )
