//! Parse, incremental reparse and line-index figures on a 1.5 MB all-packages-like file.
//!
//! Run with `cargo bench -p syntax --bench parse`. The budget is 5 ms p99 from an edit
//! to diagnostics for this file, so the per-edit work here must stay well below that.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use syntax::{LineIndex, Parse, ParseOrigin, TextRange, TextSize, parse};

// rnix is a dependency of this crate, so the bench can compare against it directly.

#[path = "../../test-fixture/src/workload.rs"]
#[allow(dead_code, missing_docs, unused_imports)]
mod workload;

/// One edit of the big file: the old parse, the replaced range, the insertion, the new text.
struct Edit {
    old: Parse,
    range: TextRange,
    insert: &'static str,
    new_text: String,
}

impl Edit {
    /// Replaces `len` bytes at the first `needle` after the middle of `text` (plus `skip`).
    fn new(
        text: &str,
        old: &Parse,
        needle: &str,
        skip: usize,
        len: usize,
        insert: &'static str,
    ) -> Edit {
        let mid = text.len() / 2;
        let at = mid + text[mid..].find(needle).expect("needle in workload") + skip;
        let range = TextRange::at(TextSize::from(at as u32), TextSize::from(len as u32));
        let mut new_text = text.to_owned();
        new_text.replace_range(at..at + len, insert);
        Edit {
            old: old.clone(),
            range,
            insert,
            new_text,
        }
    }

    fn run(&self) -> Option<Parse> {
        self.old.reparse(self.range, self.insert, &self.new_text)
    }
}

fn benches(c: &mut Criterion) {
    let text = workload::all_packages_like(1_500_000);
    let old = parse(&text);
    assert!(old.errors().is_empty());

    // Typing one character at the end of a top-level attribute name.
    let token = Edit::new(&text, &old, " = callPackage ../", 0, 0, "x");
    assert_eq!(
        token.run().map(|p| p.origin()),
        Some(ParseOrigin::TokenRelex)
    );
    // Replacing a value inside a small attribute set (`{ enableTests = false; }`).
    let block = Edit::new(&text, &old, "enableTests = false", 14, 5, "true");
    assert_eq!(
        block.run().map(|p| p.origin()),
        Some(ParseOrigin::BlockReparse)
    );
    // Replacing a top-level value: the region is that one binding of the file's huge set.
    let top = Edit::new(
        &text,
        &old,
        "toPythonApplication python3Packages.",
        0,
        19,
        "toPythonModule",
    );
    assert_eq!(
        top.run().map(|p| p.origin()),
        Some(ParseOrigin::BlockReparse)
    );

    // Starting a new top-level binding between two others: the file has an error until the
    // binding is complete, and only the bindings around the edit are reparsed.
    let typing = Edit::new(&text, &old, ";\n  ", 2, 0, "n");
    assert_eq!(
        typing.run().map(|p| p.origin()),
        Some(ParseOrigin::BlockReparse)
    );
    assert!(!parse(&typing.new_text).errors().is_empty());

    let mut group = c.benchmark_group("all_packages_1_5mb");
    group.sample_size(20);
    group.bench_function("full_parse", |b| b.iter(|| parse(black_box(&text))));
    // For comparison: rnix alone, and the tokenizer pass that the nesting pre-scan adds.
    group.bench_function("rnix_parse_only", |b| {
        b.iter(|| rnix::Root::parse(black_box(&text)))
    });
    group.bench_function("tokenize_only", |b| {
        b.iter(|| rnix::tokenize(black_box(&text)).count())
    });
    group.bench_function("reparse_token", |b| b.iter(|| black_box(token.run())));
    group.bench_function("reparse_small_block", |b| b.iter(|| black_box(block.run())));
    group.bench_function("reparse_top_level_binding", |b| {
        b.iter(|| black_box(top.run()))
    });
    group.bench_function("reparse_new_binding_with_error", |b| {
        b.iter(|| black_box(typing.run()))
    });
    group.bench_function("line_index", |b| {
        b.iter(|| LineIndex::new(black_box(&text)))
    });
    group.bench_function("string_edit", |b| {
        let mut buf = text.clone();
        b.iter(|| {
            buf.insert(black_box(750_000), 'x');
            buf.remove(black_box(750_000));
        })
    });
    group.finish();
}

criterion_group!(parse_benches, benches);
criterion_main!(parse_benches);
