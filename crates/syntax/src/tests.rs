//! Tests of the syntax crate, one file per concern.

mod depth;
mod errors;
mod line_index;
mod parse;
mod reparse;
mod strings;

/// The workload generator lives in `test-fixture` (other crates' benchmarks use it); it only
/// needs `std`, so it is included here by path to check its output parses cleanly.
#[path = "../../test-fixture/src/workload.rs"]
#[allow(dead_code)]
mod workload;
mod workload_parses;
