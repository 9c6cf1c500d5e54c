//! Edit→diagnostics latency of the real server, over stdio.
//!
//! Run: `cargo run --release -p flake-lsp-tests --bin bench-latency [-- EDITS]`.
//! It writes a 200-module flake plus a 1.5 MB all-packages-shaped file into a temporary
//! directory, starts the release `flake-lsp` (built first), measures the cold load, then sends
//! single-character edits to the big open file one at a time with `diagnostics.debounceMs = 0`
//! and measures, for each, the time from sending `didChange` to receiving the
//! `publishDiagnostics` of that version; then the same for edits of a leaf module, which the
//! module graph reads. It prints p50/p90/p99/max beside the in-process cost of
//! a full parse and a line index of the same text.

use std::time::{Duration, Instant};

use flake_lsp_tests::fixture::TempDir;
use flake_lsp_tests::workload::{all_packages_like, module_flake};
use flake_lsp_tests::{Server, default_capabilities, edit, file_uri, range};
use serde_json::json;

const BIG_FILE: &str = "pkgs/top-level/all-packages.nix";

fn main() {
    let n_edits: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(300);
    let big = all_packages_like(1_500_000);
    let mut files = module_flake(200);
    files.push((BIG_FILE.to_owned(), big.clone()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let dir = TempDir::with_files(&borrowed);
    if std::env::var_os("BENCH_KEEP_DIR").is_some() {
        println!("workload directory (kept): {}", dir.root().display());
        std::mem::forget(dir);
        return;
    }
    println!(
        "workload: {} modules, big file {} bytes / {} lines",
        files
            .iter()
            .filter(|(path, _)| path.starts_with("modules/"))
            .count(),
        big.len(),
        big.lines().count()
    );

    // Cold load: initialize → the end of the loading progress.
    let mut server = Server::spawn();
    let started = Instant::now();
    let mut caps = default_capabilities();
    caps["workspace"]["configuration"] = json!(false);
    server.initialize(json!({
        "processId": null,
        "rootUri": file_uri(&dir.root()),
        "workspaceFolders": [{ "uri": file_uri(&dir.root()), "name": "bench" }],
        "capabilities": caps,
        "initializationOptions": { "flake-lsp": { "diagnostics": { "debounceMs": 0 } } },
    }));
    server.wait_for("the end of loading", |msg| {
        msg["method"] == json!("$/progress") && msg["params"]["value"]["kind"] == json!("end")
    });
    let loaded = started.elapsed();
    println!(
        "cold load of {} files (initialize → end of loading progress): {:.1} ms",
        files.len(),
        ms(loaded)
    );

    // Open the big file and let the first pass finish.
    let uri = dir.uri(BIG_FILE);
    let opened = Instant::now();
    server.open(&uri, &big);
    server.wait_diagnostics_within(&uri, Some(1), Duration::from_secs(600));
    println!(
        "open of the big file → diagnostics: {:.1} ms",
        ms(opened.elapsed())
    );

    // Edits: type a character into an attribute name, then delete it, at lines spread over the
    // whole file; every edit waits for its own diagnostics.
    let lines: Vec<(u32, u32)> = big
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let name = line.trim_start();
            name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.contains(" = callPackage")
        })
        .map(|(idx, line)| {
            (
                idx as u32,
                (line.len() - line.trim_start().len()) as u32 + 1,
            )
        })
        .collect();
    // Two measurements per edit: `didChange` → the reply of a request queued right behind it
    // (the server's own path: conversion, applying the edit, a snapshot), and `didChange` →
    // `publishDiagnostics` of that version (the whole pipeline, analysis included).
    let budget = Duration::from_secs(
        std::env::var("BENCH_BUDGET_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(120),
    );
    let bench_started = Instant::now();
    let mut applied = Vec::with_capacity(n_edits);
    let mut latencies = Vec::with_capacity(n_edits);
    let mut version = 1;
    for i in 0..n_edits {
        if bench_started.elapsed() > budget {
            println!("stopped after {i} edits: the time budget of {budget:?} is spent");
            break;
        }
        let (line, col) = lines[(i / 2 * 7919) % lines.len()];
        let change = if i % 2 == 0 {
            edit(range(line, col, line, col), "x")
        } else {
            edit(range(line, col, line, col + 1), "")
        };
        version += 1;
        let sent = Instant::now();
        server.change(&uri, version, vec![change]);
        let reply = server.request(
            "flake-lsp/debugText",
            json!({ "textDocument": { "uri": uri }, "withText": false }),
        );
        applied.push(sent.elapsed());
        assert_eq!(
            reply.ok().map(|r| r["version"].clone()),
            Some(json!(version))
        );
        server.wait_diagnostics_within(&uri, Some(version), Duration::from_secs(600));
        latencies.push(sent.elapsed());
    }
    report("edit → edit applied (request round trip)", &mut applied);
    report("edit → diagnostics published", &mut latencies);

    // Edits in a module the graph reads (a leaf of the module tree, inside a string): each one
    // changes a file of the configuration, so the module graph is rebuilt.
    let (module, module_text) = files
        .iter()
        .rfind(|(path, text)| {
            path.starts_with("modules/") && !path.ends_with("default.nix") && text.contains('"')
        })
        .expect("the workload has leaf modules with strings");
    let quote = module_text.find('"').unwrap_or_default() + 1;
    let line = module_text[..quote].matches('\n').count() as u32;
    let col = (quote - module_text[..quote].rfind('\n').map_or(0, |nl| nl + 1)) as u32;
    let module_uri = dir.uri(module);
    server.open(&module_uri, module_text);
    server.wait_diagnostics_within(&module_uri, Some(1), Duration::from_secs(60));
    let mut module_latencies = Vec::new();
    for i in 0..n_edits.div_ceil(3) {
        let change = if i % 2 == 0 {
            edit(range(line, col, line, col), "x")
        } else {
            edit(range(line, col, line, col + 1), "")
        };
        let version = i as i32 + 2;
        let sent = Instant::now();
        server.change(&module_uri, version, vec![change]);
        server.wait_diagnostics_within(&module_uri, Some(version), Duration::from_secs(60));
        module_latencies.push(sent.elapsed());
    }
    report(
        &format!("edit of {module} (in the module graph) → diagnostics published"),
        &mut module_latencies,
    );

    // The same text, in process: full parse and line index.
    let mut parses = Vec::new();
    let mut indexes = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let parse = syntax::parse(&big);
        parses.push(t.elapsed());
        drop(parse);
        let t = Instant::now();
        let index = syntax::LineIndex::new(&big);
        indexes.push(t.elapsed());
        drop(index);
    }
    parses.sort();
    indexes.sort();
    println!(
        "in process on the big file: full parse {:.2} ms, line index {:.2} ms (medians of 5)",
        ms(parses[2]),
        ms(indexes[2])
    );
    let status = server.shutdown_exit();
    assert!(status.success(), "the server exits cleanly");
}

fn report(what: &str, samples: &mut [Duration]) {
    if samples.is_empty() {
        println!("{what}: no samples");
        return;
    }
    samples.sort();
    let pct = |p: f64| ms(samples[((samples.len() as f64 - 1.0) * p).round() as usize]);
    println!(
        "{what}, {} edits: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        samples.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
