"""Fixtures of the language server's end-to-end tests.

Every test gets its own `journey lsp` process (started by pytest-lsp over stdio, with VS Code's
client capabilities) and its own temporary copy of `fixtures/workspace/`, announced to the server
as the one workspace folder. The `session` fixture wraps the client in `lsp_session.Session`,
which keeps the texts and versions of the open documents and records every
`textDocument/publishDiagnostics` notification.

After each test the server must still run, must not have panicked (a panic message on its
stderr fails the test even if the server caught it), and must leave on `shutdown` + `exit` with
status 0.

The server binary is `$JOURNEY_BIN`, or `target/debug/journey` of this repository (build it with
`cargo build -p journey-cli`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from lsp_session import FIXTURE_WORKSPACE, JOURNEY_BIN, Published, Session

# How long the server may take to answer `initialize` and `shutdown`.
STARTUP_TIMEOUT = 20.0

_TEST_FAILED = pytest.StashKey[bool]()


class JourneyClient(LanguageClient):
    """pytest-lsp's client, plus a log of every diagnostics notification in arrival order, the
    capability registrations the server asked for, and the server's stderr."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.published: list[Published] = []
        self.registrations: list = []
        self.stderr_lines: list[str] = []
        self.init_result: types.InitializeResult | None = None

    async def start_io(self, cmd: str, *args, **kwargs):
        # pygls starts the process; the stderr forwarder is ours, so that it also keeps the lines.
        await super(LanguageClient, self).start_io(cmd, *args, **kwargs)
        if self._server and self._server.stderr:
            self._stderr_forwarder = asyncio.create_task(self._forward_stderr())

    async def _forward_stderr(self):
        assert self._server is not None and self._server.stderr is not None
        while (line := await self._server.stderr.readline()) != b"":
            self.stderr_lines.append(line.decode(errors="replace"))
            sys.stderr.buffer.write(line)


def _record_diagnostics(client: JourneyClient, params: types.PublishDiagnosticsParams):
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(
        Published(
            seq=len(client.published) + 1,
            at=time.monotonic(),
            uri=params.uri,
            version=params.version,
            diagnostics=list(params.diagnostics),
        )
    )


def _accept_registration(client: JourneyClient, params) -> None:
    """client/registerCapability and client/unregisterCapability: accepted, as VS Code does."""
    client.registrations.append(params)


def make_client() -> JourneyClient:
    client = JourneyClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record_diagnostics
    features[types.CLIENT_REGISTER_CAPABILITY] = _accept_registration
    features[types.CLIENT_UNREGISTER_CAPABILITY] = _accept_registration
    register_lsp_features(client, features)
    return client


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh copy of the fixture workspace: `schema.journey` and `journeys.journey`."""
    root = tmp_path / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, root)
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[str(JOURNEY_BIN), "lsp"],
        client_factory=make_client,
        server_env={**os.environ, "RUST_BACKTRACE": "1"},
    ),
)
async def client(lsp_client: JourneyClient, workspace: Path, request: pytest.FixtureRequest):
    """A `journey lsp` process initialized with `workspace` as its workspace folder."""
    root_uri = workspace.as_uri()
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=root_uri,
        root_path=str(workspace),
        workspace_folders=[types.WorkspaceFolder(uri=root_uri, name="workspace")],
        client_info=types.ClientInfo(name="pytest-lsp", version="1.0.1"),
    )
    try:
        lsp_client.init_result = await asyncio.wait_for(
            lsp_client.initialize_session(params), STARTUP_TIMEOUT
        )
    except BaseException:
        _kill(lsp_client)
        raise

    yield

    server = lsp_client._server
    try:
        if request.node.stash.get(_TEST_FAILED, False):
            return  # the test's own failure says what went wrong; just end the server
        assert server is not None and server.returncode is None, (
            f"the server died during the test (exit status {server.returncode if server else None})"
        )
        assert lsp_client.error is None, f"the client saw a protocol error: {lsp_client.error}"
        await asyncio.wait_for(lsp_client.shutdown_session(), STARTUP_TIMEOUT)
        await asyncio.wait_for(server.wait(), STARTUP_TIMEOUT)
        assert server.returncode == 0, (
            f"the server exited with status {server.returncode} after shutdown and exit"
        )
        panics = [line for line in lsp_client.stderr_lines if "panicked" in line]
        assert not panics, f"the server panicked: {''.join(panics)}"
    finally:
        _kill(lsp_client)


def _kill(client: JourneyClient) -> None:
    """Ends the server process this test started if it still runs, so that teardown never hangs."""
    server = client._server
    if server is not None and server.returncode is None:
        try:
            server.kill()
        except ProcessLookupError:
            pass


@pytest.fixture
async def session(client: JourneyClient, workspace: Path) -> Session:
    """The initialized server and the helpers the tests speak through."""
    return Session(client, workspace)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ARG001 - pytest's hook signature
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_TEST_FAILED] = True
    return report


def pytest_sessionstart(session):  # noqa: ARG001 - pytest's hook signature
    # Fail fast with one clear message instead of one error per test.
    if not JOURNEY_BIN.is_file():
        raise pytest.UsageError(
            f"the server binary {JOURNEY_BIN} does not exist: run `cargo build -p journey-cli` "
            "or set JOURNEY_BIN"
        )
