//! The opt-in `nix eval` backend (setting `unfree.evaluate`): asks a real `nix` for `meta.unfree`
//! of the packages the static license scan could not decide.
//!
//! # How `nix` is run
//!
//! - The expression uses `builtins` only (a tree without `lib` works), imports the nixpkgs root with
//!   `config = { }` and `overlays = [ ]` (so no user configuration is read), and reads each
//!   package's `meta.unfree` under `builtins.tryEval`. The attribute list travels in a temporary
//!   JSON file, not on the command line (one argument may not exceed 128 KiB on Linux).
//! - `--store dummy://`: evaluation needs no Nix store, no daemon and no writable `/nix`, and
//!   anything that would copy to the store or build (import from derivation) fails at once.
//! - Restricted mode (`restrict-eval`, `allowed-uris` empty) with the nixpkgs root and the list
//!   file as the only allowed paths: no reads elsewhere, no fetching of URLs; only the
//!   `nix-command` experimental feature is on, so no flake registry is ever downloaded; the
//!   search path is only ours (`nix-path` empty: neither `NIX_PATH` nor `nix.conf` adds to it,
//!   which in restricted mode would allow reading there) and `builtins.getEnv` answers `""`.
//! - `tryEval` catches `throw` and failed assertions but not `abort`, missing attributes or
//!   infinite recursion, which end the whole evaluation. The expression traces each package's
//!   name before evaluating it, so such a failure names its package: the verdicts printed so far
//!   are kept, that package is recorded as failed, and the rest are evaluated again.
//! - `nix` runs in a process group of its own; at the deadline the whole group is killed. It runs
//!   under coreutils' `timeout` when there is one, so that it dies even when flake-lsp is gone.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many packages may fail (uncatchably) before the evaluation is given up.
const MAX_FAILED_PACKAGES: usize = 64;

/// The most of `nix`'s standard output that is read (the JSON verdicts).
const MAX_STDOUT: u64 = 64 * 1024 * 1024;

/// Traced once the nixpkgs root is imported: failures after it belong to packages.
const IMPORTED: &str = "flake-lsp-imported";

/// Traced before each package is evaluated, followed by its attribute path.
const EVALUATING: &str = "flake-lsp-evaluating ";

/// The expression: `<flake-lsp-nixpkgs>` is the nixpkgs root, `<flake-lsp-attrs>` a JSON list of
/// attribute paths (`jetbrains.idea-ultimate`). Prints `{ attr = true | false | null; }`.
const EXPR: &str = r#"
let
  pkgs = import <flake-lsp-nixpkgs> { config = { }; overlays = [ ]; };
  attrs = builtins.fromJSON (builtins.readFile <flake-lsp-attrs>);
  lookup = a: builtins.foldl' (s: n: if builtins.isAttrs s then s.${n} or null else null) pkgs
    (builtins.filter builtins.isString (builtins.split "\\." a));
  verdict = a: builtins.trace "flake-lsp-evaluating ${a}"
    (let r = builtins.tryEval ((lookup a).meta.unfree or null);
     in if r.success && builtins.isBool r.value then r.value else null);
in
builtins.seq (builtins.isAttrs pkgs) (builtins.trace "flake-lsp-imported"
  (builtins.listToAttrs (map (a: { name = a; value = verdict a; }) attrs)))
"#;

/// What `nix eval` said about the packages it was asked about.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct UnfreeVerdicts {
    /// `(attr, meta.unfree)` of every package whose `meta.unfree` is a boolean.
    pub verdicts: Vec<(String, bool)>,
    /// Packages whose evaluation failed in a way `tryEval` does not catch (`abort`, a missing
    /// attribute, infinite recursion), with `nix`'s error; they keep their static verdict.
    pub failed: Vec<(String, String)>,
}

/// Asks `nix eval` for `meta.unfree` of `attrs` in the nixpkgs at `root` (setting
/// `unfree.evaluate`, off by default). Never fetches, builds or writes to a store (see the module
/// documentation). Packages that are missing, not derivations, or whose `meta` throws get no
/// verdict. Errors (no `nix`, an import that fails, the `timeout` reached) leave the static
/// verdicts alone; at the timeout `nix` and everything it started are killed.
pub fn evaluate_unfree(
    nix: &Path,
    root: &Path,
    attrs: &[String],
    timeout: Duration,
) -> Result<UnfreeVerdicts, String> {
    let mut result = UnfreeVerdicts::default();
    let mut pending: Vec<&str> = attrs.iter().map(String::as_str).collect();
    pending.sort_unstable();
    pending.dedup();
    if pending.is_empty() {
        return Ok(result);
    }
    if !super::is_executable(nix) {
        return Err(format!(
            "could not run {}: not an executable file",
            nix.display()
        ));
    }
    // Restricted mode compares resolved paths with the allowed ones: resolve the root's links.
    let root = std::fs::canonicalize(root)
        .map_err(|e| format!("the nixpkgs path {}: {e}", root.display()))?;
    if !root.join("default.nix").is_file() {
        return Err(format!("{} has no default.nix", root.display()));
    }
    let deadline = Instant::now() + timeout;
    loop {
        match run_once(nix, &root, &pending, deadline, timeout)? {
            Run::Done(verdicts) => {
                result.verdicts.extend(verdicts);
                return Ok(result);
            }
            Run::PackageFailed {
                attr,
                error,
                printed,
            } => {
                if !pending.contains(&attr.as_str()) {
                    return Err(format!("`nix eval` failed: {error}"));
                }
                // Printed `null`s are answers too (no verdict): they are not asked again.
                let answered: std::collections::HashSet<&str> =
                    printed.iter().map(|(a, _)| a.as_str()).collect();
                pending.retain(|a| *a != attr && !answered.contains(a));
                result
                    .verdicts
                    .extend(printed.iter().filter_map(|(a, v)| Some((a.clone(), (*v)?))));
                result.failed.push((attr, error));
                if result.failed.len() >= MAX_FAILED_PACKAGES {
                    let (attr, error) = &result.failed[result.failed.len() - 1];
                    return Err(format!(
                        "{MAX_FAILED_PACKAGES} packages failed to evaluate, giving up \
                         (the last, `{attr}`: {error})"
                    ));
                }
                if pending.is_empty() {
                    return Ok(result);
                }
            }
        }
    }
}

/// The outcome of one `nix eval` run that did not fail as a whole.
enum Run {
    /// Every package was evaluated.
    Done(Vec<(String, bool)>),
    /// The evaluation of `attr` ended the run; `printed` are the answers printed before it.
    PackageFailed {
        attr: String,
        error: String,
        printed: Vec<(String, Option<bool>)>,
    },
}

/// What the standard error of `nix` told so far.
#[derive(Default)]
struct Stderr {
    /// The import of the nixpkgs root succeeded.
    imported: bool,
    /// The package being evaluated last.
    evaluating: Option<String>,
    /// The last [`Stderr::MAX_LINES`] lines that are not our traces (errors, warnings: nixpkgs
    /// may print many of these before the error).
    lines: std::collections::VecDeque<String>,
}

impl Stderr {
    const MAX_LINES: usize = 200;

    fn take_line(&mut self, line: &str) {
        let line = line.trim_end();
        if let Some(at) = line.find(EVALUATING) {
            self.evaluating = Some(line[at + EVALUATING.len()..].to_owned());
        } else if line.starts_with("trace: ") && line.ends_with(IMPORTED) {
            self.imported = true;
        } else {
            if self.lines.len() == Self::MAX_LINES {
                self.lines.pop_front();
            }
            self.lines.push_back(line.to_owned());
        }
    }

    /// One line of the error `nix` printed: the last `error:` line with a message (newer Nix
    /// versions print the stack first and the message last), with its continuation lines.
    fn error(&self, status: ExitStatus) -> String {
        let lines: Vec<&str> = self.lines.iter().map(String::as_str).collect();
        let is_error = |l: &str| l.trim_start().starts_with("error:");
        let start = lines
            .iter()
            .rposition(|l| is_error(l) && l.trim_start().len() > "error:".len())
            .or_else(|| lines.iter().position(|l| is_error(l)));
        let Some(start) = start else {
            return match lines.iter().rev().find(|l| !l.trim().is_empty()) {
                Some(last) => format!("{} ({status})", last.trim()),
                None => format!("exited with {status} and printed no error"),
            };
        };
        let mut message = lines[start].trim_start()["error:".len()..]
            .trim()
            .to_owned();
        let rest = &lines[start + 1..];
        let hint = |l: &str| l.starts_with("(use '--show-trace'") || l.starts_with("(stack trace");
        // The message runs to a blank line, except right after the opening quote of an
        // `abort` message (nixpkgs' "requires Nix >=" message begins with a newline).
        let mut used = 0;
        for line in rest {
            let line = line.trim();
            if line.is_empty() && !message.ends_with(": '") {
                break;
            }
            used += 1;
            if !line.is_empty() && !hint(line) {
                if !message.ends_with(": '") {
                    message.push(' ');
                }
                message.push_str(line);
            }
        }
        // Nix prints the position after a blank line: `at /nixpkgs/pkgs/foo.nix:3:5:`.
        let position = rest
            .iter()
            .skip(used)
            .take(3)
            .map(|l| l.trim())
            .find(|l| l.starts_with("at ") && l.ends_with(':'));
        if let Some(at) = position {
            message.push_str(&format!(" ({})", &at[..at.len() - 1]));
        }
        if message.len() > 400 {
            let cut = (0..=400)
                .rev()
                .find(|&i| message.is_char_boundary(i))
                .unwrap_or(0);
            message.truncate(cut);
            message.push('…');
        }
        message
    }
}

/// Runs `nix eval` once over `attrs` (sorted, as `nix` prints them).
fn run_once(
    nix: &Path,
    root: &Path,
    attrs: &[&str],
    deadline: Instant,
    timeout: Duration,
) -> Result<Run, String> {
    let list = attr_list_file(attrs)?;
    let mut command = watchdog(nix, deadline);
    command
        .arg("--experimental-features")
        .arg("nix-command")
        .arg("eval")
        .args(["--json", "--store", "dummy://"])
        .args(["--option", "pure-eval", "false"])
        .args(["--option", "restrict-eval", "true"])
        .args(["--option", "allowed-uris", ""])
        .args(["--option", "allow-import-from-derivation", "false"])
        .args([
            "--option",
            "allow-unsafe-native-code-during-evaluation",
            "false",
        ])
        .args(["--option", "substitute", "false"])
        .args(["--option", "builders", ""])
        .args(["--option", "nix-path", ""])
        .arg("-I")
        .arg(search_path_entry("flake-lsp-nixpkgs", root))
        .arg("-I")
        .arg(search_path_entry("flake-lsp-attrs", &list.1))
        .arg("--expr")
        .arg(EXPR)
        .env_remove("NIX_PATH")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command
        .spawn()
        .map_err(|e| format!("could not run {}: {e}", nix.display()))?;
    let mut child = KillOnDrop(Some(child));
    let (stdout, stderr) = read_outputs(child.get())?;

    let status = loop {
        match child.get().try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                child.kill();
                let evaluating = lock(&stderr.1).evaluating.clone();
                let during = evaluating
                    .map(|a| format!(" (it was evaluating `{a}`)"))
                    .unwrap_or_default();
                return Err(format!(
                    "`nix eval` did not finish within {} s and was stopped{during}",
                    timeout.as_secs_f32()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for `nix eval`: {e}")),
        }
    };
    // `nix` has exited; its output ends unless something it started holds the pipes open.
    let grace = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_secs(1));
    let (out, done) = (stdout.recv_timeout(grace), stderr.0.recv_timeout(grace));
    let (Ok(out), Ok(())) = (out, done) else {
        child.kill();
        return Err("`nix eval` exited, but its output did not end".to_owned());
    };
    child.disarm();
    let stderr = std::mem::take(&mut *lock(&stderr.1));
    if status.success() {
        let answers = parse_answers(&out)?;
        return Ok(Run::Done(
            answers
                .into_iter()
                .filter_map(|(a, v)| Some((a, v?)))
                .collect(),
        ));
    }
    let error = stderr.error(status);
    match stderr.evaluating {
        Some(attr) if stderr.imported => Ok(Run::PackageFailed {
            attr,
            error,
            printed: parse_partial_answers(&out),
        }),
        _ => Err(format!("`nix eval` failed: {error}")),
    }
}

/// A command that runs `nix`: under coreutils' `timeout` when there is one, which kills it a
/// little after `deadline` even if flake-lsp is gone by then (an editor stopping the server, a
/// Ctrl-C on `check`) and could not.
fn watchdog(nix: &Path, deadline: Instant) -> Command {
    let timeout = std::env::var_os("PATH").and_then(|p| super::find_in_path("timeout", &p));
    let Some(timeout) = timeout else {
        return Command::new(nix);
    };
    let seconds = deadline.saturating_duration_since(Instant::now()).as_secs() + 5;
    let mut command = Command::new(timeout);
    command
        .args(["-s", "KILL"])
        .arg(seconds.to_string())
        .arg(nix);
    command
}

/// `name=path` for `-I`.
fn search_path_entry(name: &str, path: &Path) -> std::ffi::OsString {
    let mut entry = std::ffi::OsString::from(format!("{name}="));
    entry.push(path.as_os_str());
    entry
}

/// Writes `attrs` as a JSON list into a temporary file; returns it (deleted on drop) and its
/// resolved path.
fn attr_list_file(attrs: &[&str]) -> Result<(tempfile::NamedTempFile, PathBuf), String> {
    let io = |e: std::io::Error| format!("could not write the package list for `nix eval`: {e}");
    let mut file = tempfile::Builder::new()
        .prefix("flake-lsp-attrs-")
        .suffix(".json")
        .tempfile()
        .map_err(io)?;
    let json = serde_json::to_vec(attrs).map_err(|e| e.to_string())?;
    file.write_all(&json).map_err(io)?;
    file.flush().map_err(io)?;
    let path = std::fs::canonicalize(file.path()).map_err(io)?;
    Ok((file, path))
}

type StderrState = (mpsc::Receiver<()>, Arc<Mutex<Stderr>>);

/// Starts threads reading the child's standard output (whole) and standard error (line by line,
/// into a shared [`Stderr`]); each sends on its channel when its pipe ends.
fn read_outputs(child: &mut Child) -> Result<(mpsc::Receiver<Vec<u8>>, StderrState), String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let (out_tx, out_rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("nix-eval-stdout".to_owned())
        .spawn(move || {
            let mut out = Vec::new();
            let _ = stdout.take(MAX_STDOUT).read_to_end(&mut out);
            let _ = out_tx.send(out);
        })
        .map_err(|e| e.to_string())?;
    let state = Arc::new(Mutex::new(Stderr::default()));
    let (err_tx, err_rx) = mpsc::channel();
    let shared = Arc::clone(&state);
    std::thread::Builder::new()
        .name("nix-eval-stderr".to_owned())
        .spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = Vec::new();
            loop {
                line.clear();
                // A line is at most 64 KiB; a longer one is cut.
                match (&mut reader).take(64 * 1024).read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => lock(&shared).take_line(&String::from_utf8_lossy(&line)),
                }
            }
            let _ = err_tx.send(());
        })
        .map_err(|e| e.to_string())?;
    Ok((out_rx, (err_rx, state)))
}

fn lock(state: &Mutex<Stderr>) -> std::sync::MutexGuard<'_, Stderr> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The answers of a complete `{ "attr": true | false | null }` object (`null`: no verdict).
fn parse_answers(out: &[u8]) -> Result<Vec<(String, Option<bool>)>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(out).map_err(|e| format!("`nix eval` printed no JSON: {e}"))?;
    let object = value
        .as_object()
        .ok_or("`nix eval` did not print an object")?;
    Ok(object
        .iter()
        .map(|(k, v)| (k.clone(), v.as_bool()))
        .collect())
}

/// The answers in the beginning of an object that `nix` printed before it failed
/// (`{"a":false,"b":null,"c":`): everything up to one of the last commas, closed.
fn parse_partial_answers(out: &[u8]) -> Vec<(String, Option<bool>)> {
    let commas = out.iter().rposition(|&b| b == b',');
    let mut end = commas;
    for _ in 0..4 {
        let Some(at) = end else { break };
        let mut text = out[..at].to_vec();
        text.push(b'}');
        if let Ok(answers) = parse_answers(&text) {
            return answers;
        }
        end = out[..at].iter().rposition(|&b| b == b',');
    }
    Vec::new()
}

/// A child process that is killed, with its whole process group, when dropped armed.
struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    fn get(&mut self) -> &mut Child {
        // Only `kill` and `disarm` empty it, and both end its use.
        self.0.as_mut().expect("the child is present until killed")
    }

    /// Kills the child's process group (the child and whatever it started) and reaps the child.
    fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            #[cfg(unix)]
            {
                let group = rustix::process::Pid::from_child(&child);
                let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The child has exited and was reaped: nothing to kill.
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests;
