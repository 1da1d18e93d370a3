"""Completion: keywords in context, event names, fields after `NAME.` and bare inside `where`,
profile fields after `profile.`, segments, scores and channels. Every text here is what an editor
holds while the user types, so most of them do not parse."""

from lsprotocol import types

from lsp_session import (
    CURSOR,
    apply_edits,
    contains_pos,
    fixture_text,
    labels,
    rng,
    take_cursor,
)

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")

EVENTS = {"email.opened", "email.clicked", "page.viewed", "form.submitted", "order.completed"}
PROFILE_FIELDS = {
    "email",
    "first_name",
    "company_size",
    "timezone",
    "consent_email",
    "consent_sms",
    "lifecycle",
    "tags",
}
IMPLICIT_FIELDS = {"at", "contact", "account"}
DECLARATION_KEYWORDS = {"event", "profile", "policy", "segment", "score", "journey", "conversion", "test"}
STEP_KEYWORDS = {"send", "notify", "wait", "if", "split", "set", "tag", "untag", "goal", "exit"}
CHANNELS = {"email", "sms", "push", "in_app", "webhook", "mail"}


def insert_in_journeys(after: str, line: str) -> str:
    """journeys.journey with `line` (holding the cursor) inserted after the line `after`."""
    assert JOURNEYS.count(after + "\n") == 1
    return JOURNEYS.replace(after + "\n", after + "\n" + line + "\n")


async def complete(session, name, text_with_cursor):
    """Opens `name` with the text, completes at the cursor; checks every item's edit stays on the
    cursor's line and covers the cursor. Returns (items, clean text, cursor)."""
    text, cursor = take_cursor(text_with_cursor)
    session.open(name, text)
    items = await session.completion(name, cursor)
    for item in items:
        edit = item.text_edit
        if isinstance(edit, types.TextEdit):
            assert edit.range.start.line == edit.range.end.line == cursor.line, item.label
            assert contains_pos(edit.range, cursor), (item.label, rng(edit.range))
        elif isinstance(edit, types.InsertReplaceEdit):
            assert contains_pos(edit.insert, cursor), (item.label, rng(edit.insert))
    return items, text, cursor


def accept(text: str, cursor: types.Position, item: types.CompletionItem) -> str:
    """The text after accepting `item` as VS Code does: its text edit, or else its insert text
    (or label) over the identifier characters before the cursor."""
    edit = item.text_edit
    if isinstance(edit, types.InsertReplaceEdit):
        edit = types.TextEdit(range=edit.replace, new_text=edit.new_text)
    if edit is None:
        line = text.splitlines()[cursor.line]
        start = cursor.character
        while start > 0 and (line[start - 1].isalnum() or line[start - 1] == "_"):
            start -= 1
        edit = types.TextEdit(
            range=types.Range(start=types.Position(line=cursor.line, character=start), end=cursor),
            new_text=item.insert_text or item.label,
        )
    return apply_edits(text, [edit])


async def test_event_names_after_enter_on(session):
    text = JOURNEYS + f"\njourney probe {{\n  enter on {CURSOR}\n}}\n"
    items, _, _ = await complete(session, "journeys.journey", text)
    assert labels(items) == EVENTS


async def test_event_name_after_its_first_part_completes_to_the_whole_name(session):
    text = JOURNEYS + f"\njourney probe {{\n  enter on email.{CURSOR}\n}}\n"
    items, clean, cursor = await complete(session, "journeys.journey", text)
    results = {accept(clean, cursor, item).splitlines()[cursor.line] for item in items}
    assert "  enter on email.opened" in results
    assert "  enter on email.clicked" in results
    assert not any("email.email" in line for line in results), results


async def test_fields_of_a_binding_after_its_name_and_a_dot(session):
    text = insert_in_journeys("  wait 2d", f'  send email "probe" with {{ f: signup.{CURSOR} }}')
    items, _, _ = await complete(session, "journeys.journey", text)
    assert labels(items) == {"form", "company_size"} | IMPLICIT_FIELDS


async def test_fields_of_the_event_in_scope_bare_inside_where(session):
    text = insert_in_journeys("  wait 2d", f"  wait for email.clicked where {CURSOR}\n  wait 1d")
    items, _, _ = await complete(session, "journeys.journey", text)
    got = labels(items)
    assert {"campaign", "url"} <= got
    # Fields of other events are not in scope.
    assert not {"path", "referrer", "form", "order", "value"} & got, got


async def test_fields_bare_inside_a_score_rule_where(session):
    text = SCHEMA.replace(
        "  decay 10% every 30d\n", f"  on order.completed where {CURSOR}\n  decay 10% every 30d\n"
    )
    items, _, _ = await complete(session, "schema.journey", text)
    got = labels(items)
    assert {"order", "cart", "value"} <= got
    assert not {"campaign", "url", "path", "form"} & got, got


async def test_profile_fields_after_profile_dot(session):
    text = insert_in_journeys("  wait 2d", f"  if profile.{CURSOR}")
    items, _, _ = await complete(session, "journeys.journey", text)
    assert labels(items) == PROFILE_FIELDS


async def test_profile_fields_after_set_profile_dot(session):
    text = insert_in_journeys("  set profile.lifecycle = lead", f"  set profile.{CURSOR}")
    items, _, _ = await complete(session, "journeys.journey", text)
    assert labels(items) == PROFILE_FIELDS


async def test_segments_and_scores_in_a_condition(session):
    text = insert_in_journeys("  wait 2d", f"  if {CURSOR}")
    items, _, _ = await complete(session, "journeys.journey", text)
    got = labels(items)
    assert {"engaged", "interest"} <= got
    assert not (DECLARATION_KEYWORDS - {"profile"}) & got, got


async def test_channels_after_send(session):
    text = insert_in_journeys("  wait 2d", f"  send {CURSOR}")
    items, _, _ = await complete(session, "journeys.journey", text)
    got = labels(items)
    assert CHANNELS <= got
    assert not EVENTS & got, got


async def test_declaration_keywords_at_the_top_level(session):
    text = JOURNEYS + f"\n{CURSOR}\n"
    items, _, _ = await complete(session, "journeys.journey", text)
    got = labels(items)
    assert DECLARATION_KEYWORDS <= got
    assert not {"send", "wait", "enter", "notify"} & got, got


async def test_step_keywords_in_a_journey_body(session):
    text = insert_in_journeys("  wait 2d", f"  {CURSOR}")
    items, _, _ = await complete(session, "journeys.journey", text)
    got = labels(items)
    assert STEP_KEYWORDS <= got
    assert not {"event", "policy", "segment", "journey"} & got, got


async def test_rule_keywords_inside_policy_and_score_blocks(session):
    text = SCHEMA.replace("  cap email 3 per 7d\n", f"  cap email 3 per 7d\n  {CURSOR}\n")
    items, _, _ = await complete(session, "schema.journey", text)
    got = labels(items)
    assert {"quiet", "cap", "consent"} <= got, got
    assert not {"send", "wait", "journey", "decay"} & got, got

    session.close("schema.journey")
    text = SCHEMA.replace("  decay 10% every 30d\n", f"  decay 10% every 30d\n  {CURSOR}\n")
    items, _, _ = await complete(session, "schema.journey", text)
    got = labels(items)
    assert {"on", "while", "decay"} <= got, got
    assert not {"send", "wait", "journey", "quiet", "cap"} & got, got
