"""A minimal LSP client over stdio (stdlib only), for probing flake-lsp from editor tests.

It answers the server's requests the way a plain editor does (configuration, progress tokens,
registrations) and records every notification, so a test can replay an editor's exact
`initialize` and see what the server sends back.
"""
import json
import os
import queue
import subprocess
import threading
import time
from urllib.parse import quote, unquote, urlparse


def path_to_uri(path):
    """`file://` URI of an absolute path."""
    return "file://" + quote(os.path.abspath(path))


def uri_to_path(uri):
    """Absolute path of a `file://` URI."""
    return unquote(urlparse(uri).path)


class LspError(Exception):
    """A JSON-RPC error response, or a timeout."""


class LspClient:
    """One server process and its stdio JSON-RPC connection."""

    def __init__(self, cmd, cwd=None, env=None, settings=None):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd, env=env)
        self.settings = settings if settings is not None else {}
        self.next_id = 1
        self.pending = {}
        self.lock = threading.Lock()
        self.notifications = []  # (method, params) in arrival order
        self.server_requests = []  # (method, params)
        self.cond = threading.Condition()
        self.stderr_lines = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # --- wire -------------------------------------------------------------------------------
    def _send(self, msg):
        body = json.dumps(msg).encode()
        try:
            with self.lock:
                self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                self.proc.stdin.flush()
        except OSError as err:
            time.sleep(0.2)
            raise LspError(f"server gone ({err}); exit code {self.proc.poll()}; stderr: "
                           + " | ".join(self.stderr_lines[-5:])) from None

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line.decode(errors="replace").rstrip("\n"))

    def _read_stdout(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    with self.cond:
                        self.cond.notify_all()
                    return
                line = line.decode().strip()
                if not line:
                    break
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            body = out.read(int(headers.get("content-length", 0)))
            msg = json.loads(body)
            if "id" in msg and "method" in msg:
                self._answer(msg)
            elif "id" in msg:
                q = self.pending.pop(msg["id"], None)
                if q is not None:
                    q.put(msg)
            else:
                with self.cond:
                    self.notifications.append((msg["method"], msg.get("params")))
                    self.cond.notify_all()

    def _answer(self, msg):
        method, params = msg["method"], msg.get("params") or {}
        with self.cond:
            self.server_requests.append((method, params))
            self.cond.notify_all()
        if method == "workspace/configuration":
            result = [self.settings if item.get("section") == "flake-lsp" else None
                      for item in params.get("items", [])]
        elif method == "workspace/applyEdit":
            result = {"applied": False}
        else:  # window/workDoneProgress/create, client/registerCapability, ...
            result = None
        self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})

    # --- API ----------------------------------------------------------------------------------
    def request(self, method, params, timeout=20):
        """Sends a request and returns its result; raises LspError on an error or timeout."""
        rid = self.next_id
        self.next_id += 1
        q = queue.Queue()
        self.pending[rid] = q
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        try:
            msg = q.get(timeout=timeout)
        except queue.Empty:
            raise LspError(f"{method}: no answer within {timeout} s") from None
        if "error" in msg:
            raise LspError(f"{method}: {msg['error']}")
        return msg.get("result")

    def notify(self, method, params):
        """Sends a notification."""
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, predicate, timeout=20):
        """Waits until predicate(notifications) is truthy; returns its value or None."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                value = predicate(self.notifications)
                if value or time.time() >= deadline or self.proc.poll() is not None:
                    return value
                self.cond.wait(min(0.1, max(0.0, deadline - time.time())))

    def diagnostics(self, uri):
        """The last published diagnostics for `uri`, or None when none were published."""
        last = None
        for method, params in list(self.notifications):
            if method == "textDocument/publishDiagnostics" and params["uri"] == uri:
                last = params["diagnostics"]
        return last

    def open(self, path, language_id="nix"):
        """Sends didOpen for a file from disk; returns its URI."""
        uri = path_to_uri(path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.notify("textDocument/didOpen",
                    {"textDocument": {"uri": uri, "languageId": language_id, "version": 1, "text": text}})
        return uri

    def shutdown(self, timeout=10):
        """shutdown + exit; returns the exit code (None if it had to be killed)."""
        try:
            self.request("shutdown", None, timeout=timeout)
            self.notify("exit", None)
            return self.proc.wait(timeout=timeout)
        except (LspError, OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
            return None
