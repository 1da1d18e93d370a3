#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::AtomicUsize;

/// What the test server does with a request.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Ok,
    Status(u16),
    /// Closes the connection without answering.
    Reset,
    /// Answers 200 after this long (longer than the client's timeout).
    Late(Duration),
}

/// A tiny HTTP/1.1 server on a raw socket (so it can also drop connections), answering the
/// `n`th request with `answer(n)`; keeps what it accepted by key.
struct Server {
    url: String,
    requests: Arc<AtomicUsize>,
    accepted: Arc<Mutex<HashMap<String, Vec<Vec<u8>>>>>,
}

impl Server {
    fn start(answer: fn(usize) -> Answer) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::new(Mutex::new(HashMap::new()));
        let (count, kept) = (Arc::clone(&requests), Arc::clone(&accepted));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let (count, kept) = (Arc::clone(&count), Arc::clone(&kept));
                std::thread::spawn(move || connection(stream.unwrap(), answer, &count, &kept));
            }
        });
        Server {
            url,
            requests,
            accepted,
        }
    }

    fn accepted(&self) -> HashMap<String, Vec<Vec<u8>>> {
        self.accepted.lock().unwrap().clone()
    }
}

type Accepted = Mutex<HashMap<String, Vec<Vec<u8>>>>;

fn connection(
    stream: TcpStream,
    answer: fn(usize) -> Answer,
    count: &AtomicUsize,
    kept: &Accepted,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let (mut length, mut key) = (0, String::new());
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap(),
                "idempotency-key" => key = value.trim().to_owned(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        match answer(count.fetch_add(1, Ordering::SeqCst)) {
            Answer::Ok => {
                kept.lock().unwrap().entry(key).or_default().push(body);
                writer.write_all(ok.as_bytes()).unwrap();
            }
            Answer::Status(status) => {
                let text = format!("HTTP/1.1 {status} No\r\nContent-Length: 0\r\n\r\n");
                writer.write_all(text.as_bytes()).unwrap();
            }
            Answer::Reset => return,
            Answer::Late(wait) => {
                kept.lock().unwrap().entry(key).or_default().push(body);
                std::thread::sleep(wait);
                let _ = writer.write_all(ok.as_bytes());
                return;
            }
        }
    }
}

fn config(server: &Server, dir: &tempfile::TempDir) -> WebhookConfig {
    WebhookConfig {
        timeout: Duration::from_millis(300),
        backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
        ..WebhookConfig::new(&server.url, dir.path().join("dead.ndjson"))
    }
}

fn action(n: usize) -> String {
    format!(
        "{{\"at\":\"2026-01-05T10:00:00Z\",\"contact\":\"c{n}\",\"journey\":\"j\",\
         \"action\":\"send\",\"data\":{{\"id\":\"not-this\"}},\"id\":\"{n:032x}\"}}\n"
    )
}

#[test]
fn the_key_is_the_action_id_or_a_hash_of_the_line() {
    assert_eq!(
        idempotency_key(action(7).trim_end().as_bytes()),
        format!("{:032x}", 7)
    );
    assert_eq!(idempotency_key(br#"{"id": "spaced" , "x": 1}"#), "spaced");
    let reject = br#"{"line":3,"reason":"parse","detail":"x","raw":"{\"id\":\"a\"}"}"#;
    let key = idempotency_key(reject);
    assert_eq!(key.len(), 32);
    assert_eq!(key, idempotency_key(reject));
    assert_ne!(key, "a");
}

#[test]
fn every_action_arrives_with_its_key_through_500s_resets_and_timeouts() {
    let server = Server::start(|n| match n % 6 {
        1 => Answer::Status(500),
        3 => Answer::Reset,
        5 if n < 60 => Answer::Late(Duration::from_millis(600)),
        _ => Answer::Ok,
    });
    let dir = tempfile::tempdir().unwrap();
    let mut out = WebhookOutput::open(config(&server, &dir)).unwrap();
    let lines: Vec<String> = (0..120).map(action).collect();
    for pair in lines.chunks(2) {
        out.write(pair.concat().as_bytes()).unwrap();
    }
    assert_eq!(out.sync().unwrap(), None);
    let accepted = server.accepted();
    assert_eq!(accepted.len(), 120);
    for (n, line) in lines.iter().enumerate() {
        let bodies = &accepted[&format!("{n:032x}")];
        assert!(bodies.iter().all(|body| body == line.trim_end().as_bytes()));
    }
    let stats = out.stats();
    assert_eq!(
        (stats.written, stats.delivered, stats.dead_lettered),
        (120, 120, 0)
    );
    assert!(stats.retried >= 40, "{stats:?}");
    assert!(!dir.path().join("dead.ndjson").exists());
}

#[test]
fn an_endpoint_that_always_fails_dead_letters_after_the_retries() {
    let server = Server::start(|_| Answer::Status(503));
    let dir = tempfile::tempdir().unwrap();
    let mut out = WebhookOutput::open(WebhookConfig {
        retries: 2,
        ..config(&server, &dir)
    })
    .unwrap();
    for n in 0..3 {
        out.write(action(n).as_bytes()).unwrap();
    }
    assert_eq!(out.sync().unwrap(), None);
    assert_eq!(server.requests.load(Ordering::SeqCst), 9);
    let stats = out.stats();
    assert_eq!(
        (stats.delivered, stats.retried, stats.dead_lettered),
        (0, 6, 3)
    );
    let text = std::fs::read_to_string(dir.path().join("dead.ndjson")).unwrap();
    let mut keys: Vec<String> = text
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["attempts"], 3);
            assert_eq!(value["error"], "HTTP status 503");
            assert_eq!(value["action"]["id"], value["key"]);
            value["key"].as_str().unwrap().to_owned()
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        (0..3).map(|n| format!("{n:032x}")).collect::<Vec<_>>()
    );
}

#[test]
fn a_request_the_endpoint_refuses_is_dead_lettered_at_once() {
    let server = Server::start(|_| Answer::Status(400));
    let dir = tempfile::tempdir().unwrap();
    let mut out = WebhookOutput::open(config(&server, &dir)).unwrap();
    out.write(action(1).as_bytes()).unwrap();
    out.sync().unwrap();
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    assert_eq!(out.stats().dead_lettered, 1);
}

#[test]
fn sync_waits_for_delivery_and_a_slow_endpoint_blocks_write() {
    let server = Server::start(|_| Answer::Late(Duration::from_millis(100)));
    let dir = tempfile::tempdir().unwrap();
    let mut out = WebhookOutput::open(WebhookConfig {
        workers: 1,
        capacity: 1,
        timeout: Duration::from_secs(5),
        ..config(&server, &dir)
    })
    .unwrap();
    let started = Instant::now();
    for n in 0..5 {
        out.write(action(n).as_bytes()).unwrap();
    }
    // One in flight and one queued: the other writes waited for deliveries.
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    out.sync().unwrap();
    assert_eq!(server.accepted().len(), 5);
    assert_eq!(out.stats().delivered, 5);
}

#[test]
fn a_dead_letter_file_that_cannot_be_written_stops_the_sink() {
    let server = Server::start(|_| Answer::Status(500));
    let dir = tempfile::tempdir().unwrap();
    let mut out = WebhookOutput::open(WebhookConfig {
        retries: 0,
        dead_letter: dir.path().join("missing/dead.ndjson"),
        ..config(&server, &dir)
    })
    .unwrap();
    out.write(action(1).as_bytes()).unwrap();
    let error = out.sync().unwrap_err();
    assert!(error.to_string().contains("dead-letter file"), "{error}");
    assert!(out.write(action(2).as_bytes()).is_err());
}

#[test]
fn only_http_urls_are_taken() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["ftp://x/y", "localhost:80", "http://"] {
        let config = WebhookConfig::new(url, dir.path().join("dead"));
        assert!(WebhookOutput::open(config).is_err(), "{url}");
    }
}
