"""Diagnostics: published on open and change for every file of the workspace, with the codes,
ranges, messages and help of `journey check`."""

from lsprotocol import types

from lsp_session import (
    ERROR,
    WARNING,
    cli_key,
    diag_code,
    diag_key,
    diag_text,
    fixture_text,
    journey_check,
    rng,
    show,
    span,
)

SCHEMA = fixture_text("schema.journey")
JOURNEYS = fixture_text("journeys.journey")


def nonempty(diags):
    return len(diags) > 0


async def test_clean_workspace_publishes_no_diagnostics(session):
    session.open("journeys.journey")
    diags = await session.diagnostics("journeys.journey")
    assert diags == [], show(diags)


async def test_unknown_event_is_e0101_with_did_you_mean(session):
    text = JOURNEYS.replace("count(email.opened since enter)", "count(email.opend since enter)")
    session.open("journeys.journey", text)

    diags = await session.diagnostics("journeys.journey", until=nonempty)

    assert len(diags) == 1, show(diags)
    d = diags[0]
    assert diag_code(d) == "E0101"
    assert d.severity == ERROR
    assert d.source == "journey"
    assert rng(d.range) == rng(span(text, "email.opend"))
    assert d.message.splitlines()[0] == "unknown event `email.opend`"
    assert "did you mean `email.opened`?" in diag_text(d)


async def test_syntax_error_is_e0001_with_keyword_suggestion(session):
    text = JOURNEYS.replace("journey handoff {", "jurney handoff {")
    session.open("journeys.journey", text)

    diags = await session.diagnostics("journeys.journey", until=nonempty)

    assert [diag_code(d) for d in diags] == ["E0001"], show(diags)
    d = diags[0]
    assert d.severity == ERROR
    assert rng(d.range) == rng(span(text, "jurney"))
    assert d.message.splitlines()[0] == "expected a declaration, found `jurney`"
    assert "did you mean `journey`?" in diag_text(d)


async def test_lint_is_a_warning_with_its_code_and_help(session):
    text = JOURNEYS.replace('    tag "quiet"\n', '    send push "come_back"\n')
    session.open("journeys.journey", text)

    diags = await session.diagnostics("journeys.journey", until=nonempty)

    assert len(diags) == 1, show(diags)
    d = diags[0]
    assert diag_code(d) == "W0003"
    assert d.severity == WARNING
    assert rng(d.range) == rng(span(text, "push"))
    assert d.message.splitlines()[0] == "no consent rule for `push`"
    assert "add `consent push when ...` to the `policy` block" in diag_text(d)


async def test_every_diagnostic_of_both_files_matches_journey_check(session):
    schema = (
        SCHEMA.replace(
            "  consent sms when profile.consent_sms\n", ""
        ).replace(  # E0201: a condition that is not a bool
            "segment engaged = count(email.opened within 30d) >= 3",
            "segment engaged = count(email.opened within 30d) + 3",
        )
        + "\n/// Nobody uses this one.\nevent webinar.attended { webinar: string  minutes: int }\n"
    )
    journeys = (
        JOURNEYS.replace("form: signup.form }", "form: signup.frm }")  # E0102
        .replace("profile.first_name ??", "profile.frist_name ??")  # E0103
        .replace("wait for email.clicked as", "wait for email.clickd as")  # E0101
        .replace('    tag "quiet"\n', '    send sms "come_back"\n')  # W0003
        .replace("  wait 2d\n", "  wait 2d\n  if profile.company_size > 100 {\n    exit\n  }\n")
    )
    files = {"schema.journey": schema, "journeys.journey": journeys}
    expected = journey_check(files)
    assert expected["schema.journey"] and expected["journeys.journey"], (
        "the test's program should have diagnostics in both files"
    )

    session.open("schema.journey", schema)
    session.open("journeys.journey", journeys)

    for name in files:
        want = sorted(cli_key(d) for d in expected[name])
        diags = await session.diagnostics(
            name, after=0, until=lambda ds, want=want: sorted(map(diag_key, ds)) == want
        )
        assert sorted(map(diag_key, diags)) == want, f"{name}:\n{show(diags)}"
        by_key = {diag_key(d): d for d in diags}
        for cli in expected[name]:
            for help_line in cli["help"]:
                assert help_line in diag_text(by_key[cli_key(cli)]), (
                    f"{name}: the help {help_line!r} of {cli['code']} is missing"
                )


async def test_editing_one_file_rechecks_the_other(session):
    session.open("schema.journey")
    session.open("journeys.journey")
    assert await session.diagnostics("journeys.journey") == []

    schema = SCHEMA.replace("event email.clicked {", "event email.click {")
    session.change("schema.journey", schema)

    expected = journey_check({"schema.journey": schema, "journeys.journey": JOURNEYS})
    for name in ("journeys.journey", "schema.journey"):
        want = sorted(cli_key(d) for d in expected[name])
        diags = await session.diagnostics(
            name, until=lambda ds, want=want: sorted(map(diag_key, ds)) == want
        )
        assert sorted(map(diag_key, diags)) == want, f"{name}:\n{show(diags)}"

    journeys = await session.diagnostics("journeys.journey")
    unknown = [d for d in journeys if diag_code(d) == "E0101"]
    assert len(unknown) == 1, show(journeys)
    assert rng(unknown[0].range) == rng(span(JOURNEYS, "email.clicked"))
    assert unknown[0].message.splitlines()[0] == "unknown event `email.clicked`"
    assert "did you mean `email.click`?" in diag_text(unknown[0])


async def test_a_file_that_is_not_open_gets_diagnostics_and_they_clear(session):
    # Nothing uses the score `interest` any more: schema.journey, never opened, gets W0002.
    journeys = JOURNEYS.replace("enter when interest >= 50 and engaged", "enter when engaged")
    journeys = journeys.replace(", score: interest }", " }")
    session.open("journeys.journey", journeys)

    diags = await session.diagnostics("schema.journey", after=0, until=nonempty)
    assert len(diags) == 1, show(diags)
    d = diags[0]
    assert diag_code(d) == "W0002"
    assert d.severity == WARNING
    assert rng(d.range) == rng(span(SCHEMA, "interest", within="score interest {"))
    assert d.message.splitlines()[0] == "score `interest` is never used"

    session.change("journeys.journey", JOURNEYS)
    diags = await session.diagnostics("schema.journey", until=lambda ds: ds == [])
    assert diags == [], show(diags)


async def test_correcting_the_error_clears_the_diagnostics(session):
    broken = JOURNEYS.replace("count(email.opened since enter)", "count(email.opend since enter)")
    session.open("journeys.journey", broken)
    diags = await session.diagnostics("journeys.journey", until=nonempty)
    assert [diag_code(d) for d in diags] == ["E0101"], show(diags)

    session.change("journeys.journey", JOURNEYS)
    diags = await session.diagnostics("journeys.journey", until=lambda ds: ds == [])
    assert diags == [], show(diags)


async def test_closing_a_buffer_returns_to_the_file_on_disk(session):
    broken = JOURNEYS.replace("count(email.opened since enter)", "count(email.opend since enter)")
    session.open("journeys.journey", broken)
    diags = await session.diagnostics("journeys.journey", until=nonempty)
    assert [diag_code(d) for d in diags] == ["E0101"], show(diags)

    # Closed without saving: the file on disk, which is clean, is what counts again.
    session.close("journeys.journey")
    diags = await session.diagnostics("journeys.journey", until=lambda ds: ds == [])
    assert diags == [], show(diags)


async def test_files_created_and_deleted_on_disk(session):
    session.open("journeys.journey")
    assert await session.diagnostics("journeys.journey") == []

    # The server asks to be told of changes on disk (VS Code's capabilities allow it to).
    assert session.client.registrations, "the server watches no files (client/registerCapability)"

    extra = session.root / "extra.journey"
    text = "journey extra {\n  enter on email.opend\n}\n"
    extra.write_text(text)
    mark = len(session.client.published)
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=extra.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    diags = await session.diagnostics("extra.journey", after=mark, until=nonempty)
    assert [diag_code(d) for d in diags] == ["E0101"], show(diags)
    assert rng(diags[0].range) == rng(span(text, "email.opend"))
    assert "did you mean `email.opened`?" in diag_text(diags[0])

    extra.unlink()
    mark = len(session.client.published)
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=extra.as_uri(), type=types.FileChangeType.Deleted)]
        )
    )
    diags = await session.diagnostics("extra.journey", after=mark, until=lambda ds: ds == [])
    assert diags == [], show(diags)
