"""Code actions: the compiler's fixes as quick fixes, did-you-mean replacements and `?? default`."""

from lsprotocol import types

from lsp_session import (
    apply_edits,
    diag_code,
    fixture_text,
    journey_check,
    pos,
    rng,
    show,
    span,
    workspace_edit_by_file,
)

JOURNEYS = fixture_text("journeys.journey")


async def quick_fix(session, text, code, title):
    """Opens journeys.journey with `text`, waits for the one diagnostic `code`, asks for code
    actions on its range; returns (the action titled `title`, the text after applying it)."""
    session.open("journeys.journey", text)
    diags = await session.diagnostics(
        "journeys.journey", until=lambda ds: any(diag_code(d) == code for d in ds)
    )
    matching = [d for d in diags if diag_code(d) == code]
    assert len(matching) == 1, show(diags)
    diagnostic = matching[0]

    actions = await session.code_actions("journeys.journey", diagnostic.range, [diagnostic])
    fixes = [
        a
        for a in actions
        if isinstance(a, types.CodeAction) and a.kind == types.CodeActionKind.QuickFix
    ]
    titles = [a.title for a in fixes]
    assert title in titles, f"no quick fix {title!r} among {titles}"
    action = await session.resolve_code_action(fixes[titles.index(title)])
    by_file = workspace_edit_by_file(action.edit)
    assert list(by_file) == ["journeys.journey"], by_file
    return action, diagnostic, apply_edits(text, by_file["journeys.journey"])


async def test_unknown_event_is_replaced_by_the_suggestion(session):
    text = JOURNEYS.replace("count(email.opened since enter)", "count(email.opend since enter)")
    action, diagnostic, fixed = await quick_fix(
        session, text, "E0101", "replace with `email.opened`"
    )
    assert rng(diagnostic.range) == rng(span(text, "email.opend"))
    assert fixed == JOURNEYS
    by_file = workspace_edit_by_file(action.edit)
    edit = by_file["journeys.journey"]
    assert [(rng(e.range), e.new_text) for e in edit] == [
        (rng(span(text, "email.opend")), "email.opened")
    ]


async def test_unknown_profile_field_is_replaced_by_the_suggestion(session):
    text = JOURNEYS.replace("profile.first_name ??", "profile.frist_name ??")
    _, _, fixed = await quick_fix(session, text, "E0103", "replace with `first_name`")
    assert fixed == JOURNEYS


async def test_misspelt_keyword_is_replaced(session):
    text = JOURNEYS.replace("journey handoff {", "jurney handoff {")
    _, _, fixed = await quick_fix(session, text, "E0001", "replace with `journey`")
    assert fixed == JOURNEYS


async def test_optional_gets_a_default(session):
    text = JOURNEYS.replace(
        "  wait 2d\n", "  wait 2d\n  if profile.company_size > 100 {\n    exit\n  }\n"
    )
    _, diagnostic, fixed = await quick_fix(session, text, "E0202", "add `?? 0`")
    assert rng(diagnostic.range) == rng(
        span(text, "profile.company_size", within="if profile.company_size")
    )
    assert fixed == text.replace(
        "if profile.company_size > 100", "if profile.company_size ?? 0 > 100"
    )
    result = journey_check(
        {"schema.journey": fixture_text("schema.journey"), "journeys.journey": fixed}
    )
    assert result == {"schema.journey": [], "journeys.journey": []}


async def test_no_quick_fix_where_nothing_is_wrong(session):
    session.open("journeys.journey")
    assert await session.diagnostics("journeys.journey") == []
    position = pos(JOURNEYS, "engaged", within="and engaged\n")
    actions = await session.code_actions(
        "journeys.journey", types.Range(start=position, end=position), []
    )
    assert not [
        a
        for a in actions
        if isinstance(a, types.CodeAction) and a.kind == types.CodeActionKind.QuickFix
    ], actions
