"""Rename: one workspace edit over every file that uses the symbol, open or not, that leaves the
program checking clean; comments and same-named symbols of other kinds stay as they are."""

import pygls.exceptions
from lsprotocol import types

from lsp_session import (
    apply_edits,
    fixture_text,
    journey_check,
    pos,
    rng,
    show,
    span,
    workspace_edit_by_file,
)

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")


async def rename(session, texts, name, needle, new_name, *, within=None):
    """Renames from `needle` in file `name` (opened with texts[name]); returns every file's text
    after the edit."""
    session.open(name, texts[name])
    edit = await session.rename(name, pos(texts[name], needle, within=within, delta=1), new_name)
    by_file = workspace_edit_by_file(edit)
    assert set(by_file) <= set(texts), f"edits outside the workspace's files: {set(by_file)}"
    return {file: apply_edits(text, by_file.get(file, [])) for file, text in texts.items()}, by_file


def assert_checks_clean(files):
    result = journey_check(files)
    assert all(not ds for ds in result.values()), result


async def test_event_renamed_from_a_use_in_both_files(session):
    texts = {"schema.journey": SCHEMA, "journeys.journey": JOURNEYS}
    after, by_file = await rename(
        session,
        texts,
        "journeys.journey",
        "email.clicked",
        "email.click",
        within="wait for email.clicked",
    )
    assert after == {
        "schema.journey": SCHEMA.replace("email.clicked", "email.click"),
        "journeys.journey": JOURNEYS.replace("email.clicked", "email.click"),
    }
    assert sorted(by_file) == ["journeys.journey", "schema.journey"]
    assert len(by_file["schema.journey"]) == 3
    assert len(by_file["journeys.journey"]) == 1
    assert_checks_clean(after)


async def test_segment_renamed_from_its_declaration_leaves_comments_alone(session):
    texts = {"schema.journey": SCHEMA, "journeys.journey": JOURNEYS}
    after, _ = await rename(
        session, texts, "schema.journey", "engaged", "active", within="segment engaged ="
    )
    assert after == {
        "schema.journey": SCHEMA.replace("segment engaged =", "segment active ="),
        "journeys.journey": JOURNEYS.replace("and engaged\n", "and active\n"),
    }
    assert "Hands interested, engaged contacts to sales." in after["journeys.journey"]
    assert_checks_clean(after)


async def test_field_renamed_only_in_its_own_event(session):
    texts = {"schema.journey": SCHEMA, "journeys.journey": JOURNEYS}
    after, _ = await rename(
        session,
        texts,
        "journeys.journey",
        "campaign",
        "campaign_id",
        within='where campaign == "welcome_1"',
    )
    assert after == {
        "schema.journey": SCHEMA.replace(
            "event email.clicked { campaign: string", "event email.clicked { campaign_id: string"
        ),
        "journeys.journey": JOURNEYS.replace(
            'where campaign == "welcome_1"', 'where campaign_id == "welcome_1"'
        ),
    }
    assert "event email.opened { campaign: string }" in after["schema.journey"]
    assert_checks_clean(after)


async def test_profile_field_renamed_in_an_edited_buffer(session):
    # journeys.journey is open with unsaved lines above: the edit must fit the buffer, not the disk.
    edited = "// unsaved\n// lines\n" + JOURNEYS
    texts = {"schema.journey": SCHEMA, "journeys.journey": edited}
    after, _ = await rename(
        session,
        texts,
        "journeys.journey",
        "first_name",
        "given_name",
        within="profile.first_name",
    )
    assert after == {
        "schema.journey": SCHEMA.replace("  first_name: string?", "  given_name: string?"),
        "journeys.journey": edited.replace("profile.first_name", "profile.given_name"),
    }
    assert_checks_clean(after)


async def test_binding_renamed_within_its_journey(session):
    texts = {"schema.journey": SCHEMA, "journeys.journey": JOURNEYS}
    after, by_file = await rename(
        session, texts, "journeys.journey", "signup", "sign_up", within="signup.form"
    )
    assert after == {
        "schema.journey": SCHEMA,
        "journeys.journey": JOURNEYS.replace("as signup", "as sign_up").replace(
            "signup.form", "sign_up.form"
        ),
    }
    assert list(by_file) == ["journeys.journey"]
    assert_checks_clean(after)


async def refused(session, name, position, new_name):
    """A rename the server must refuse: an error answer, or no edit at all."""
    try:
        edit = await session.rename(name, position, new_name)
    except pygls.exceptions.JsonRpcException:
        return True
    return edit is None or not any(workspace_edit_by_file(edit).values())


async def test_renaming_a_keyword_or_to_a_bad_name_is_refused(session):
    session.open("journeys.journey")
    assert await refused(
        session, "journeys.journey", pos(JOURNEYS, "wait", within="  wait 2d"), "pause"
    )
    assert await refused(
        session, "journeys.journey", pos(JOURNEYS, "engaged", within="and engaged\n"), "two words"
    )
    assert await refused(
        session, "journeys.journey", pos(JOURNEYS, "engaged", within="and engaged\n"), "wait"
    )
    # The server is still fine afterwards.
    assert session.alive()
    diags = await session.diagnostics("journeys.journey", after=0)
    assert diags == [], show(diags)


async def test_prepare_rename_gives_the_name_under_the_cursor(session):
    session.open("journeys.journey")
    doc = types.TextDocumentIdentifier(uri=session.uri("journeys.journey"))

    async def prepare(position):
        try:
            return await session.request(
                session.client.text_document_prepare_rename_async(
                    types.PrepareRenameParams(text_document=doc, position=position)
                )
            )
        except pygls.exceptions.JsonRpcException:
            return None

    for needle, within in [
        ("email.clicked", "wait for email.clicked"),
        ("engaged", "and engaged\n"),
        ("first_name", "profile.first_name"),
        ("signup", "signup.form"),
    ]:
        result = await prepare(pos(JOURNEYS, needle, within=within, delta=2))
        assert result is not None, needle
        range_ = result if isinstance(result, types.Range) else result.range
        assert rng(range_) == rng(span(JOURNEYS, needle, within=within)), needle
        if isinstance(result, types.PrepareRenamePlaceholder):
            assert result.placeholder == needle

    assert await prepare(pos(JOURNEYS, "wait", within="  wait 2d")) is None
    assert await prepare(pos(JOURNEYS, '"welcome_1"', within='send email "welcome_1"')) is None
