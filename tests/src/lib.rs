//! Harness that drives the real `flake-lsp` binary over stdio.
//!
//! [`Server::spawn`] starts the binary (see [`binary_path`] for how it is found and built),
//! speaks JSON-RPC with `Content-Length` framing, answers the server's own requests
//! (`workspace/configuration`, `client/registerCapability`, `window/workDoneProgress/create`)
//! and keeps a transcript of everything. Every wait has a timeout; on timeout the test fails with
//! the transcript and the server's stderr instead of hanging.

pub mod fixture;
/// The shared benchmark workloads of `test-fixture` (std-only, included by path so that this
/// crate does not depend on the analysis crates).
#[path = "../../crates/test-fixture/src/workload.rs"]
pub mod workload;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any single wait may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Where the `flake-lsp` binary is: `$FLAKE_LSP_BIN` if set, else `target/<profile>/flake-lsp`
/// next to the running test or bench executable. Unless `$FLAKE_LSP_BIN` is set, the binary is
/// built first (once per process) with `cargo build -p flake-lsp` in the same profile, so a
/// plain `cargo test -p flake-lsp-tests` always tests fresh code.
pub fn binary_path() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        if let Some(path) = std::env::var_os("FLAKE_LSP_BIN") {
            return PathBuf::from(path);
        }
        let exe = std::env::current_exe().expect("the current executable has a path");
        let mut dir = exe
            .parent()
            .expect("the executable is in a directory")
            .to_path_buf();
        if dir.ends_with("deps") {
            dir.pop();
        }
        let release = dir.file_name().is_some_and(|name| name == "release");
        build_binary(release);
        let path = dir.join(format!("flake-lsp{}", std::env::consts::EXE_SUFFIX));
        assert!(
            path.exists(),
            "{} does not exist; run `cargo build -p flake-lsp`",
            path.display()
        );
        path
    })
    .clone()
}

fn build_binary(release: bool) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "-p",
        "flake-lsp",
        "--bin",
        "flake-lsp",
        "--manifest-path",
    ])
    .arg(&manifest);
    if release {
        cmd.arg("--release");
    }
    let status = cmd.status().expect("cargo can be run");
    assert!(status.success(), "building flake-lsp failed");
}

/// A `file://` URI for an absolute path.
pub fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

/// An LSP range from zero-based line/character pairs.
pub fn range(start_line: u32, start_char: u32, end_line: u32, end_char: u32) -> Value {
    json!({
        "start": { "line": start_line, "character": start_char },
        "end": { "line": end_line, "character": end_char },
    })
}

/// One incremental content change.
pub fn edit(range: Value, text: &str) -> Value {
    json!({ "range": range, "text": text })
}

/// Client capabilities of a modern client: UTF-16 only, progress, dynamic file watching,
/// configuration pull.
pub fn default_capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "window": { "workDoneProgress": true },
        "workspace": {
            "configuration": true,
            "workspaceFolders": true,
            "didChangeWatchedFiles": { "dynamicRegistration": true },
        },
        "textDocument": { "publishDiagnostics": { "relatedInformation": true, "versionSupport": true } },
    })
}

type Shared<T> = Arc<Mutex<T>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running server and the client side of the conversation.
pub struct Server {
    child: Child,
    stdin: Shared<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages received but not yet consumed by a wait.
    backlog: VecDeque<Value>,
    transcript: Shared<Vec<String>>,
    stderr: Shared<String>,
    /// The value answered to each `workspace/configuration` item.
    pub configuration: Shared<Value>,
    /// Whether the harness answers the server's requests (tests of unresponsive clients set
    /// it to `false`).
    pub answer_requests: Shared<bool>,
    next_id: i64,
}

impl Server {
    /// Starts the server with no extra environment.
    pub fn spawn() -> Server {
        Server::spawn_with_env(&[])
    }

    /// Starts the server with extra environment variables.
    pub fn spawn_with_env(env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(binary_path());
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            cmd.env(key, value);
        }
        let mut child = cmd.spawn().expect("flake-lsp starts");
        let stdin = Arc::new(Mutex::new(child.stdin.take().expect("piped stdin")));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_pipe = child.stderr.take().expect("piped stderr");
        let transcript: Shared<Vec<String>> = Arc::default();
        let stderr: Shared<String> = Arc::default();
        let configuration: Shared<Value> = Arc::new(Mutex::new(Value::Null));
        let answer_requests: Shared<bool> = Arc::new(Mutex::new(true));
        let (tx, incoming) = channel();
        {
            let stderr = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stderr_pipe);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    lock(&stderr).push_str(&line);
                    line.clear();
                }
            });
        }
        {
            let stdin = Arc::clone(&stdin);
            let transcript = Arc::clone(&transcript);
            let configuration = Arc::clone(&configuration);
            let answer_requests = Arc::clone(&answer_requests);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                while let Some(msg) = read_message(&mut reader) {
                    lock(&transcript).push(format!("<- {msg}"));
                    let reply = if *lock(&answer_requests) {
                        auto_reply(&msg, &lock(&configuration))
                    } else {
                        None
                    };
                    if let Some(reply) = reply {
                        let text = reply.to_string();
                        lock(&transcript).push(format!("-> {text}"));
                        let _ = write_frame(&mut *lock(&stdin), text.as_bytes());
                    }
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
            });
        }
        Server {
            child,
            stdin,
            incoming,
            backlog: VecDeque::new(),
            transcript,
            stderr,
            configuration,
            answer_requests,
            next_id: 1,
        }
    }

    /// Sends one JSON message.
    pub fn send(&mut self, msg: &Value) {
        let text = msg.to_string();
        lock(&self.transcript).push(format!("-> {text}"));
        if let Err(err) = write_frame(&mut *lock(&self.stdin), text.as_bytes()) {
            self.fail(&format!("cannot write to the server: {err}"));
        }
    }

    /// Sends raw bytes (for malformed-message tests).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        lock(&self.transcript).push(format!("-> (raw) {}", String::from_utf8_lossy(bytes)));
        let mut stdin = lock(&self.stdin);
        let _ = stdin.write_all(bytes);
        let _ = stdin.flush();
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// Sends a request and waits for its response: `Ok(result)` or `Err(error object)`.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        self.response(id)
    }

    /// Waits for the response to request `id`.
    pub fn response(&mut self, id: i64) -> Result<Value, Value> {
        let msg = self.wait_for(&format!("response {id}"), |msg| {
            msg.get("id") == Some(&json!(id)) && msg.get("method").is_none()
        });
        match msg.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(msg.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    /// `initialize` with these params, then `initialized`; returns the initialize result.
    pub fn initialize(&mut self, params: Value) -> Value {
        let result = self
            .request("initialize", params)
            .unwrap_or_else(|err| self.fail(&format!("initialize failed: {err}")));
        self.notify("initialized", json!({}));
        result
    }

    /// `initialize` for a client rooted at `root` (or no root), with the default capabilities.
    pub fn initialize_default(&mut self, root: Option<&Path>) -> Value {
        let root_uri = root.map(file_uri);
        let folders = root_uri
            .as_ref()
            .map(|uri| json!([{ "uri": uri, "name": "root" }]));
        self.initialize(json!({
            "processId": null,
            "clientInfo": { "name": "flake-lsp-tests" },
            "rootUri": root_uri,
            "workspaceFolders": folders,
            "capabilities": default_capabilities(),
            "initializationOptions": { "flake-lsp": { "diagnostics": { "debounceMs": 0 } } },
        }))
    }

    /// Opens a document (version 1, language `nix`).
    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": 1, "text": text } }),
        );
    }

    /// Sends a `didChange` with these content changes (see [`edit`]).
    pub fn change(&mut self, uri: &str, version: i32, changes: Vec<Value>) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
    }

    /// Closes a document.
    pub fn close(&mut self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
    }

    /// Waits for `publishDiagnostics` of `uri` with this version (`None`: closed files);
    /// returns its `diagnostics` array.
    pub fn wait_diagnostics(&mut self, uri: &str, version: Option<i32>) -> Vec<Value> {
        let msg = self.wait_for(
            &format!("diagnostics of {uri} at version {version:?}"),
            |msg| {
                msg.get("method") == Some(&json!("textDocument/publishDiagnostics"))
                    && msg["params"]["uri"] == json!(uri)
                    && msg["params"].get("version").cloned().unwrap_or(Value::Null)
                        == json!(version)
            },
        );
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Like [`Server::wait_diagnostics`] with a custom timeout (benchmarks on slow analyses).
    pub fn wait_diagnostics_within(
        &mut self,
        uri: &str,
        version: Option<i32>,
        timeout: Duration,
    ) -> Vec<Value> {
        let what = format!("diagnostics of {uri} at version {version:?}");
        let msg = self
            .wait_for_within(&what, timeout, |msg| {
                msg.get("method") == Some(&json!("textDocument/publishDiagnostics"))
                    && msg["params"]["uri"] == json!(uri)
                    && msg["params"].get("version").cloned().unwrap_or(Value::Null)
                        == json!(version)
            })
            .unwrap_or_else(|| self.fail(&format!("timed out waiting for {what}")));
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Waits for `publishDiagnostics` of `uri` at `version` whose diagnostics satisfy `pred`
    /// (earlier publications for the same version are skipped).
    pub fn wait_diagnostics_where(
        &mut self,
        uri: &str,
        version: Option<i32>,
        pred: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let diagnostics = self.wait_diagnostics(uri, version);
            if pred(&diagnostics) {
                return diagnostics;
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "diagnostics of {uri} never matched: {diagnostics:?}"
                ));
            }
        }
    }

    /// The text the server holds for a document (`flake-lsp/debugText`).
    pub fn server_text(&mut self, uri: &str) -> Value {
        self.request(
            "flake-lsp/debugText",
            json!({ "textDocument": { "uri": uri } }),
        )
        .unwrap_or_else(|err| self.fail(&format!("debugText failed: {err}")))
    }

    /// Waits for a message matching `pred` (earlier unmatched messages are kept for later
    /// waits); fails the test with the transcript after [`TIMEOUT`].
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_within(what, TIMEOUT, pred)
            .unwrap_or_else(|| self.fail(&format!("timed out waiting for {what}")))
    }

    /// Like [`Server::wait_for`] with a custom timeout; `None` on timeout.
    pub fn wait_for_within(
        &mut self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(idx) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(idx);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(msg) if pred(&msg) => return Some(msg),
                Ok(msg) => self.backlog.push_back(msg),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => self.fail(&format!(
                    "the server closed its output while waiting for {what}"
                )),
            }
        }
    }

    /// Every message received so far that matches `pred`, consumed or not, in order.
    pub fn received(&self, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        lock(&self.transcript)
            .iter()
            .filter_map(|line| line.strip_prefix("<- "))
            .filter_map(|text| serde_json::from_str::<Value>(text).ok())
            .filter(|msg| pred(msg))
            .collect()
    }

    /// `shutdown` then `exit`; returns the exit status (waits at most [`TIMEOUT`]).
    pub fn shutdown_exit(mut self) -> ExitStatus {
        let result = self.request("shutdown", Value::Null);
        if let Err(err) = result {
            self.fail(&format!("shutdown failed: {err}"));
        }
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    /// Waits for the process to end (at most [`TIMEOUT`]).
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => self.fail("the server did not exit"),
            }
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The server's stderr so far.
    pub fn stderr(&self) -> String {
        lock(&self.stderr).clone()
    }

    /// Fails the test with `message`, the transcript and the server's stderr.
    pub fn fail(&self, message: &str) -> ! {
        let transcript = lock(&self.transcript);
        let start = transcript.len().saturating_sub(60);
        let mut text = String::new();
        for line in &transcript[start..] {
            let cut: String = line.chars().take(600).collect();
            text.push_str(&cut);
            text.push('\n');
        }
        let stderr = self.stderr();
        let stderr_tail: String = stderr
            .chars()
            .rev()
            .take(4000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        panic!("{message}\n--- transcript (last 60) ---\n{text}--- stderr ---\n{stderr_tail}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Replies to the server's requests to the client; `None` for everything else.
fn auto_reply(msg: &Value, configuration: &Value) -> Option<Value> {
    let id = msg.get("id")?;
    let method = msg.get("method")?.as_str()?;
    let result = match method {
        "workspace/configuration" => {
            let n = msg["params"]["items"]
                .as_array()
                .map_or(1, |items| items.len());
            Value::Array(vec![configuration.clone(); n])
        }
        _ => Value::Null,
    };
    Some(json!({ "jsonrpc": "2.0", "id": id, "result": result }))
}

fn write_frame(out: &mut impl Write, body: &[u8]) -> std::io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(body)?;
    out.flush()
}

/// Reads one framed message; `None` at end of stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
