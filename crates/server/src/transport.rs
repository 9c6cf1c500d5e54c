//! Message framing in front of tower-lsp-server that survives malformed input.
//!
//! tower-lsp-server reads stdin through a `tokio_util` `FramedRead`, which ends the stream after
//! the first decoding error — so one undecodable message would stop the server. This module
//! reads the client's frames itself, answers undecodable ones per JSON-RPC (`-32700` parse error,
//! `-32600` invalid request, with `id: null`) and passes only well-formed messages on. Our error
//! replies and the framework's output are merged frame by frame, so they never interleave.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Headers longer than this are garbage.
const MAX_HEADER: usize = 8 * 1024;
/// Bodies longer than this are refused (a corrupt length would otherwise allocate wildly).
const MAX_BODY: usize = 512 * 1024 * 1024;

/// One step of reading frames.
enum Frame {
    /// A complete body.
    Body(Vec<u8>),
    /// A header block without a usable `Content-Length`; skipped.
    BadHeader(String),
}

/// Reads `Content-Length`-framed bodies from a byte stream.
struct FrameReader<R> {
    input: R,
    buf: Vec<u8>,
    eof: bool,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(input: R) -> FrameReader<R> {
        FrameReader {
            input,
            buf: Vec::new(),
            eof: false,
        }
    }

    /// Reads more input; `false` at the end of the stream.
    async fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let mut chunk = [0u8; 64 * 1024];
        match self.input.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                self.eof = true;
                false
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// The next frame; `None` at the end of the stream.
    async fn next(&mut self) -> Option<Frame> {
        loop {
            if let Some((header_len, body_start)) = header_end(&self.buf) {
                let header = String::from_utf8_lossy(&self.buf[..header_len]).into_owned();
                let Some(len) = content_length(&header) else {
                    self.buf.drain(..body_start);
                    self.resync();
                    return Some(Frame::BadHeader(header));
                };
                if len > MAX_BODY {
                    self.buf.drain(..body_start);
                    self.resync();
                    return Some(Frame::BadHeader(header));
                }
                while self.buf.len() < body_start + len {
                    if !self.fill().await {
                        return None;
                    }
                }
                let body = self.buf[body_start..body_start + len].to_vec();
                self.buf.drain(..body_start + len);
                return Some(Frame::Body(body));
            }
            if self.buf.len() > MAX_HEADER {
                let header = String::from_utf8_lossy(&self.buf[..64]).into_owned();
                self.buf.drain(..1);
                self.resync();
                return Some(Frame::BadHeader(header));
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// Skips to the next `Content-Length` after garbage.
    fn resync(&mut self) {
        match find(&self.buf, b"Content-Length") {
            Some(idx) => {
                self.buf.drain(..idx);
            }
            None => {
                let keep = self.buf.len().min(b"Content-Length".len());
                self.buf.drain(..self.buf.len() - keep);
            }
        }
    }
}

/// The length of the header block and where the body starts, once a blank line was seen.
fn header_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = find(buf, b"\r\n\r\n").map(|i| (i, i + 4));
    let lf = find(buf, b"\n\n").map(|i| (i, i + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn content_length(header: &str) -> Option<usize> {
    header.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

/// The error reply for a body the framework could not decode, or `None` if it is fine.
fn check_body(body: &[u8]) -> Option<String> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Some(error_reply(-32700, "Parse error: the message is not UTF-8"));
    };
    if serde_json::from_str::<serde_json::Value>(text).is_err() {
        return Some(error_reply(-32700, "Parse error: the message is not JSON"));
    }
    if serde_json::from_str::<Response>(text).is_ok()
        || serde_json::from_str::<Request>(text).is_ok()
    {
        return None;
    }
    Some(error_reply(
        -32600,
        "Invalid request: not a JSON-RPC 2.0 message",
    ))
}

fn error_reply(code: i64, message: &str) -> String {
    serde_json::json!({ "jsonrpc": "2.0", "id": null, "error": { "code": code, "message": message } })
        .to_string()
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Copies the client's well-formed messages to `to_server` and sends error replies for the
/// others to `errors`. Ends (closing `to_server`) at the end of input.
pub(crate) async fn filter_input(
    input: impl AsyncRead + Unpin,
    mut to_server: impl AsyncWrite + Unpin,
    errors: mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut reader = FrameReader::new(input);
    while let Some(next) = reader.next().await {
        match next {
            Frame::Body(body) => match check_body(&body) {
                None => {
                    if to_server.write_all(&frame(&body)).await.is_err() {
                        break;
                    }
                }
                Some(reply) => {
                    log::warn!(
                        "dropping a malformed message: {}",
                        String::from_utf8_lossy(&body)
                    );
                    let _ = errors.send(reply.into_bytes());
                }
            },
            Frame::BadHeader(header) => {
                log::warn!("dropping a message with a malformed header: {header:?}");
                let _ = errors.send(error_reply(-32700, "Parse error: bad header").into_bytes());
            }
        }
    }
    let _ = to_server.shutdown().await;
}

/// Writes the framework's frames and our error replies to `output`, whole frames at a time.
/// Ends when the framework's output ends.
pub(crate) async fn merge_output(
    from_server: impl AsyncRead + Unpin,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
    mut output: impl AsyncWrite + Unpin,
) {
    let mut reader = FrameReader::new(from_server);
    loop {
        let body = tokio::select! {
            biased;
            next = reader.next() => match next {
                Some(Frame::Body(body)) => body,
                Some(Frame::BadHeader(_)) => continue,
                None => break,
            },
            Some(body) = errors.recv() => body,
        };
        if output.write_all(&frame(&body)).await.is_err() || output.flush().await.is_err() {
            break;
        }
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8]) -> Vec<String> {
        let mut reader = FrameReader::new(input);
        let mut out = Vec::new();
        while let Some(frame) = reader.next().await {
            out.push(match frame {
                Frame::Body(body) => String::from_utf8_lossy(&body).into_owned(),
                Frame::BadHeader(_) => "<bad header>".to_owned(),
            });
        }
        out
    }

    #[tokio::test]
    async fn reads_frames_and_resyncs_after_garbage() {
        let input = b"Content-Length: 2\r\n\r\n{}garbage\r\n\r\nContent-Length: 4\r\nContent-Type: x\r\n\r\nnull";
        assert_eq!(frames(input).await, vec!["{}", "<bad header>", "null"]);
        assert_eq!(frames(b"content-length:3\n\n[1]").await, vec!["[1]"]);
        assert_eq!(
            frames(b"Content-Length: 10\r\n\r\n{}").await,
            Vec::<String>::new()
        );
    }

    #[test]
    fn checks_bodies() {
        assert_eq!(check_body(br#"{"jsonrpc":"2.0","method":"x"}"#), None);
        assert_eq!(
            check_body(br#"{"jsonrpc":"2.0","id":1,"result":null}"#),
            None
        );
        assert!(check_body(b"{oops").is_some_and(|r| r.contains("-32700")));
        assert!(check_body(b"\xff").is_some_and(|r| r.contains("-32700")));
        assert!(check_body(br#"{"hello":1}"#).is_some_and(|r| r.contains("-32600")));
        assert!(
            check_body(br#"{"jsonrpc":"1.0","method":"x"}"#).is_some_and(|r| r.contains("-32600"))
        );
    }
}
