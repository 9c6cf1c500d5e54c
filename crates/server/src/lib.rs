//! flake-lsp's LSP glue: tower-lsp-server routing, documents and scheduling.
//!
//! This is the only crate that knows LSP types; [`convert`](crate::convert) is the single
//! translator between them and the `ide` vocabulary. The entry point is [`run_stdio`].

mod backend;
mod capabilities;
mod config;
mod convert;
mod diagnostics;
mod handlers;
mod logger;
mod state;
mod transport;
mod workspace;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tower_lsp_server::{LspService, Server};

pub use crate::config::{Config, DiagnosticsConfig, LogLevel};
use crate::convert::{from_proto, to_proto};

/// Stack size of every runtime thread: rowan drops deep trees recursively.
const STACK_SIZE: usize = 256 << 20;

/// Serves LSP on stdin/stdout until `exit`. The exit code is 0 when `shutdown` came first, as
/// the specification asks, and 1 otherwise (also when the runtime cannot start).
pub fn run_stdio() -> ExitCode {
    logger::init(Config::default().log_level.to_filter());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .thread_stack_size(STACK_SIZE)
        .thread_name("flake-lsp")
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            log::error!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let shut_down = Arc::new(AtomicBool::new(false));
    runtime.block_on(serve(
        tokio::io::stdin(),
        tokio::io::stdout(),
        Arc::clone(&shut_down),
    ));
    // Background work (a diagnostics pass, a watcher batch) must not delay the exit.
    runtime.shutdown_timeout(Duration::from_millis(200));
    if shut_down.load(Ordering::SeqCst) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Serves LSP over a pair of streams until `exit` or the end of input.
async fn serve(
    input: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    output: impl tokio::io::AsyncWrite + Unpin + Send + 'static,
    shut_down: Arc<AtomicBool>,
) {
    let mut builder = LspService::build(move |client| {
        let (ctx, disk_rx) = workspace::Ctx::new(client, shut_down);
        let ctx = Arc::new(ctx);
        tokio::spawn(workspace::run_disk_changes(Arc::clone(&ctx), disk_rx));
        backend::Backend::new(ctx)
    })
    .custom_method("flake-lsp/debugText", backend::Backend::debug_text);
    if std::env::var_os("FLAKE_LSP_TEST_PANIC").is_some() {
        builder = builder.custom_method("flake-lsp/debugPanic", backend::Backend::debug_panic);
    }
    let (service, socket) = builder.finish();
    // The framework reads and writes through in-memory pipes; `transport` sits between them
    // and the real streams so that malformed input is answered instead of ending the session.
    let (client_side, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, merged_in) = tokio::io::duplex(1 << 16);
    let (error_tx, error_rx) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(transport::filter_input(input, client_side, error_tx));
    let writer = tokio::spawn(transport::merge_output(merged_in, error_rx, output));
    // Requests wait for pending workspace loads (`Ctx::loaded`); a generous concurrency level keeps
    // a handful of such waiting requests from holding up the text-sync notifications behind them.
    Server::new(server_in, server_out, socket)
        .concurrency_level(64)
        .serve(service)
        .await;
    // `serve` dropped its end of the output pipe: the writer drains what is left and stops.
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    reader.abort();
}
