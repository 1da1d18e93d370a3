//! The server driven through an in-memory connection, as an editor drives it: initialize,
//! open a document, receive its diagnostics, ask for hover, completion and the rest, survive
//! bad parameters, shut down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};

struct Client {
    connection: Connection,
    next_id: i32,
    server: Option<thread::JoinHandle<Result<bool, String>>>,
}

impl Client {
    fn start(root: &PathBuf) -> Client {
        let (server, connection) = Connection::memory();
        let handle = thread::spawn(move || journey_lsp::run(server));
        let mut client = Client {
            connection,
            next_id: 0,
            server: Some(handle),
        };
        let root_uri = lsp_types::Url::from_file_path(root).unwrap().to_string();
        let result = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": root_uri, "capabilities": {} }),
        );
        assert_eq!(result["serverInfo"]["name"], "journey-lsp");
        assert!(
            result["capabilities"]["semanticTokensProvider"]["legend"]["tokenTypes"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "event"))
        );
        client.notify("initialized", json!({}));
        client
    }

    fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.connection
            .sender
            .send(Message::Request(Request {
                id: id.clone(),
                method: method.into(),
                params,
            }))
            .unwrap();
        id
    }

    /// Sends a request and waits for its response, skipping notifications.
    fn response(&mut self, method: &str, params: Value) -> Response {
        let id = self.send_request(method, params);
        loop {
            match self.recv() {
                Message::Response(response) if response.id == id => return response,
                _ => {}
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        match self.response(method, params).response_result {
            Ok(value) => value,
            Err(error) => panic!("{method} failed: {error:?}"),
        }
    }

    fn notify(&self, method: &str, params: Value) {
        self.connection
            .sender
            .send(Message::Notification(Notification {
                method: method.into(),
                params,
            }))
            .unwrap();
    }

    fn recv(&self) -> Message {
        self.connection
            .receiver
            .recv_timeout(Duration::from_secs(10))
            .expect("the server answers within 10 s")
    }

    /// Waits for the diagnostics of `uri`.
    fn diagnostics(&self, uri: &str) -> Vec<Value> {
        loop {
            if let Message::Notification(n) = self.recv() {
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri {
                    return n.params["diagnostics"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                }
            }
        }
    }

    fn finish(mut self) -> bool {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap().unwrap()
    }
}

fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("journey-lsp-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("schema.journey"),
        "/// A contact opened a marketing email.\nevent email.opened { campaign: string }\nprofile {\n  plan: string?\n}\n",
    )
    .unwrap();
    dir
}

fn position(text: &str, needle: &str) -> Value {
    let offset = text.find(needle).unwrap();
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": column })
}

#[test]
fn initialize_open_diagnose_hover_shutdown() {
    let root = workspace("basic");
    let mut client = Client::start(&root);
    let main = root.join("main.journey");
    let uri = lsp_types::Url::from_file_path(&main).unwrap().to_string();
    let text = "journey welcome {\n  enter on email.opend\n  send email \"hi\"\n}\n";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "journey", "version": 1, "text": text } }),
    );
    let diagnostics = client.diagnostics(&uri);
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"E0101"), "{diagnostics:?}");
    let typo = diagnostics.iter().find(|d| d["code"] == "E0101").unwrap();
    assert_eq!(typo["range"]["start"], position(text, "email.opend"));
    assert!(typo["message"]
        .as_str()
        .unwrap()
        .contains("help: did you mean `email.opened`?"));

    // The quick fix replaces the typo.
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": position(text, "opend"), "end": position(text, "opend") },
            "context": { "diagnostics": [] }
        }),
    );
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "email.opened");

    // Fix the text: diagnostics are published again, now clean.
    let fixed = text.replace("opend", "opened");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": fixed }]
        }),
    );
    let diagnostics = client.diagnostics(&uri);
    assert!(
        diagnostics.iter().all(|d| d["severity"] != 1),
        "{diagnostics:?}"
    );

    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": position(&fixed, "opened") }),
    );
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        markdown.starts_with("event `email.opened` — A contact opened a marketing email."),
        "{markdown}"
    );

    let definition = client.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": uri }, "position": position(&fixed, "opened") }),
    );
    assert!(definition["uri"]
        .as_str()
        .unwrap()
        .ends_with("schema.journey"));

    assert!(client.finish(), "exit after shutdown is a clean end");
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn completion_mid_edit_and_bad_parameters() {
    let root = workspace("edit");
    let mut client = Client::start(&root);
    let uri = lsp_types::Url::from_file_path(root.join("draft.journey"))
        .unwrap()
        .to_string();
    let text = "journey j {\n  enter on email.opened\n  if profile.\n";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "journey", "version": 1, "text": text } }),
    );
    let completion = client.request(
        "textDocument/completion",
        json!({
            "textDocument": { "uri": uri },
            "position": { "line": 2, "character": 13 },
            "context": { "triggerKind": 2, "triggerCharacter": "." }
        }),
    );
    let labels: Vec<&str> = completion["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, vec!["plan"]);

    // Parameters of the wrong shape get an error; the server keeps serving.
    let response = client.response("textDocument/hover", json!({ "nonsense": true }));
    let error = response.response_result.unwrap_err();
    assert_eq!(error.code, -32602);
    let response = client.response("textDocument/unknownThing", json!({}));
    assert_eq!(response.response_result.unwrap_err().code, -32601);
    // A position far outside the file is clamped, not a crash.
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 999, "character": 999 } }),
    );
    assert_eq!(hover, Value::Null);

    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(symbols[0]["name"], "j");
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert!(!tokens["data"].as_array().unwrap().is_empty());
    let formatting = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(
        formatting,
        Value::Null,
        "a file with syntax errors is not formatted"
    );
    assert!(client.finish());
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn code_lens_shows_the_journey_graph() {
    let root = workspace("graph");
    let mut client = Client::start(&root);
    let uri = lsp_types::Url::from_file_path(root.join("main.journey"))
        .unwrap()
        .to_string();
    let text = "journey welcome {\n  enter on email.opened\n  wait 1d\n  send email \"hi\"\n}\n";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "journey", "version": 1, "text": text } }),
    );
    client.diagnostics(&uri);

    let lenses = client.request(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": uri } }),
    );
    let lenses = lenses.as_array().unwrap();
    assert_eq!(lenses.len(), 1, "{lenses:?}");
    assert_eq!(lenses[0]["range"]["start"], position(text, "welcome"));
    assert_eq!(lenses[0]["command"]["title"], "Show journey graph");
    assert_eq!(lenses[0]["command"]["command"], "journey.showGraph");
    assert_eq!(lenses[0]["command"]["arguments"], json!(["welcome", uri]));

    let svg = client.request(
        "workspace/executeCommand",
        json!({ "command": "journey.showGraph", "arguments": ["welcome", uri] }),
    );
    let svg = svg.as_str().unwrap();
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.contains("wait 1d") && svg.contains("send email &quot;hi&quot;"));

    // An unknown journey and a program with errors are error responses that say why.
    let unknown = client.response(
        "workspace/executeCommand",
        json!({ "command": "journey.showGraph", "arguments": ["welcom", uri] }),
    );
    let error = unknown.response_result.unwrap_err();
    assert!(
        error.message.contains("no journey named `welcom`"),
        "{error:?}"
    );
    let broken = text.replace("email.opened", "email.opend");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": broken }] }),
    );
    client.diagnostics(&uri);
    let refused = client.response(
        "workspace/executeCommand",
        json!({ "command": "journey.showGraph", "arguments": ["welcome", uri] }),
    );
    let error = refused.response_result.unwrap_err();
    assert!(
        error.message.contains("the program has an error"),
        "{error:?}"
    );
    assert!(client.finish());
    fs::remove_dir_all(&root).unwrap();
}
