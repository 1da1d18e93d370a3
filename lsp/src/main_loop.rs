//! The server: the initialize handshake, then one loop that handles requests and notifications
//! in order and publishes diagnostics once no change has arrived for a moment.
//!
//! Every handler runs under `catch_unwind`: a bug answers one request with an error instead of
//! ending the session, and parameters that do not deserialize get `InvalidParams`.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{self as lsp, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::handlers;
use crate::workspace::{key, Workspace};

/// How long diagnostics wait for typing to pause.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Diagnostics are published at the latest this long after the first unpublished change, even
/// while changes keep coming.
const MAX_DELAY: Duration = Duration::from_millis(1_000);

/// Runs the server over stdin and stdout until the client says `exit`. Returns whether the
/// session ended as the protocol wants (a `shutdown` before the `exit`).
pub fn run_stdio() -> Result<bool, String> {
    let (connection, io_threads) = Connection::stdio();
    let clean = run_with_big_stack(connection)?;
    io_threads.join().map_err(|e| e.to_string())?;
    Ok(clean)
}

/// The stack of the server's thread. The parser bounds the nesting of brackets and prefix
/// operators (E0008), but the checker still recurses once per operator of a long `a or b or
/// ...` chain, and a stack overflow cannot be caught like a panic: whatever is typed in an
/// editor must not end the session. The memory is only reserved, not committed.
pub const STACK_SIZE: usize = 512 * 1024 * 1024;

/// Runs [`run`] on a thread with a [`STACK_SIZE`] stack.
pub fn run_with_big_stack(connection: Connection) -> Result<bool, String> {
    std::thread::Builder::new()
        .name("journey-lsp".into())
        .stack_size(STACK_SIZE)
        .spawn(move || run(connection))
        .map_err(|e| format!("cannot start the server thread: {e}"))?
        .join()
        .map_err(|_| "the server thread failed".to_string())?
}

/// Runs the server over a connection: initialize, then the main loop. Returns whether a
/// `shutdown` request came before the end.
pub fn run(connection: Connection) -> Result<bool, String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let init = InitInfo::read(&params);
    let result = serde_json::json!({
        "capabilities": handlers::capabilities(init.prepare_rename),
        "serverInfo": { "name": "journey-lsp", "version": env!("CARGO_PKG_VERSION") },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        connection: &connection,
        workspace: Workspace::new(init.roots),
        published: HashMap::new(),
        due: Some(Instant::now()),
        first_change: None,
        shutdown: false,
        next_request: 0,
    };
    if init.watch_files {
        server.register_file_watcher();
    }
    server.main_loop()
}

/// What the server needs from the `initialize` parameters, read leniently.
struct InitInfo {
    roots: Vec<PathBuf>,
    watch_files: bool,
    prepare_rename: bool,
}

impl InitInfo {
    fn read(params: &serde_json::Value) -> InitInfo {
        let uri_path = |v: &serde_json::Value| {
            v.as_str()
                .and_then(|s| Url::parse(s).ok())
                .and_then(|u| u.to_file_path().ok())
        };
        let mut roots: Vec<PathBuf> = params
            .get("workspaceFolders")
            .and_then(|f| f.as_array())
            .map(|folders| {
                folders
                    .iter()
                    .filter_map(|f| f.get("uri").and_then(uri_path))
                    .collect()
            })
            .unwrap_or_default();
        if roots.is_empty() {
            roots.extend(params.get("rootUri").and_then(uri_path));
        }
        if roots.is_empty() {
            roots.extend(
                params
                    .get("rootPath")
                    .and_then(|p| p.as_str())
                    .map(PathBuf::from),
            );
        }
        let watch_files = params
            .pointer("/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let prepare_rename = params
            .pointer("/capabilities/textDocument/rename/prepareSupport")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        InitInfo {
            roots,
            watch_files,
            prepare_rename,
        }
    }
}

struct Server<'c> {
    connection: &'c Connection,
    workspace: Workspace,
    /// What was last published per file key (URI and diagnostics), to clear files that became
    /// clean and to skip closed files whose diagnostics did not change.
    published: HashMap<String, (Url, Vec<lsp::Diagnostic>)>,
    /// When diagnostics are next due, if a change is unpublished.
    due: Option<Instant>,
    first_change: Option<Instant>,
    shutdown: bool,
    next_request: i32,
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<bool, String> {
        loop {
            let message = match self.due {
                Some(due) => {
                    let wait = due.saturating_duration_since(Instant::now());
                    match self.connection.receiver.recv_timeout(wait) {
                        Ok(message) => Some(message),
                        Err(error) if error.is_timeout() => None,
                        Err(_) => return Ok(self.shutdown),
                    }
                }
                None => match self.connection.receiver.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return Ok(self.shutdown),
                },
            };
            match message {
                None => self.publish_diagnostics(),
                Some(Message::Request(request)) => self.on_request(request),
                Some(Message::Notification(notification)) => {
                    if notification.method == notif::Exit::METHOD {
                        return Ok(self.shutdown);
                    }
                    self.on_notification(notification);
                }
                Some(Message::Response(_)) => {}
            }
            if self
                .first_change
                .is_some_and(|first| first.elapsed() >= MAX_DELAY)
            {
                self.publish_diagnostics();
            }
        }
    }

    fn send(&self, message: Message) {
        // A closed channel means the client is gone; the loop ends on the next receive.
        let _ = self.connection.sender.send(message);
    }

    fn notify<N: notif::Notification>(&self, params: N::Params) {
        match serde_json::to_value(params) {
            Ok(params) => self.send(Message::Notification(Notification {
                method: N::METHOD.to_string(),
                params,
            })),
            Err(error) => eprintln!("journey lsp: cannot encode {}: {error}", N::METHOD),
        }
    }

    /// Asks the client to tell us about `.journey` files changed on disk.
    fn register_file_watcher(&mut self) {
        let options = lsp::DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![lsp::FileSystemWatcher {
                glob_pattern: lsp::GlobPattern::String("**/*.journey".into()),
                kind: None,
            }],
        };
        let registration = lsp::Registration {
            id: "journey-watch-files".into(),
            method: notif::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(options).ok(),
        };
        self.next_request += 1;
        let request = Request {
            id: RequestId::from(self.next_request),
            method: req::RegisterCapability::METHOD.into(),
            params: serde_json::json!(lsp::RegistrationParams {
                registrations: vec![registration]
            }),
        };
        self.send(Message::Request(request));
    }

    /// Diagnostics are due after `delay` unless more changes come.
    fn schedule(&mut self, delay: Duration) {
        let now = Instant::now();
        self.first_change.get_or_insert(now);
        self.due = Some(now + delay);
    }

    fn on_request(&mut self, request: Request) {
        let id = request.id.clone();
        if self.shutdown {
            self.send(Message::Response(error_response(
                id,
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            )));
            return;
        }
        let response = match request.method.as_str() {
            req::Shutdown::METHOD => {
                self.shutdown = true;
                Response {
                    id,
                    response_result: Ok(serde_json::Value::Null),
                }
            }
            req::HoverRequest::METHOD => self.handle::<req::HoverRequest>(request, handlers::hover),
            req::Completion::METHOD => {
                self.handle::<req::Completion>(request, handlers::completion)
            }
            req::GotoDefinition::METHOD => {
                self.handle::<req::GotoDefinition>(request, handlers::definition)
            }
            req::References::METHOD => {
                self.handle::<req::References>(request, handlers::references)
            }
            req::PrepareRenameRequest::METHOD => {
                self.handle::<req::PrepareRenameRequest>(request, handlers::prepare_rename)
            }
            req::Rename::METHOD => self.handle::<req::Rename>(request, handlers::rename),
            req::DocumentSymbolRequest::METHOD => {
                self.handle::<req::DocumentSymbolRequest>(request, handlers::document_symbols)
            }
            req::WorkspaceSymbolRequest::METHOD => {
                self.handle::<req::WorkspaceSymbolRequest>(request, handlers::workspace_symbols)
            }
            req::FoldingRangeRequest::METHOD => {
                self.handle::<req::FoldingRangeRequest>(request, handlers::folding_ranges)
            }
            req::SemanticTokensFullRequest::METHOD => {
                self.handle::<req::SemanticTokensFullRequest>(request, handlers::semantic_tokens)
            }
            req::Formatting::METHOD => {
                self.handle::<req::Formatting>(request, handlers::formatting)
            }
            req::CodeActionRequest::METHOD => {
                self.handle::<req::CodeActionRequest>(request, handlers::code_actions)
            }
            req::CodeLensRequest::METHOD => {
                self.handle::<req::CodeLensRequest>(request, handlers::code_lenses)
            }
            req::ExecuteCommand::METHOD => {
                self.handle::<req::ExecuteCommand>(request, handlers::execute_command)
            }
            method => error_response(
                id,
                ErrorCode::MethodNotFound,
                format!("unknown request `{method}`"),
            ),
        };
        self.send(Message::Response(response));
    }

    /// Decodes the parameters, runs the handler on the current snapshot under `catch_unwind`
    /// and encodes its result.
    fn handle<R>(
        &mut self,
        request: Request,
        handler: fn(&crate::workspace::Snapshot, R::Params) -> handlers::Result<R::Result>,
    ) -> Response
    where
        R: req::Request,
        R::Params: DeserializeOwned,
        R::Result: Serialize,
    {
        let id = request.id;
        let params: R::Params = match serde_json::from_value(request.params) {
            Ok(params) => params,
            Err(error) => {
                return error_response(
                    id,
                    ErrorCode::InvalidParams,
                    format!("invalid parameters for `{}`: {error}", R::METHOD),
                )
            }
        };
        let workspace = &mut self.workspace;
        let outcome = catch_unwind(AssertUnwindSafe(|| handler(workspace.snapshot(), params)));
        match outcome {
            Ok(Ok(result)) => match serde_json::to_value(result) {
                Ok(value) => Response {
                    id,
                    response_result: Ok(value),
                },
                Err(error) => error_response(id, ErrorCode::InternalError, error.to_string()),
            },
            Ok(Err(failure)) => error_response(id, ErrorCode::RequestFailed, failure.0),
            Err(_) => {
                eprintln!("journey lsp: internal error in `{}`", R::METHOD);
                error_response(
                    id,
                    ErrorCode::InternalError,
                    format!(
                        "internal error in `{}`; the server keeps running",
                        R::METHOD
                    ),
                )
            }
        }
    }

    fn on_notification(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.notification(notification)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("journey lsp: ignored `{method}`: {error}"),
            Err(_) => eprintln!("journey lsp: internal error in `{method}`"),
        }
    }

    fn notification(&mut self, notification: Notification) -> Result<(), String> {
        match notification.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                let params: lsp::DidOpenTextDocumentParams = decode(notification.params)?;
                let document = params.text_document;
                self.workspace
                    .open(document.uri, document.text, document.version);
                self.schedule(Duration::ZERO);
            }
            notif::DidChangeTextDocument::METHOD => {
                let params: lsp::DidChangeTextDocumentParams = decode(notification.params)?;
                let changes = params
                    .content_changes
                    .into_iter()
                    .map(|c| (c.range, c.text))
                    .collect();
                self.workspace.change(
                    &params.text_document.uri,
                    params.text_document.version,
                    changes,
                );
                self.schedule(DEBOUNCE);
            }
            notif::DidCloseTextDocument::METHOD => {
                let params: lsp::DidCloseTextDocumentParams = decode(notification.params)?;
                self.workspace.close(&params.text_document.uri);
                self.schedule(Duration::ZERO);
            }
            notif::DidChangeWatchedFiles::METHOD => {
                let params: lsp::DidChangeWatchedFilesParams = decode(notification.params)?;
                for change in params.changes {
                    let deleted = change.typ == lsp::FileChangeType::DELETED;
                    self.workspace.disk_changed(&change.uri, deleted);
                }
                self.schedule(DEBOUNCE);
            }
            notif::DidChangeWorkspaceFolders::METHOD => {
                let params: lsp::DidChangeWorkspaceFoldersParams = decode(notification.params)?;
                let removed: Vec<PathBuf> = params
                    .event
                    .removed
                    .iter()
                    .filter_map(|f| f.uri.to_file_path().ok())
                    .collect();
                let mut roots: Vec<PathBuf> = self
                    .workspace
                    .roots()
                    .iter()
                    .filter(|r| !removed.contains(r))
                    .cloned()
                    .collect();
                roots.extend(
                    params
                        .event
                        .added
                        .iter()
                        .filter_map(|f| f.uri.to_file_path().ok()),
                );
                self.workspace.set_roots(roots);
                self.schedule(Duration::ZERO);
            }
            _ => {}
        }
        Ok(())
    }

    /// Publishes the diagnostics of every file: always for open documents, for other files
    /// when they changed, and an empty list for files that became clean or left the program.
    fn publish_diagnostics(&mut self) {
        self.due = None;
        self.first_change = None;
        let mut outgoing: Vec<lsp::PublishDiagnosticsParams> = Vec::new();
        let published = &mut self.published;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let snapshot = self.workspace.snapshot();
            let by_file = handlers::diagnostics_by_file(snapshot);
            let mut next: HashMap<String, (Url, Vec<lsp::Diagnostic>)> = HashMap::new();
            for ((uri, version), diagnostics) in
                snapshot.uris.iter().zip(&snapshot.versions).zip(by_file)
            {
                let k = key(uri);
                let before = published.get(&k).map(|(_, d)| d);
                let changed =
                    before != Some(&diagnostics) && !(before.is_none() && diagnostics.is_empty());
                if version.is_some() || changed {
                    outgoing.push(lsp::PublishDiagnosticsParams {
                        uri: uri.clone(),
                        diagnostics: diagnostics.clone(),
                        version: *version,
                    });
                }
                if !diagnostics.is_empty() {
                    next.insert(k, (uri.clone(), diagnostics));
                }
            }
            for (k, (uri, _)) in published.iter() {
                if snapshot.file_id(uri).is_none() && !next.contains_key(k) {
                    outgoing.push(lsp::PublishDiagnosticsParams {
                        uri: uri.clone(),
                        diagnostics: Vec::new(),
                        version: None,
                    });
                }
            }
            *published = next;
        }));
        if outcome.is_err() {
            eprintln!("journey lsp: internal error while publishing diagnostics");
        }
        for params in outgoing {
            self.notify::<notif::PublishDiagnostics>(params);
        }
    }
}

fn decode<T: DeserializeOwned>(params: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(params).map_err(|e| e.to_string())
}

fn error_response(id: RequestId, code: ErrorCode, message: String) -> Response {
    Response {
        id,
        response_result: Err(lsp_server::ResponseError {
            code: code as i32,
            message,
            data: None,
        }),
    }
}
