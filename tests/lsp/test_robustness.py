"""Robustness: a file that does not parse keeps hover, completion and definition working in its
other declarations; positions past the end, unknown documents, other line endings, wide
characters, deep nesting, token soup and requests racing edits never bring the server down."""

import asyncio
import random

import pygls.exceptions
from lsprotocol import types

from lsp_session import (
    CURSOR,
    ERROR,
    diag_code,
    diag_text,
    fixture_text,
    hover_text,
    labels,
    locations,
    pos,
    position_at,
    rng,
    show,
    span,
    take_cursor,
    utf16_len,
)

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")

BROKEN_JOURNEY = """\
journey half_written {
  enter on form.submitted where
  send email

"""


async def answered(awaitable):
    """The result of a request that may be refused with a JSON-RPC error, but must be answered."""
    try:
        return await awaitable
    except pygls.exceptions.JsonRpcException:
        return None


async def test_rest_of_the_file_works_around_a_broken_declaration(session):
    text_with_cursor = JOURNEYS.replace(
        "/// Hands interested", BROKEN_JOURNEY + "/// Hands interested"
    ).replace("  set profile.lifecycle = lead\n", f"  set profile.lifecycle = lead\n  {CURSOR}\n")
    text, cursor = take_cursor(text_with_cursor)
    session.open("journeys.journey", text)

    # Diagnostics: syntax errors, all inside the broken declaration.
    diags = await session.diagnostics("journeys.journey", until=lambda ds: len(ds) > 0)
    first = pos(text, "journey half_written").line
    last = pos(text, "/// Hands interested").line
    assert diags, "the broken declaration has a syntax error"
    for d in diags:
        assert diag_code(d) == "E0001" and d.severity == ERROR, show(diags)
        assert first <= d.range.start.line <= last, show(diags)

    # Hover after the broken declaration ...
    hover = await session.hover(
        "journeys.journey", pos(text, "engaged", within="and engaged\n", delta=1)
    )
    assert "Opened three emails or clicked one in the last month." in hover_text(hover)
    assert rng(hover.range) == rng(span(text, "engaged", within="and engaged\n"))
    # ... and before it.
    hover = await session.hover("journeys.journey", pos(text, "email.opened", delta=2))
    assert "A contact opened a marketing email." in hover_text(hover)

    # Completion after it.
    got = labels(await session.completion("journeys.journey", cursor))
    assert {"send", "wait", "notify"} <= got, got

    # Definition after it.
    got = locations(
        await session.definition(
            "journeys.journey", pos(text, "interest", within="enter when interest")
        )
    )
    assert got == [("schema.journey", rng(span(SCHEMA, "interest", within="score interest {")))]


async def test_completion_and_hover_in_the_line_being_written(session):
    # The line being typed breaks its journey; the names around it still resolve.
    text_with_cursor = JOURNEYS.replace(
        "  wait 2d\n", f'  wait 2d\n  send email "x" with {{ n: profile.{CURSOR}\n'
    )
    text, cursor = take_cursor(text_with_cursor)
    session.open("journeys.journey", text)
    got = labels(await session.completion("journeys.journey", cursor))
    assert {"first_name", "email", "company_size"} <= got, got
    hover = await session.hover("journeys.journey", pos(text, "email.opened", delta=2))
    assert "A contact opened a marketing email." in hover_text(hover)
    hover = await session.hover(
        "journeys.journey", pos(text, "interest", within="score: interest", delta=1)
    )
    assert "Interest shown on the website and in emails." in hover_text(hover)


async def test_unterminated_string_and_comment(session):
    text = JOURNEYS.replace('send email "welcome_nudge"', 'send email "welcome_nudge')
    session.open("journeys.journey", text)
    diags = await session.diagnostics(
        "journeys.journey", until=lambda ds: any(diag_code(d) == "E0002" for d in ds)
    )
    assert "E0002" in [diag_code(d) for d in diags], show(diags)
    hover = await session.hover("journeys.journey", pos(text, "engaged", within="and engaged\n"))
    assert "Opened three emails or clicked one in the last month." in hover_text(hover)

    text = JOURNEYS.replace("/// Hands interested", "/* draft\n/// Hands interested")
    session.change("journeys.journey", text)
    diags = await session.diagnostics(
        "journeys.journey", until=lambda ds: any(diag_code(d) == "E0003" for d in ds)
    )
    assert "E0003" in [diag_code(d) for d in diags], show(diags)
    hover = await session.hover("journeys.journey", pos(text, "email.opened", delta=2))
    assert "A contact opened a marketing email." in hover_text(hover)


async def test_positions_past_the_end_of_the_file(session):
    session.open("journeys.journey")
    doc = types.TextDocumentIdentifier(uri=session.uri("journeys.journey"))
    last_line = JOURNEYS.count("\n")
    for position in [
        types.Position(line=10_000, character=0),
        types.Position(line=0, character=10_000),
        types.Position(line=last_line, character=50),
        types.Position(line=last_line + 1, character=0),
        types.Position(line=2**31 - 1, character=2**31 - 1),
    ]:
        far = types.Range(start=position, end=position)
        c = session.client
        requests = [
            c.text_document_hover_async(types.HoverParams(text_document=doc, position=position)),
            c.text_document_completion_async(
                types.CompletionParams(text_document=doc, position=position)
            ),
            c.text_document_definition_async(
                types.DefinitionParams(text_document=doc, position=position)
            ),
            c.text_document_references_async(
                types.ReferenceParams(
                    text_document=doc,
                    position=position,
                    context=types.ReferenceContext(include_declaration=True),
                )
            ),
            c.text_document_rename_async(
                types.RenameParams(text_document=doc, position=position, new_name="x")
            ),
            c.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=doc, range=far, context=types.CodeActionContext(diagnostics=[])
                )
            ),
        ]
        for request in requests:
            await session.request(answered(request))
        assert session.alive(), f"the server died on position {position}"

    hover = await session.hover(
        "journeys.journey", pos(JOURNEYS, "engaged", within="and engaged\n")
    )
    assert "Opened three emails or clicked one in the last month." in hover_text(hover)


async def test_documents_the_server_does_not_know(session):
    c = session.client
    missing = types.TextDocumentIdentifier(uri=session.uri("missing.journey"))
    origin = types.Position(line=0, character=0)
    for request in [
        c.text_document_hover_async(types.HoverParams(text_document=missing, position=origin)),
        c.text_document_completion_async(
            types.CompletionParams(text_document=missing, position=origin)
        ),
        c.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=missing)),
        c.text_document_semantic_tokens_full_async(
            types.SemanticTokensParams(text_document=missing)
        ),
        c.text_document_folding_range_async(types.FoldingRangeParams(text_document=missing)),
        c.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=missing,
                options=types.FormattingOptions(tab_size=2, insert_spaces=True),
            )
        ),
    ]:
        await session.request(answered(request))

    # Changes and closes for documents never opened.
    c.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=missing.uri, version=7),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="journey x {")],
        )
    )
    c.text_document_did_close(types.DidCloseTextDocumentParams(text_document=missing))

    # A buffer that is not a file at all (an editor's unsaved "Untitled-1").
    untitled = "untitled:Untitled-1"
    c.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=untitled, language_id="journey", version=1, text=JOURNEYS
            )
        )
    )
    untitled_doc = types.TextDocumentIdentifier(uri=untitled)
    await session.request(
        answered(
            c.text_document_hover_async(
                types.HoverParams(
                    text_document=untitled_doc,
                    position=pos(JOURNEYS, "engaged", within="and engaged\n"),
                )
            )
        )
    )
    await session.request(
        answered(
            c.text_document_completion_async(
                types.CompletionParams(text_document=untitled_doc, position=origin)
            )
        )
    )
    c.text_document_did_close(types.DidCloseTextDocumentParams(text_document=untitled_doc))

    assert session.alive()
    session.open("journeys.journey")
    assert await session.diagnostics("journeys.journey") == []
    hover = await session.hover(
        "journeys.journey", pos(JOURNEYS, "engaged", within="and engaged\n")
    )
    assert "Opened three emails or clicked one in the last month." in hover_text(hover)


async def test_columns_are_utf16_code_units(session):
    # Text before the names takes 2 UTF-16 units per emoji, 1 per accented letter.
    text = JOURNEYS.replace(
        'send email "welcome_nudge"',
        'send email "😀 naïve 🎉" with { n: profile.first_name ?? "", '
        'm: profile.frist_name ?? "" }',
    )
    assert utf16_len("😀 naïve 🎉") == 11
    session.open("journeys.journey", text)
    diags = await session.diagnostics("journeys.journey", until=lambda ds: len(ds) > 0)
    assert [diag_code(d) for d in diags] == ["E0103"], show(diags)
    assert rng(diags[0].range) == rng(span(text, "frist_name"))
    assert "did you mean `first_name`?" in diag_text(diags[0])

    within = 'n: profile.first_name ?? ""'
    hover = await session.hover("journeys.journey", pos(text, "first_name", within=within, delta=3))
    assert "first_name: string?" in hover_text(hover)
    assert rng(hover.range) == rng(span(text, "first_name", within=within))


async def test_crlf_line_endings(session):
    text = JOURNEYS.replace("count(email.opened since", "count(email.opend since").replace(
        "\n", "\r\n"
    )
    session.open("journeys.journey", text)
    diags = await session.diagnostics("journeys.journey", until=lambda ds: len(ds) > 0)
    assert [diag_code(d) for d in diags] == ["E0101"], show(diags)
    assert rng(diags[0].range) == rng(span(text, "email.opend"))

    hover = await session.hover("journeys.journey", pos(text, "engaged", within="and engaged\r\n"))
    assert "Opened three emails or clicked one in the last month." in hover_text(hover)
    assert rng(hover.range) == rng(span(text, "engaged", within="and engaged\r\n"))


async def test_deeply_nested_expressions(session):
    for depth in (50, 100, 1000, 20_000):
        text = f"segment deep_{depth} = " + "(" * depth + "engaged" + ")" * depth + "\n"
        name = f"deep_{depth}.journey"
        (session.root / name).write_text("")
        for what, content in [
            (f"{depth} nested parentheses", text),
            (f"{depth} unclosed parentheses (half-typed)", text[: len(text) // 2]),
        ]:
            if name in session.docs:
                session.change(name, content)
            else:
                session.open(name, content)
            try:
                await session.diagnostics(name, timeout=20)
            except AssertionError:
                pass
            assert session.alive(), f"the server died on {what}"
    session.open("journeys.journey")
    hover = await session.hover(
        "journeys.journey", pos(JOURNEYS, "engaged", within="and engaged\n")
    )
    assert "Opened three emails or clicked one in the last month." in hover_text(hover)


TOKENS = (
    "event profile policy segment score journey enter reenter exit goal on when where as within "
    "since send notify wait until for if else split set tag untag and or not is local utc every "
    "daily weekly monthly yearly once at true false cap per decay while inactive best_time "
    "best_channel count sum min max avg last now quiet hours to consent day test given expect "
    "{ } ( ) [ ] , : . = == != < <= > >= + - * / ?? => % email.opened profile.email signup "
    'engaged interest 42 -3 0.5 30s 2d 20% 09:00 2026-12-24 2026-12-24T09:00:00Z "text" '
    '"open /// // /* */ \n \n \t \u00e9 \U0001f600 \\'
).split(" ")


async def test_token_soup(session):
    rng_ = random.Random(20260101)
    name = "soup.journey"
    (session.root / name).write_text("")
    session.open(name, "")
    for _ in range(25):
        text = " ".join(rng_.choice(TOKENS) for _ in range(rng_.randint(1, 120)))
        session.change(name, text)
        offset = rng_.randint(0, len(text))
        position = position_at(text, offset)
        # Valid requests on a valid position: each is answered, without an error.
        await session.hover(name, position)
        await session.completion(name, position)
        await session.definition(name, position)
        await session.document_symbols(name)
        await session.folding_ranges(name)
        await session.semantic_tokens(name)
        assert session.alive(), f"the server died on {text!r}"
    await session.diagnostics(name)
    assert session.alive()


async def test_requests_racing_edits(session):
    text = JOURNEYS
    session.open("journeys.journey", text)
    pending = []
    for i in range(40):
        text = JOURNEYS.replace("wait 2d", f"wait {i + 1}d")
        session.change("journeys.journey", text)
        position = pos(text, "engaged", within="and engaged\n")
        pending.append(asyncio.ensure_future(session.hover("journeys.journey", position)))
        pending.append(asyncio.ensure_future(session.completion("journeys.journey", position)))
        pending.append(asyncio.ensure_future(session.semantic_tokens("journeys.journey")))
    results = await asyncio.gather(*pending, return_exceptions=True)
    # A server may drop a stale request (ContentModified -32801, ServerCancelled -32802);
    # anything else is a failure.
    for r in results:
        if isinstance(r, BaseException):
            assert isinstance(r, pygls.exceptions.JsonRpcException), repr(r)
            assert r.code in (-32801, -32802), repr(r)
    diags = await session.diagnostics("journeys.journey", until=lambda ds: ds == [])
    assert diags == [], show(diags)
    hover = await session.hover("journeys.journey", pos(text, "engaged", within="and engaged\n"))
    assert "Opened three emails or clicked one in the last month." in hover_text(hover)
