//! `lsp`: a session of the language server, in process over `Connection::memory()`.
//!
//! The input is split at its first NUL byte: before it, the text of the document opened first
//! (so that `.journey` files seed this target well); after it, `arbitrary` choices of up to 28
//! messages: incremental edits (ranges possibly out of bounds or inside UTF-16 pairs, any
//! text), full replacements, closing and reopening, and requests (hover, completion,
//! definition, references, prepareRename, rename, documentSymbol, workspace symbols,
//! formatting, semanticTokens, codeAction, foldingRange) at any position. Then opening a
//! marker document makes the server publish diagnostics at once, and `shutdown` and `exit` end
//! the session. Properties:
//!
//! - the server never dies and ends cleanly (`run` returns `Ok(true)`);
//! - every request gets exactly one response with its id, and none is an internal error (a
//!   handler's panic, caught by the server);
//! - published diagnostics have ranges that start before they end.
//!
//! Every message is queued before the server starts, so no run waits on the diagnostics'
//! debounce; only the final publication is waited for (it is due at once).

use std::collections::HashMap;
use std::time::Duration;

use arbitrary::{Result as ArbResult, Unstructured};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

const URI: &str = "file:///fuzz/a.journey";
const OTHER_URI: &str = "file:///fuzz/b.journey";
const MARKER_URI: &str = "file:///fuzz/marker.journey";

/// Fragments edits insert, besides arbitrary text.
const SNIPPETS: &[&str] = &[
    "event",
    "profile",
    "segment",
    "score",
    "journey",
    "test",
    "policy",
    "enter on ",
    "enter when ",
    " where ",
    " as ",
    " within 3d",
    "since enter",
    "send email \"x\"",
    "wait 1d",
    "wait for ",
    "if ",
    "else",
    "split {",
    "set profile.",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    ".",
    " == ",
    "??",
    "=>",
    "50%",
    "email.opened",
    "profile.email",
    "count(email.opened within 7d)",
    "x",
    "42",
    "09:00",
    "2026-12-24T09:00:00Z",
    "\"text\"",
    "\"open",
    "// c",
    "/*",
    "*/",
    "\n",
    "\r\n",
    " ",
    "é",
    "\u{1F600}",
    "\\",
    "",
];

struct Session<'u, 'd> {
    u: &'u mut Unstructured<'d>,
    messages: Vec<Message>,
    requests: Vec<(RequestId, String)>,
    version: i32,
}

impl Session<'_, '_> {
    fn notify(&mut self, method: &str, params: Value) {
        self.messages.push(Message::Notification(Notification {
            method: method.into(),
            params,
        }));
    }

    fn request(&mut self, method: &str, params: Value) {
        let id = RequestId::from(self.requests.len() as i32 + 2);
        self.requests.push((id.clone(), method.to_string()));
        self.messages.push(Message::Request(Request {
            id,
            method: method.into(),
            params,
        }));
    }

    fn uri(&mut self) -> ArbResult<&'static str> {
        Ok(if self.u.ratio(1, 8)? { OTHER_URI } else { URI })
    }

    fn position(&mut self) -> ArbResult<Value> {
        let line = match self.u.int_in_range(0..=9u8)? {
            0 => u32::MAX,
            1 => self.u.int_in_range(0..=1000u32)?,
            _ => self.u.int_in_range(0..=40u32)?,
        };
        let character = match self.u.int_in_range(0..=9u8)? {
            0 => u32::MAX,
            _ => self.u.int_in_range(0..=60u32)?,
        };
        Ok(json!({ "line": line, "character": character }))
    }

    fn range(&mut self) -> ArbResult<Value> {
        let start = self.position()?;
        let end = if self.u.ratio(3, 4)? {
            let line = start["line"].as_u64().unwrap_or(0);
            let character = start["character"].as_u64().unwrap_or(0);
            json!({
                "line": line.saturating_add(u64::from(self.u.int_in_range(0..=2u8)?)).min(u64::from(u32::MAX)),
                "character": character.saturating_add(u64::from(self.u.int_in_range(0..=5u8)?)).min(u64::from(u32::MAX)),
            })
        } else {
            self.position()?
        };
        Ok(json!({ "start": start, "end": end }))
    }

    fn text(&mut self) -> ArbResult<String> {
        if self.u.ratio(1, 4)? {
            let text: &str = self.u.arbitrary()?;
            Ok(text.chars().take(64).collect())
        } else {
            let mut text = String::new();
            for _ in 0..self.u.int_in_range(1..=3u8)? {
                text.push_str(self.u.choose(SNIPPETS)?);
            }
            Ok(text)
        }
    }

    fn message(&mut self) -> ArbResult<()> {
        let uri = self.uri()?;
        let document = json!({ "uri": uri });
        let choice = self.u.int_in_range(0..=19u8)?;
        match choice {
            0..=4 => {
                self.version += 1;
                let mut changes = Vec::new();
                for _ in 0..self.u.int_in_range(1..=3u8)? {
                    let text = self.text()?;
                    if self.u.ratio(1, 12)? {
                        changes.push(json!({ "text": text }));
                    } else {
                        changes.push(json!({ "range": self.range()?, "text": text }));
                    }
                }
                self.notify(
                    "textDocument/didChange",
                    json!({
                        "textDocument": { "uri": uri, "version": self.version },
                        "contentChanges": changes,
                    }),
                );
            }
            5 => self.notify("textDocument/didClose", json!({ "textDocument": document })),
            6 => {
                let text = self.text()?;
                self.version += 1;
                self.notify(
                    "textDocument/didOpen",
                    json!({ "textDocument": {
                        "uri": uri, "languageId": "journey", "version": self.version, "text": text,
                    }}),
                );
            }
            7 => {
                let params = json!({ "textDocument": document, "position": self.position()? });
                self.request("textDocument/hover", params);
            }
            8 => {
                let mut params = json!({ "textDocument": document, "position": self.position()? });
                if self.u.arbitrary()? {
                    let trigger = self.u.choose(&[".", " ", "(", "x"])?;
                    params["context"] = json!({ "triggerKind": 2, "triggerCharacter": trigger });
                }
                self.request("textDocument/completion", params);
            }
            9 => {
                let params = json!({ "textDocument": document, "position": self.position()? });
                self.request("textDocument/definition", params);
            }
            10 => {
                let params = json!({
                    "textDocument": document,
                    "position": self.position()?,
                    "context": { "includeDeclaration": self.u.arbitrary::<bool>()? },
                });
                self.request("textDocument/references", params);
            }
            11 => {
                let params = json!({ "textDocument": document, "position": self.position()? });
                self.request("textDocument/prepareRename", params);
            }
            12 => {
                let name = self.u.choose(&[
                    "renamed",
                    "x",
                    "",
                    "a b",
                    "journey",
                    "é",
                    "email.opened",
                    "9",
                ])?;
                let params = json!({
                    "textDocument": document, "position": self.position()?, "newName": name,
                });
                self.request("textDocument/rename", params);
            }
            13 => self.request(
                "textDocument/documentSymbol",
                json!({ "textDocument": document }),
            ),
            14 => {
                let query = self.u.choose(&["", "e", "welcome", "é"])?;
                self.request("workspace/symbol", json!({ "query": query }));
            }
            15 => {
                let params = json!({
                    "textDocument": document,
                    "options": { "tabSize": 2, "insertSpaces": true },
                });
                self.request("textDocument/formatting", params);
            }
            16 => self.request(
                "textDocument/semanticTokens/full",
                json!({ "textDocument": document }),
            ),
            17 => {
                let params = json!({
                    "textDocument": document,
                    "range": self.range()?,
                    "context": { "diagnostics": [] },
                });
                self.request("textDocument/codeAction", params);
            }
            _ => self.request(
                "textDocument/foldingRange",
                json!({ "textDocument": document }),
            ),
        }
        Ok(())
    }
}

/// Checks one input.
pub fn check(data: &[u8]) -> Result<(), String> {
    let (text, rest) = match data.iter().position(|b| *b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(text).into_owned();
    let mut u = Unstructured::new(rest);
    let mut session = Session {
        u: &mut u,
        messages: Vec::new(),
        requests: Vec::new(),
        version: 1,
    };
    session.messages.push(Message::Request(Request {
        id: RequestId::from(1),
        method: "initialize".into(),
        params: json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    }));
    session.notify("initialized", json!({}));
    session.notify(
        "textDocument/didOpen",
        json!({ "textDocument": {
            "uri": URI, "languageId": "journey", "version": 1, "text": text,
        }}),
    );
    let count = session.u.int_in_range(0..=28u8).unwrap_or(0);
    for _ in 0..count {
        if session.message().is_err() {
            break;
        }
    }
    let Session {
        messages, requests, ..
    } = session;
    drive(messages, requests)
}

/// Runs the server over the queued messages, then publishes diagnostics and shuts it down.
fn drive(messages: Vec<Message>, requests: Vec<(RequestId, String)>) -> Result<(), String> {
    let (server, client) = Connection::memory();
    for message in messages {
        client
            .sender
            .send(message)
            .map_err(|e| format!("cannot queue a message: {e}"))?;
    }
    let handle = std::thread::Builder::new()
        .name("journey-lsp-fuzz".into())
        .stack_size(journey_lsp::main_loop::STACK_SIZE)
        .spawn(move || journey_lsp::run(server))
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let mut pending: HashMap<RequestId, String> = requests.into_iter().collect();
    pending.insert(RequestId::from(1), "initialize".into());
    let result = session(&client, &mut pending);
    drop(client);
    let ended = handle.join();
    result?;
    match ended {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err("the session did not end cleanly after shutdown".into()),
        Ok(Err(error)) => Err(format!("the server failed: {error}")),
        Err(_) => Err("the server thread panicked".into()),
    }
}

fn recv(client: &Connection, what: &str) -> Result<Message, String> {
    client
        .receiver
        .recv_timeout(Duration::from_secs(10))
        .map_err(|e| format!("no message while waiting for {what}: {e}"))
}

fn session(client: &Connection, pending: &mut HashMap<RequestId, String>) -> Result<(), String> {
    let send = |message: Message| {
        client
            .sender
            .send(message)
            .map_err(|e| format!("the server is gone: {e}"))
    };
    while !pending.is_empty() {
        match recv(client, "responses")? {
            Message::Response(response) => {
                let Some(method) = pending.remove(&response.id) else {
                    return Err(format!("an unexpected response: {response:?}"));
                };
                if let Err(error) = &response.response_result {
                    if error.code == ErrorCode::InternalError as i32 {
                        return Err(format!("`{method}` failed inside: {}", error.message));
                    }
                }
            }
            Message::Notification(notification) => diagnostics(&notification)?,
            Message::Request(_) => {}
        }
    }
    // Diagnostics are due at once after a change of workspace folders or an open, and are
    // always published for open documents: opening a marker document ends with its own.
    send(Message::Notification(Notification {
        method: "workspace/didChangeWorkspaceFolders".into(),
        params: json!({ "event": { "added": [], "removed": [] } }),
    }))?;
    send(Message::Notification(Notification {
        method: "textDocument/didOpen".into(),
        params: json!({ "textDocument": {
            "uri": MARKER_URI, "languageId": "journey", "version": 1, "text": "",
        }}),
    }))?;
    loop {
        if let Message::Notification(notification) = recv(client, "diagnostics")? {
            diagnostics(&notification)?;
            if notification.method == "textDocument/publishDiagnostics"
                && notification.params["uri"] == MARKER_URI
            {
                break;
            }
        }
    }
    let shutdown = RequestId::from(0);
    send(Message::Request(Request {
        id: shutdown.clone(),
        method: "shutdown".into(),
        params: Value::Null,
    }))?;
    loop {
        match recv(client, "the shutdown response")? {
            Message::Response(response) if response.id == shutdown => break,
            Message::Response(response) => {
                return Err(format!("an unexpected response: {response:?}"))
            }
            Message::Notification(notification) => diagnostics(&notification)?,
            Message::Request(_) => {}
        }
    }
    send(Message::Notification(Notification {
        method: "exit".into(),
        params: Value::Null,
    }))
}

/// Published diagnostics' ranges start before they end.
fn diagnostics(notification: &Notification) -> Result<(), String> {
    if notification.method != "textDocument/publishDiagnostics" {
        return Ok(());
    }
    let position = |p: &Value| (p["line"].as_u64(), p["character"].as_u64());
    for diagnostic in notification.params["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let start = position(&diagnostic["range"]["start"]);
        let end = position(&diagnostic["range"]["end"]);
        if start.0.is_none() || end.0.is_none() || start > end {
            return Err(format!("a diagnostic with a bad range: {diagnostic}"));
        }
    }
    Ok(())
}
