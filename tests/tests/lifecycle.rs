//! The basic conversation: initialize, open, edit, diagnostics with versions, requests, exit;
//! and the protocol's error paths.

use flake_lsp_tests::{Server, edit, range};
use serde_json::{Value, json};

const URI: &str = "file:///nonexistent/flake-lsp-e2e/config.nix";

#[test]
fn initialize_open_change_hover_shutdown() {
    let mut server = Server::spawn();
    let result = server.initialize_default(None);
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], json!("utf-16"), "{result}");
    assert_eq!(
        caps["textDocumentSync"]["change"],
        json!(2),
        "incremental sync: {result}"
    );
    assert_eq!(result["serverInfo"]["name"], json!("flake-lsp"));

    // A syntax error, then its fix by an incremental change.
    server.open(URI, "{ a = 1; b = ; }\n");
    let diagnostics = server.wait_diagnostics(URI, Some(1));
    assert!(!diagnostics.is_empty(), "a syntax error is reported");
    let first = &diagnostics[0];
    assert_eq!(first["code"], json!("syntax-error"));
    assert_eq!(first["source"], json!("flake-lsp"));
    assert_eq!(first["severity"], json!(1));
    let href = first["codeDescription"]["href"]
        .as_str()
        .unwrap_or_default();
    assert!(
        href.ends_with("/docs/diagnostics/syntax-error.md"),
        "{first}"
    );

    server.change(URI, 2, vec![edit(range(0, 13, 0, 13), "2")]);
    let diagnostics = server.wait_diagnostics(URI, Some(2));
    assert_eq!(
        diagnostics,
        Vec::<Value>::new(),
        "the fix clears the diagnostics"
    );
    assert_eq!(
        server.server_text(URI)["text"],
        json!("{ a = 1; b = 2; }\n")
    );

    // Several changes in one notification apply in order, each against the previous text.
    server.change(
        URI,
        3,
        vec![
            edit(range(0, 2, 0, 3), "alpha"),  // { alpha = 1; b = 2; }
            edit(range(0, 13, 0, 14), "beta"), // { alpha = 1; beta = 2; }
            edit(range(1, 0, 1, 0), "# end"),
        ],
    );
    let text = server.server_text(URI);
    assert_eq!(text["text"], json!("{ alpha = 1; beta = 2; }\n# end"));
    assert_eq!(text["version"], json!(3));
    server.wait_diagnostics(URI, Some(3));

    // Features answer even when the analysis has nothing to say.
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": { "line": 0, "character": 3 } }),
    );
    assert!(hover.is_ok(), "{hover:?}");
    for (method, extra) in [
        ("textDocument/definition", json!({})),
        (
            "textDocument/references",
            json!({ "context": { "includeDeclaration": true } }),
        ),
        ("textDocument/completion", json!({})),
    ] {
        let mut params =
            json!({ "textDocument": { "uri": URI }, "position": { "line": 0, "character": 3 } });
        for (key, value) in extra.as_object().into_iter().flatten() {
            params[key] = value.clone();
        }
        let reply = server.request(method, params);
        assert!(reply.is_ok(), "{method}: {reply:?}");
    }
    let actions = server.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": URI }, "range": range(0, 0, 0, 5), "context": { "diagnostics": [] } }),
    );
    assert!(actions.is_ok_and(|a| a.is_array()));
    let links = server.request(
        "textDocument/documentLink",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert!(links.is_ok_and(|l| l.is_array()));
    // Hover on a file the server does not know is `null`, not an error.
    let unknown = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere.nix" }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(unknown, Ok(Value::Null));

    let status = server.shutdown_exit();
    assert!(status.success(), "exit after shutdown is 0: {status:?}");
}

#[test]
fn exit_without_shutdown_is_an_error_exit() {
    let mut server = Server::spawn();
    server.initialize_default(None);
    server.notify("exit", Value::Null);
    let status = server.wait_exit();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn malformed_message_gets_a_parse_error_and_the_server_lives_on() {
    let mut server = Server::spawn();
    server.initialize_default(None);
    server.send_raw(b"Content-Length: 12\r\n\r\n{not json!}\n");
    let reply = server.wait_for("a parse error", |msg| msg.get("error").is_some());
    assert_eq!(reply["error"]["code"], json!(-32700), "{reply}");
    assert_eq!(reply["id"], Value::Null);
    // Valid JSON that is not a JSON-RPC message.
    server.send(&json!({ "hello": "world" }));
    let reply = server.wait_for("an invalid request error", |msg| msg.get("error").is_some());
    assert!(
        [-32600, -32700].contains(&reply["error"]["code"].as_i64().unwrap_or(0)),
        "{reply}"
    );
    // Still serving.
    server.open(URI, "{ }");
    assert_eq!(server.server_text(URI)["text"], json!("{ }"));
    assert!(server.shutdown_exit().success());
}

#[test]
fn unknown_methods_are_answered_per_the_spec() {
    let mut server = Server::spawn();
    server.initialize_default(None);
    let reply = server.request("flake-lsp/noSuchMethod", json!({}));
    assert_eq!(reply.map_err(|e| e["code"].clone()), Err(json!(-32601)));
    // Unknown notifications (and `$/` ones) are ignored.
    server.notify("flake-lsp/noSuchNotification", json!({}));
    server.notify("$/setTrace", json!({ "value": "off" }));
    // Invalid params are an error reply, not a crash.
    let reply = server.request("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(reply.map_err(|e| e["code"].clone()), Err(json!(-32602)));
    assert!(server.is_running());
    assert!(server.shutdown_exit().success());
}

#[test]
fn requests_before_initialize_are_rejected() {
    let mut server = Server::spawn();
    let reply = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(reply.map_err(|e| e["code"].clone()), Err(json!(-32002)));
    server.initialize_default(None);
    assert!(server.shutdown_exit().success());
}

#[test]
fn a_panicking_handler_does_not_kill_the_server() {
    let mut server = Server::spawn_with_env(&[("FLAKE_LSP_TEST_PANIC", "1")]);
    server.initialize_default(None);
    let reply = server.request("flake-lsp/debugPanic", Value::Null);
    assert_eq!(reply.map_err(|e| e["code"].clone()), Err(json!(-32603)));
    server.open(URI, "{ a = 1; }");
    assert_eq!(server.wait_diagnostics(URI, Some(1)), Vec::<Value>::new());
    assert!(server.stderr().contains("panicked"), "the panic is logged");
    assert!(server.shutdown_exit().success());
}

#[test]
fn closing_a_file_outside_every_flake_clears_its_diagnostics() {
    let mut server = Server::spawn();
    server.initialize_default(None);
    server.open(URI, "{ a = ; }");
    assert!(!server.wait_diagnostics(URI, Some(1)).is_empty());
    server.close(URI);
    assert_eq!(server.wait_diagnostics(URI, None), Vec::<Value>::new());
    let unknown = server.request(
        "flake-lsp/debugText",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(unknown, Ok(Value::Null), "the file is forgotten");
    assert!(server.shutdown_exit().success());
}
