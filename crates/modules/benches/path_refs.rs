//! Literal path references of a 1.5 MB package-set-shaped file: a fresh scan versus the
//! [`modules::PathRefCache`] after a one-character edit (incrementally reparsed).
//! Run with `cargo bench -p modules --bench path_refs`.

use std::fmt::Write;
use std::time::{Duration, Instant};

use base::FileId;
use modules::PathRefCache;
use modules::path_refs::path_refs;
use syntax::{TextRange, TextSize};

/// A package set of about `bytes` bytes (the shape of nixpkgs' all-packages.nix, a few imports).
fn package_set(bytes: usize) -> String {
    let mut out = String::from("{ lib, config, ... }:\nself:\nwith self;\n{\n");
    let mut i = 0;
    while out.len() < bytes {
        let _ = match i % 7 {
            0 => writeln!(
                out,
                "  pkg{i} = callPackage ../tools/pkg{i} {{\n    inherit (darwin.apple_sdk.frameworks) Security CoreServices;\n  }};"
            ),
            1 => writeln!(
                out,
                "  pkg{i} = callPackage ../tools/pkg{i} {{ stdenv = gcc12Stdenv; withX = !stdenv.hostPlatform.isDarwin; }};"
            ),
            2 => writeln!(
                out,
                "  # pkg{i} is optional.\n  pkg{i} = pkg{}.override {{ enableTests = false; }};",
                i / 2
            ),
            3 => writeln!(
                out,
                "  pkg{i} = import ../build-support/pkg{i}.nix {{ inherit lib; }};"
            ),
            _ => writeln!(
                out,
                "  pkg{i} = callPackage ../by-name/pk/pkg{i}/package.nix {{ }};"
            ),
        };
        i += 1;
    }
    out.push_str("}\n");
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let text = package_set(1_500_000);
    let parse = syntax::parse(&text);
    let fresh: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let refs = path_refs(&parse.syntax_node());
            let t = start.elapsed();
            assert!(!refs.is_empty());
            t
        })
        .collect();
    println!(
        "fresh scan of {} bytes: median {:?}",
        text.len(),
        median(fresh)
    );

    let cache = PathRefCache::new();
    let file = FileId(0);
    let start = Instant::now();
    cache.get(file, &parse.syntax_node());
    println!("memo, first computation: {:?}", start.elapsed());
    let mid = text.len() / 2;
    let at = mid + text[mid..].find(" = ").expect("a binding") - 1;
    let mut current = (text.clone(), parse);
    let mut times = Vec::new();
    for i in 0..200 {
        let (old_text, old_parse) = &current;
        let mut new_text = old_text.clone();
        let range = if i % 2 == 0 {
            new_text.insert(at, 'x');
            TextRange::empty(TextSize::from(at as u32))
        } else {
            new_text.remove(at);
            TextRange::at(TextSize::from(at as u32), TextSize::from(1))
        };
        let insert = if i % 2 == 0 { "x" } else { "" };
        let new_parse = old_parse
            .reparse(range, insert, &new_text)
            .unwrap_or_else(|| syntax::parse(&new_text));
        let root = new_parse.syntax_node();
        let start = Instant::now();
        let refs = cache.get(file, &root);
        times.push(start.elapsed());
        assert!(!refs.is_empty());
        current = (new_text, new_parse);
    }
    times.sort();
    println!(
        "memo after a one-character edit: p50 {:?}, p99 {:?}, max {:?}",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1]
    );
}
