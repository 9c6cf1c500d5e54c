//! Document synchronisation: position encodings over the wire and the order of rapid edits.

use flake_lsp_tests::{Server, default_capabilities, edit, range};
use serde_json::{Value, json};

const URI: &str = "file:///nonexistent/flake-lsp-e2e/encoding.nix";

fn initialize_with_encodings(server: &mut Server, encodings: Value) -> Value {
    let mut caps = default_capabilities();
    caps["general"]["positionEncodings"] = encodings;
    server.initialize(json!({
        "processId": null,
        "rootUri": null,
        "capabilities": caps,
        "initializationOptions": { "flake-lsp": { "diagnostics": { "debounceMs": 0 } } },
    }))
}

// `é` is 2 bytes / 1 UTF-16 unit, `😀` is 4 bytes / 2 UTF-16 units.
const TEXT: &str = "{ s = \"é😀x\"; }\n";

#[test]
fn utf16_is_the_default_and_columns_count_utf16_units() {
    let mut server = Server::spawn();
    let result = initialize_with_encodings(&mut server, json!(["utf-16"]));
    assert_eq!(result["capabilities"]["positionEncoding"], json!("utf-16"));
    server.open(URI, TEXT);
    // `x` starts at UTF-16 column 10: `{ s = "` is 7, `é` 1, `😀` 2.
    server.change(URI, 2, vec![edit(range(0, 10, 0, 11), "y")]);
    assert_eq!(
        server.server_text(URI)["text"],
        json!("{ s = \"é😀y\"; }\n")
    );
    // A column inside the surrogate pair snaps to a character boundary instead of corrupting text.
    server.change(URI, 3, vec![edit(range(0, 9, 0, 9), "")]);
    assert_eq!(
        server.server_text(URI)["text"],
        json!("{ s = \"é😀y\"; }\n")
    );
    assert!(server.shutdown_exit().success());
}

#[test]
fn utf8_is_chosen_when_offered_and_columns_count_bytes() {
    let mut server = Server::spawn();
    let result = initialize_with_encodings(&mut server, json!(["utf-32", "utf-8", "utf-16"]));
    assert_eq!(result["capabilities"]["positionEncoding"], json!("utf-8"));
    server.open(URI, TEXT);
    // `x` starts at byte column 13: `{ s = "` is 7, `é` 2, `😀` 4.
    server.change(URI, 2, vec![edit(range(0, 13, 0, 14), "y")]);
    assert_eq!(
        server.server_text(URI)["text"],
        json!("{ s = \"é😀y\"; }\n")
    );
    assert!(server.shutdown_exit().success());
}

#[test]
fn diagnostics_ranges_use_the_negotiated_encoding() {
    // A syntax error after non-ASCII text on the same line: its column differs per encoding.
    let text = "{ s = \"é😀\"; t = ; }\n";
    let mut columns = Vec::new();
    for encodings in [json!(["utf-16"]), json!(["utf-8"])] {
        let mut server = Server::spawn();
        initialize_with_encodings(&mut server, encodings);
        server.open(URI, text);
        let diagnostics = server.wait_diagnostics(URI, Some(1));
        assert!(!diagnostics.is_empty());
        let start = &diagnostics[0]["range"]["start"];
        columns.push((
            start["line"].clone(),
            start["character"].as_u64().unwrap_or(0),
        ));
        assert!(server.shutdown_exit().success());
    }
    // `{ s = "` is 7 units, `é` 1 (2 bytes), `😀` 2 (4 bytes), `"; t = ` 7: the `;` is at
    // UTF-16 column 17 and byte column 20.
    assert_eq!(columns, vec![(json!(0), 17), (json!(0), 20)]);
}

#[test]
fn rapid_changes_are_applied_in_order() {
    let mut server = Server::spawn();
    initialize_with_encodings(&mut server, json!(["utf-16"]));
    let mut expected = String::from("[\n");
    server.open(URI, &expected);
    // 200 single-character edits without waiting, each depending on the previous one:
    // insert a letter at the end of line 1, then every 10th edit deletes the first character.
    let mut version = 1;
    let mut line = String::new();
    for i in 0..200 {
        version += 1;
        if i % 10 == 9 && !line.is_empty() {
            line.remove(0);
            server.change(URI, version, vec![edit(range(1, 0, 1, 1), "")]);
        } else {
            let letter = char::from(b'a' + (i % 26) as u8);
            let col = line.chars().count() as u32;
            line.push(letter);
            server.change(
                URI,
                version,
                vec![edit(range(1, col, 1, col), &letter.to_string())],
            );
        }
    }
    expected.push_str(&line);
    let text = server.server_text(URI);
    assert_eq!(text["text"], json!(expected));
    assert_eq!(text["version"], json!(version));
    // The last version's diagnostics arrive (an unclosed list is a syntax error).
    let diagnostics = server.wait_diagnostics(URI, Some(version));
    assert!(!diagnostics.is_empty());
    // Diagnostics are never published for a version older than one already published.
    let versions: Vec<i64> = server
        .received(|msg| msg["method"] == json!("textDocument/publishDiagnostics"))
        .iter()
        .filter_map(|msg| msg["params"]["version"].as_i64())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{versions:?}");
    assert!(server.shutdown_exit().success());
}
