"""What the tests speak through: a `Session` over the pytest-lsp client, and small pure helpers
for positions (LSP columns are UTF-16 code units), edits, and the shapes a result may take.

Every request has a timeout, so a server that hangs fails the test instead of the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import unquote, urlparse

from lsprotocol import types

REPO = Path(__file__).resolve().parents[2]
JOURNEY_BIN = Path(os.environ.get("JOURNEY_BIN") or REPO / "target" / "debug" / "journey")
FIXTURE_WORKSPACE = Path(__file__).resolve().parent / "fixtures" / "workspace"

# How long one request may take before the test fails.
REQUEST_TIMEOUT = 10.0
# The cursor in test texts: removed from the text, its place becomes the request's position.
CURSOR = "‸"

ERROR = types.DiagnosticSeverity.Error
WARNING = types.DiagnosticSeverity.Warning


def fixture_text(name: str) -> str:
    """A file of the fixture workspace, as it is on disk."""
    return (FIXTURE_WORKSPACE / name).read_text()


# ---- positions ---------------------------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


def _lines(text: str) -> list[tuple[int, str]]:
    """(start offset, text without terminator) of each line; lines end at \\n, \\r\\n or \\r."""
    lines = []
    offset = 0
    for m in _LINE.finditer(text):
        chunk = m.group(0)
        if not chunk and m.start() != len(text):
            continue
        content = chunk.rstrip("\r\n")
        lines.append((offset, content))
        offset += len(chunk)
        if not chunk or offset >= len(text):
            break
    if not lines or text.endswith(("\n", "\r")):
        lines.append((len(text), ""))
    return lines


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def position_at(text: str, offset: int) -> types.Position:
    """The LSP position (UTF-16 columns) of a character offset of `text`."""
    assert 0 <= offset <= len(text), f"offset {offset} outside a text of {len(text)} characters"
    for line, (start, content) in reversed(list(enumerate(_lines(text)))):
        if start <= offset:
            return types.Position(line=line, character=utf16_len(content[: offset - start]))
    raise AssertionError("unreachable")


def offset_of(text: str, position: types.Position) -> int:
    """The character offset of an LSP position; fails on a position outside the text."""
    lines = _lines(text)
    assert position.line < len(lines), (
        f"position {fmt_pos(position)} is past the last line ({len(lines) - 1}) of the document"
    )
    start, content = lines[position.line]
    units = 0
    index = len(content)
    for i, ch in enumerate(content):
        if units >= position.character:
            index = i
            break
        units += utf16_len(ch)
    assert units == position.character, (
        f"position {fmt_pos(position)} is past the end of line {position.line} "
        f"({utf16_len(content)} UTF-16 units) or inside a surrogate pair"
    )
    return start + index


def _find(text: str, needle: str, within: str | None, nth: int | None) -> int:
    """Offset of the `nth` occurrence of `needle`, inside the unique occurrence of `within`; with
    neither `within` nor `nth`, `needle` must occur once."""
    base = 0
    haystack = text
    if within is not None:
        count = text.count(within)
        assert count == 1, f"context {within!r} occurs {count} times in the text, not once"
        base = text.index(within)
        haystack = within
    at = -1
    for _ in range((nth or 0) + 1):
        at = haystack.find(needle, at + 1)
        assert at >= 0, f"{needle!r} not found (occurrence {nth}) in {haystack[:80]!r}..."
    if within is None and nth is None:
        assert text.count(needle) == 1, (
            f"{needle!r} occurs {text.count(needle)} times: give `within` or `nth`"
        )
    return base + at


def span(
    text: str, needle: str, *, within: str | None = None, nth: int | None = None
) -> types.Range:
    """The range of `needle` in `text` (see `_find`)."""
    start = _find(text, needle, within, nth)
    return types.Range(start=position_at(text, start), end=position_at(text, start + len(needle)))


def pos(
    text: str, needle: str, *, within: str | None = None, nth: int | None = None, delta: int = 0
) -> types.Position:
    """The position `delta` characters into `needle` (see `_find`)."""
    return position_at(text, _find(text, needle, within, nth) + delta)


def take_cursor(text: str) -> tuple[str, types.Position]:
    """Removes the one `‸` of `text`; returns the text and the cursor's position."""
    assert text.count(CURSOR) == 1, "a test text needs exactly one cursor mark"
    offset = text.index(CURSOR)
    clean = text.replace(CURSOR, "")
    return clean, position_at(clean, offset)


def line_of(text: str, needle: str, *, within: str | None = None, nth: int | None = None) -> int:
    return pos(text, needle, within=within, nth=nth).line


def fmt_pos(p: types.Position) -> str:
    return f"{p.line}:{p.character}"


def rng(r: types.Range | None) -> tuple[int, int, int, int] | None:
    """A range as a comparable, printable tuple (start line, start col, end line, end col)."""
    if r is None:
        return None
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def contains(outer: types.Range, inner: types.Range) -> bool:
    return (outer.start.line, outer.start.character) <= (
        inner.start.line,
        inner.start.character,
    ) and (inner.end.line, inner.end.character) <= (outer.end.line, outer.end.character)


def contains_pos(r: types.Range, p: types.Position) -> bool:
    return (
        (r.start.line, r.start.character) <= (p.line, p.character) <= (r.end.line, r.end.character)
    )


# ---- edits -------------------------------------------------------------------------------------


def apply_edits(text: str, edits: Sequence[types.TextEdit | types.AnnotatedTextEdit]) -> str:
    """Applies LSP text edits (all relative to `text`, non-overlapping) as an editor does."""
    spans = []
    for e in edits:
        start, end = offset_of(text, e.range.start), offset_of(text, e.range.end)
        assert start <= end, f"edit with an inverted range {rng(e.range)}"
        spans.append((start, end, e.new_text))
    spans.sort(key=lambda s: (s[0], s[1]))
    for (s1, e1, _), (s2, _e2, _) in zip(spans, spans[1:], strict=False):
        assert e1 <= s2, f"overlapping edits at offsets {s1}-{e1} and {s2}"
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


def uri_path(uri: str) -> Path:
    parsed = urlparse(uri)
    assert parsed.scheme == "file", f"not a file URI: {uri}"
    return Path(unquote(parsed.path))


def workspace_edit_by_file(edit: types.WorkspaceEdit | None) -> dict[str, list[types.TextEdit]]:
    """The text edits of a workspace edit, by file name, from `changes` or `documentChanges`."""
    assert edit is not None, "no workspace edit"
    by_file: dict[str, list[types.TextEdit]] = {}
    if edit.document_changes:
        for change in edit.document_changes:
            assert isinstance(change, types.TextDocumentEdit), (
                f"unexpected resource operation in a workspace edit: {change}"
            )
            name = uri_path(change.text_document.uri).name
            by_file.setdefault(name, []).extend(change.edits)
    if edit.changes:
        for uri, edits in edit.changes.items():
            by_file.setdefault(uri_path(uri).name, []).extend(edits)
    return by_file


# ---- result shapes -----------------------------------------------------------------------------


def hover_text(hover: types.Hover | None) -> str:
    """The text of a hover, whatever shape its contents take."""
    if hover is None:
        return ""
    contents = hover.contents
    parts: list[Any] = list(contents) if isinstance(contents, (list, tuple)) else [contents]
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            out.append(part.value)
    return "\n".join(out)


def completion_items(result) -> list[types.CompletionItem]:
    if result is None:
        return []
    if isinstance(result, types.CompletionList):
        return list(result.items)
    return list(result)


def labels(items: Iterable[types.CompletionItem]) -> set[str]:
    return {i.label for i in items}


def locations(result) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(file name, range) of a definition/references result, sorted; links give their
    target selection range."""
    if result is None:
        return []
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    out = []
    for item in items:
        if isinstance(item, types.LocationLink):
            out.append((uri_path(item.target_uri).name, rng(item.target_selection_range)))
        else:
            out.append((uri_path(item.uri).name, rng(item.range)))
    return sorted(out)


def diag_code(d: types.Diagnostic) -> str | None:
    return None if d.code is None else str(d.code)


def diag_text(d: types.Diagnostic) -> str:
    """The message and every related message of a diagnostic: where `help` may be shown."""
    parts = [d.message]
    for info in d.related_information or []:
        parts.append(info.message)
    return "\n".join(parts)


def diag_key(d: types.Diagnostic) -> tuple:
    """(code, severity, range, first line of the message): what must match `journey check`."""
    return (diag_code(d), d.severity, rng(d.range), d.message.splitlines()[0] if d.message else "")


def show(diags: Iterable[types.Diagnostic]) -> str:
    return (
        "\n".join(f"  {diag_code(d)} {d.severity} {rng(d.range)} {d.message!r}" for d in diags)
        or "  (none)"
    )


# ---- the command line, as the reference ---------------------------------------------------------


def journey_check(files: dict[str, str]) -> dict[str, list[dict]]:
    """`journey check --format json` of a program made of `files`: its diagnostics by file name,
    each with an LSP `range` added (the CLI counts columns in characters, from 1)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            Path(tmp, name).write_text(text)
        proc = subprocess.run(
            [str(JOURNEY_BIN), "check", "--format", "json", tmp],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode in (0, 1), f"journey check failed to run: {proc.stderr}"
    out: dict[str, list[dict]] = {name: [] for name in files}
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        name = Path(d["file"]).name
        text = files[name]
        d["range"] = types.Range(
            start=_cli_position(text, d["line"], d["column"]),
            end=_cli_position(text, d["end_line"], d["end_column"]),
        )
        out[name].append(d)
    return out


def _cli_position(text: str, line: int, column: int) -> types.Position:
    start, content = _lines(text)[line - 1]
    return types.Position(line=line - 1, character=utf16_len(content[: column - 1]))


def cli_key(d: dict) -> tuple:
    severity = ERROR if d["severity"] == "error" else WARNING
    return (d["code"], severity, rng(d["range"]), d["message"])


def journey_fmt(text: str) -> str:
    """What `journey fmt` makes of `text`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "input.journey")
        path.write_text(text)
        proc = subprocess.run(
            [str(JOURNEY_BIN), "fmt", str(path)], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, f"journey fmt failed: {proc.stdout}{proc.stderr}"
        return path.read_text()


# ---- the session ---------------------------------------------------------------------------------


@dataclass
class Published:
    """One `textDocument/publishDiagnostics` notification, numbered in arrival order."""

    seq: int
    at: float
    uri: str
    version: int | None
    diagnostics: list[types.Diagnostic]


class Session:
    """An initialized server with its workspace, the open documents and their versions."""

    def __init__(self, client, root: Path):
        self.client = client
        self.root = root
        self.docs: dict[str, tuple[str, int]] = {}
        self._mark = 0

    # -- state ----------------------------------------------------------------------------------

    @property
    def capabilities(self) -> types.ServerCapabilities:
        assert self.client.init_result is not None
        return self.client.init_result.capabilities

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def text(self, name: str) -> str:
        """The open document's text, or the file on disk."""
        if name in self.docs:
            return self.docs[name][0]
        return (self.root / name).read_text()

    def version(self, name: str) -> int:
        return self.docs[name][1]

    def alive(self) -> bool:
        server = self.client._server
        return server is not None and server.returncode is None and self.client.error is None

    def errors_shown(self) -> list[str]:
        """Error messages the server showed or logged (window/showMessage, window/logMessage)."""
        out = [m.message for m in self.client.messages if m.type == types.MessageType.Error]
        out += [m.message for m in self.client.log_messages if m.type == types.MessageType.Error]
        return out

    # -- notifications ----------------------------------------------------------------------------

    def open(self, name: str, text: str | None = None) -> str:
        """didOpen `name` with `text` (the file on disk by default); returns the text."""
        if text is None:
            text = (self.root / name).read_text()
        self._mark = len(self.client.published)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=self.uri(name), language_id="journey", version=1, text=text
                )
            )
        )
        self.docs[name] = (text, 1)
        return text

    def change(self, name: str, text: str) -> None:
        """didChange with the whole new text (full synchronisation)."""
        _, version = self.docs[name]
        version += 1
        self._mark = len(self.client.published)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri(name), version=version
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        self.docs[name] = (text, version)

    def close(self, name: str) -> None:
        self._mark = len(self.client.published)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri(name))
            )
        )
        self.docs.pop(name, None)

    # -- diagnostics -----------------------------------------------------------------------------

    def published_for(self, name: str, after: int = 0) -> list[Published]:
        uri = self.uri(name)
        return [
            p
            for p in self.client.published
            if p.seq > after and p.uri.startswith("file:") and uri_path(p.uri) == uri_path(uri)
        ]

    async def diagnostics(
        self,
        name: str,
        *,
        until: Callable[[list[types.Diagnostic]], bool] | None = None,
        after: int | None = None,
        timeout: float = 15.0,
        quiet: float = 1.0,
    ) -> list[types.Diagnostic]:
        """The diagnostics of `name` once they have settled.

        Waits for a publication for `name` after the last didOpen/didChange/didClose (or after
        notification number `after`) for which `until` holds (when given), then until no new
        publication for `name` has come for `quiet` seconds (the server debounces). Returns the
        latest publication; on timeout returns the latest one anyway (the test's assertion then
        shows what was published), or fails when nothing was published at all.
        """
        after = self._mark if after is None else after
        deadline = time.monotonic() + timeout
        while True:
            got = self.published_for(name, after)
            now = time.monotonic()
            if got and (until is None or until(got[-1].diagnostics)):
                if now - got[-1].at >= quiet:
                    return got[-1].diagnostics
            if now > deadline:
                assert got, f"no textDocument/publishDiagnostics for {name} within {timeout}s"
                return got[-1].diagnostics
            if not self.alive():
                raise AssertionError("the server died while the test waited for diagnostics")
            await asyncio.sleep(0.05)

    # -- requests ---------------------------------------------------------------------------------

    async def request(self, awaitable, timeout: float = REQUEST_TIMEOUT):
        try:
            return await asyncio.wait_for(awaitable, timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"the server did not answer within {timeout}s") from None

    def _doc(self, name: str) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri(name))

    async def hover(self, name: str, position: types.Position) -> types.Hover | None:
        return await self.request(
            self.client.text_document_hover_async(
                types.HoverParams(text_document=self._doc(name), position=position)
            )
        )

    async def completion(self, name: str, position: types.Position) -> list[types.CompletionItem]:
        result = await self.request(
            self.client.text_document_completion_async(
                types.CompletionParams(
                    text_document=self._doc(name),
                    position=position,
                    context=types.CompletionContext(
                        trigger_kind=types.CompletionTriggerKind.Invoked
                    ),
                )
            )
        )
        return completion_items(result)

    async def definition(self, name: str, position: types.Position):
        return await self.request(
            self.client.text_document_definition_async(
                types.DefinitionParams(text_document=self._doc(name), position=position)
            )
        )

    async def references(self, name: str, position: types.Position, *, declaration: bool):
        return await self.request(
            self.client.text_document_references_async(
                types.ReferenceParams(
                    text_document=self._doc(name),
                    position=position,
                    context=types.ReferenceContext(include_declaration=declaration),
                )
            )
        )

    async def rename(self, name: str, position: types.Position, new_name: str):
        return await self.request(
            self.client.text_document_rename_async(
                types.RenameParams(
                    text_document=self._doc(name), position=position, new_name=new_name
                )
            )
        )

    async def document_symbols(self, name: str):
        return await self.request(
            self.client.text_document_document_symbol_async(
                types.DocumentSymbolParams(text_document=self._doc(name))
            )
        )

    async def workspace_symbols(self, query: str):
        return await self.request(
            self.client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))
        )

    async def folding_ranges(self, name: str) -> list[types.FoldingRange]:
        return (
            await self.request(
                self.client.text_document_folding_range_async(
                    types.FoldingRangeParams(text_document=self._doc(name))
                )
            )
            or []
        )

    async def semantic_tokens(self, name: str) -> types.SemanticTokens | None:
        return await self.request(
            self.client.text_document_semantic_tokens_full_async(
                types.SemanticTokensParams(text_document=self._doc(name))
            )
        )

    async def formatting(self, name: str) -> list[types.TextEdit] | None:
        return await self.request(
            self.client.text_document_formatting_async(
                types.DocumentFormattingParams(
                    text_document=self._doc(name),
                    options=types.FormattingOptions(tab_size=2, insert_spaces=True),
                )
            )
        )

    async def code_actions(
        self,
        name: str,
        range_: types.Range,
        diagnostics: Sequence[types.Diagnostic],
    ) -> list[types.CodeAction | types.Command]:
        result = await self.request(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=self._doc(name),
                    range=range_,
                    context=types.CodeActionContext(
                        diagnostics=list(diagnostics),
                        trigger_kind=types.CodeActionTriggerKind.Invoked,
                    ),
                )
            )
        )
        return list(result or [])

    async def resolve_code_action(self, action: types.CodeAction) -> types.CodeAction:
        """The action with its edit (resolving it when the server sends the edit lazily)."""
        if action.edit is None and action.data is not None:
            return await self.request(self.client.code_action_resolve_async(action))
        return action
