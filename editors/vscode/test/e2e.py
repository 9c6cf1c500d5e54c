#!/usr/bin/env python3
"""VS Code end-to-end test: packages the extension (.vsix), installs it into a fresh code-server
(real VS Code in the browser) profile, opens a copy of examples/seed-flake in headless Chromium via
Selenium and checks that the UI shows what the server says: the Problems panel rows (code and
line, as `flake-lsp check --format json` reports them), hover, go to definition, the status bar
item, and — with a missing server binary — the install notification. Screenshots go to
tests/artifacts/vscode/.

Run through editors/vscode/test.sh (it picks the venv with selenium). Prints `N passed, N failed`.
"""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
EXT_DIR = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(EXT_DIR, "..", "testlib"))

import plan as planlib  # noqa: E402
import scenario  # noqa: E402
from common import ARTIFACTS, Results, log, make_workspace, server_binary, temp_dir  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException, TimeoutException, WebDriverException)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# The code-server installs to test: [{"name", "dir", "node"}] (editors/vscode/test.sh fills it in).
CODE_SERVERS = json.loads(os.environ["CODE_SERVERS"])
ART_ROOT = os.path.join(ARTIFACTS, "vscode")
ART = ART_ROOT  # per-version subfolder while a version runs
QUIET_SETTINGS = {
    "workbench.startupEditor": "none", "security.workspace.trust.enabled": False,
    "telemetry.telemetryLevel": "off", "extensions.autoCheckUpdates": False, "extensions.autoUpdate": False,
    "extensions.ignoreRecommendations": True, "workbench.tips.enabled": False, "update.mode": "none",
    "workbench.enableExperiments": False, "chat.disableAIFeatures": True,
    "workbench.secondarySideBar.defaultVisibility": "hidden", "editor.hover.delay": 100,
    "files.autoSave": "off", "window.restoreWindows": "none",
    # Typing settings.json through the editor must insert exactly the typed text.
    "editor.autoClosingBrackets": "never", "editor.autoClosingQuotes": "never", "editor.autoIndent": "none",
    "editor.formatOnType": False, "editor.quickSuggestions": {"other": False, "comments": False, "strings": False},
    "editor.suggestOnTriggerCharacters": False, "editor.acceptSuggestionOnCommitCharacter": False,
    "editor.autoSurround": "never",
}


def free_port():
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_vsix():
    """Bundles and packages the extension; returns the .vsix path."""
    subprocess.run(["npm", "run", "-s", "build"], cwd=EXT_DIR, check=True)
    subprocess.run(["npm", "run", "-s", "package"], cwd=EXT_DIR, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(EXT_DIR, "flake-lsp.vsix")


class CodeServer:
    """A code-server process with a fresh profile and our extension installed."""

    def __init__(self, install, vsix, folder, settings):
        self.dir = temp_dir("flake-lsp-cs-")
        self.user = os.path.join(self.dir, "user")
        self.ext = os.path.join(self.dir, "ext")
        os.makedirs(os.path.join(self.user, "User"))
        with open(os.path.join(self.user, "User", "settings.json"), "w") as f:
            json.dump({**QUIET_SETTINGS, **settings}, f, indent=1)
        entry = os.path.join(install["dir"], "out", "node", "entry.js")
        base = [install["node"], entry, "--user-data-dir", self.user, "--extensions-dir", self.ext]
        inst = subprocess.run(base + ["--install-extension", vsix], capture_output=True, text=True)
        self.install_output = inst.stdout + inst.stderr
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "code-server.log"), "w")
        self.proc = subprocess.Popen(
            base + ["--auth", "none", "--bind-addr", f"127.0.0.1:{self.port}", "--disable-telemetry",
                    "--disable-update-check", "--disable-workspace-trust", folder],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}/?folder={folder}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)

    def settings(self):
        """The user settings as they are on disk."""
        with open(os.path.join(self.user, "User", "settings.json")) as f:
            return json.load(f)

    def output_log(self, channel):
        """Text of one of our output channels as VS Code logged it (empty if none)."""
        paths = glob.glob(os.path.join(self.user, "logs", "*", "exthost*", "output_logging_*", f"*-{channel}.log"))
        texts = []
        for p in sorted(paths):
            with open(p, errors="replace") as f:
                texts.append(f.read())
        return "\n".join(texts)

    def stop(self):
        """Ends code-server (and with it the extension host and our server)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
        self.log.close()


class Browser:
    """Headless Chromium driven by Selenium, with VS Code helpers."""

    def __init__(self):
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        self.profile = temp_dir("flake-lsp-chromium-")
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1400,900", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic", f"--user-data-dir={self.profile}"]:
            opts.add_argument(a)
        self.drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)

    def wait(self, fn, timeout=30):
        """Waits until fn(driver) is truthy and returns it."""
        return WebDriverWait(self.drv, timeout, poll_frequency=0.2,
                             ignored_exceptions=[StaleElementReferenceException]).until(fn)

    def css(self, selector):
        """All elements matching a CSS selector."""
        return self.drv.find_elements(By.CSS_SELECTOR, selector)

    def shot(self, name):
        """Saves a screenshot under tests/artifacts/vscode/."""
        path = os.path.join(ART, f"{name}.png")
        self.drv.save_screenshot(path)
        return path

    def keys(self, *keys):
        """Sends keys to the focused element."""
        ActionChains(self.drv).send_keys(*keys).perform()

    def chord(self, modifier, key):
        """Presses modifier+key."""
        ActionChains(self.drv).key_down(modifier).send_keys(key).key_up(modifier).perform()

    def quick_input(self):
        """The quick input box, once visible."""
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, ".quick-input-widget input")))

    def command(self, label):
        """Runs a command from the command palette (F1)."""
        self.keys(Keys.ESCAPE)
        self.keys(Keys.F1)
        box = self.quick_input()
        box.send_keys(label)
        try:
            self.wait(lambda d: any(label.lower() in r.text.lower() for r in self.css(".quick-input-list .monaco-list-row")))
        except TimeoutException:
            raise TimeoutException(f"command {label!r} not in the palette; screenshot {self.shot('error-palette')}") from None
        time.sleep(0.3)
        box.send_keys(Keys.ENTER)

    def open_workbench(self, url):
        """Loads the workbench and waits until it is usable."""
        self.drv.get(url)
        self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, ".monaco-workbench .part.editor")), 60)
        time.sleep(2)

    def open_file(self, rel):
        """Opens a workspace file with Quick Open (Ctrl+P)."""
        self.keys(Keys.ESCAPE)
        self.chord(Keys.CONTROL, "p")
        box = self.quick_input()
        box.send_keys(rel)
        name = os.path.basename(rel)
        self.wait(lambda d: any(name in r.text for r in self.css(".quick-input-list .monaco-list-row")))
        time.sleep(0.5)
        box.send_keys(Keys.ENTER)
        self.wait(lambda d: any(tab_name(t).startswith(name) for t in self.css(".tab.active")))
        self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, ".monaco-editor .view-lines")))

    def goto(self, line, character):
        """Moves the cursor to a 0-based position (Ctrl+G `line:col`)."""
        self.chord(Keys.CONTROL, "g")
        box = self.quick_input()
        box.send_keys(f"{line + 1}:{character + 1}")
        time.sleep(0.3)
        box.send_keys(Keys.ENTER)
        time.sleep(0.3)

    def status_text(self, item_id):
        """Text of a status bar item by id (empty if absent)."""
        els = self.css(f"#{item_id.replace('.', chr(92) + '.')}")
        return " ".join((e.get_attribute("aria-label") or e.text or "") for e in els)

    def edit_user_settings(self, settings):
        """Replaces the user settings the way a user does: in the settings.json editor, then save."""
        self.command("Preferences: Open User Settings (JSON)")
        # A tab in 1.100, a modal editor in 1.139: wait for the focused editor to show the file
        # (from its start: the cursor may come back at the end of the long line typed last time).
        def showing(_driver=None):
            self.chord(Keys.CONTROL, Keys.HOME)
            return any("workbench.startupEditor" in e.text for e in self.css(".monaco-editor.focused .view-lines"))
        self.wait(showing)
        time.sleep(0.5)
        self.chord(Keys.CONTROL, "a")
        self.keys(Keys.DELETE)
        self.keys(json.dumps(settings))
        self.chord(Keys.CONTROL, "s")
        time.sleep(0.5)
        self.chord(Keys.CONTROL, "w")
        self.keys(Keys.ESCAPE)

    def active_tabs(self):
        """Names of the active editor tabs."""
        return [tab_name(t) for t in self.css(".tab.active")]

    def quit(self):
        """Closes the browser."""
        try:
            self.drv.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


MARKER_RE = re.compile(r"\[Ln (\d+), Col (\d+)\]\s*$")
CODE_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def tab_name(tab):
    """A tab's label (VS Code 1.139 splits `home.nix` into `home` and `.nix` on two lines)."""
    return tab.text.replace("\n", "").strip()


def plain(markdown):
    """Text without Markdown punctuation and with single spaces, to compare source and rendering."""
    return " ".join(re.sub(r"[*`#>_\\]", "", markdown).split())


def problems(b):
    """Rows of the Problems panel (maximized) as [(file, line0, code, related, text)], where
    related is the sorted [(file, line0)] of the related-information rows under the marker."""
    for _ in range(5):
        try:
            return _problems(b)
        except StaleElementReferenceException:
            time.sleep(0.3)
    return _problems(b)


def _problems(b):
    out = []
    current = None
    for row in b.css(".markers-panel .monaco-list-row"):
        labels = [e.text.strip() for e in row.find_elements(By.CSS_SELECTOR, ".monaco-highlighted-label")]
        line_el = row.find_elements(By.CSS_SELECTOR, ".marker-line")
        position = MARKER_RE.search(line_el[0].text) if line_el else None
        if row.find_elements(By.CSS_SELECTOR, ".related-info-resource-separator"):
            # Related information under the last marker: `file [Ln, Col] : message`.
            if out and position and labels:
                out[-1][3].append((labels[0], int(position.group(1)) - 1))
        elif position:
            # A marker: message, source, code, position.
            codes = [t for t in labels[1:] if CODE_RE.fullmatch(t) and t != "flake-lsp"]
            out.append([current, int(position.group(1)) - 1, codes[-1] if codes else None, [],
                        row.text.replace("\n", " | ")])
        elif labels:
            # A resource (file) row: the file name, then its folder when not at the root.
            current = labels[0]
            desc = row.find_elements(By.CSS_SELECTOR, ".label-description")
            if desc and desc[0].text.strip() and not desc[0].text.strip().startswith("/"):
                current = os.path.join(desc[0].text.strip(), current)
    return [(f, line, code, tuple(sorted(rel)), text) for f, line, code, rel, text in out]


def run_main_session(install, plan, vsix, server, results):
    """The session with a working server."""
    root = plan["root"]
    cs = CodeServer(install, vsix, root, {"flake-lsp.server.path": server, "flake-lsp.trace.server": "messages"})
    results.check("the .vsix installs into code-server", "successfully installed" in cs.install_output,
                  cs.install_output.strip()[-300:])
    b = Browser()
    try:
        t0 = time.time()
        b.open_workbench(cs.url)
        log(f"workbench ready in {time.time() - t0:.1f} s")
        for f in plan["files"] or ["flake.nix"]:
            b.open_file(f)
        results.check("language mode of .nix files is Nix", b.status_text("status.editor.mode").strip().startswith("Nix"),
                      b.status_text("status.editor.mode"))
        # Status bar: our item turns to ready once the server answered initialize.
        try:
            item = b.wait(lambda d: [e.text for e in b.css(".statusbar-item") if "flake-lsp" in e.text
                                     and "$(" not in e.text] or False, 30)
        except TimeoutException:
            item = []
        results.check("status bar shows the flake-lsp item", bool(item), f"items={[e.text for e in b.css('.statusbar-item')]}")

        # Problems panel, maximized so no row is virtualized away.
        want = sorted((d["file"], d["line"], d["code"], tuple(d["related"])) for d in plan["expected_diagnostics"])
        b.command("View: Focus Problems")
        b.command("View: Toggle Maximized Panel")
        try:
            b.wait(lambda d: len(problems(b)) >= len(want), 30)
        except TimeoutException:
            pass
        time.sleep(1)
        rows = problems(b)
        shot = b.shot("problems")
        got = sorted((f, line, code, rel) for f, line, code, rel, _ in rows)
        results.check(f"Problems panel shows the CLI's {len(want)} diagnostics (file, line, code, related lines)",
                      got == want,
                      f"want {want}\n     got  {got}\n     screenshot {shot}")
        b.command("View: Toggle Maximized Panel")

        for item in plan["hover"]:
            b.open_file(item["file"])
            b.goto(item["line"], item["character"])
            b.command("Show or Focus Hover")
            expected = item.get("expected")
            name = f"hover {item['id']} at {item['file']}:{item['line'] + 1}:{item['character'] + 1}"
            if expected:
                first_line = plain(expected.strip().split("\n")[0])
                # The hover may first show only the diagnostic under the cursor; wait for ours.
                try:
                    text = b.wait(lambda d: [h.text for h in b.css(".monaco-hover")
                                             if first_line[:40] in plain(h.text)] or False, 20)
                except TimeoutException:
                    text = [h.text for h in b.css(".monaco-hover")]
                shot = b.shot(f"hover-{item['id']}")
                ok = any(first_line[:40] in plain(t) for t in text)
                ok = ok and all(any(s in t for t in text) for s in item.get("contains", []))
                results.check(f"{name} shows the server's hover", ok,
                              f"want {first_line[:60]!r} in {text}; screenshot {shot}")
            else:
                results.skip(name, item.get("probe_error") or "the server answers nothing here yet")
                time.sleep(1)
                trace = cs.output_log("flake-lsp trace")
                results.check(f"{name}: hover request round-trips (empty answer)",
                              re.search(r"Received response 'textDocument/hover", trace) is not None,
                              "no hover response in the trace output")
            b.keys(Keys.ESCAPE)

        for item in plan["definition"]:
            name = f"definition {item['id']} at {item['file']}:{item['line'] + 1}:{item['character'] + 1}"
            if not item.get("expected"):
                results.skip(name, item.get("probe_error") or "the server answers nothing here yet")
                continue
            b.open_file(item["file"])
            b.goto(item["line"], item["character"])
            b.keys(Keys.F12)
            target_file, target_line = item["expected"][0]
            name_ok = lambda d: any(tab_name(t).startswith(os.path.basename(target_file)) for t in b.css(".tab.active"))
            try:
                b.wait(name_ok, 15)
                b.wait(lambda d: f"Ln {target_line + 1}," in b.status_text("status.editor.selection"), 10)
                ok = True
            except TimeoutException:
                ok = False
            shot = b.shot(f"definition-{item['id']}")
            results.check(f"{name} (F12) opens {target_file}:{target_line + 1}", ok,
                          f"active tab {b.active_tabs()}, "
                          f"{b.status_text('status.editor.selection')}; screenshot {shot}")

        for item in plan["completion"]:
            name = f"completion {item['id']} at {item['file']}:{item['line'] + 1}:{item['character'] + 1}"
            if not item.get("expected"):
                results.skip(name, item.get("probe_error") or "the server answers nothing here yet")
                continue
            b.open_file(item["file"])
            b.goto(item["line"], item["character"])
            b.chord(Keys.CONTROL, Keys.SPACE)
            want = set(item.get("expect_labels") or item["expected"][:3])
            labels = set()
            try:
                def shown(_driver=None):
                    labels.update(r.text.split("\n")[0].strip() for r in
                                  b.css(".suggest-widget .monaco-list-row .label-name, .suggest-widget .monaco-list-row"))
                    return want <= labels
                b.wait(shown, 15)
                ok = True
            except TimeoutException:
                ok = False
            shot = b.shot(f"completion-{item['id']}")
            results.check(f"{name} (Ctrl+Space) lists {sorted(want)}", ok, f"shown: {sorted(labels)[:20]}; screenshot {shot}")
            b.keys(Keys.ESCAPE)

        for item in plan["rename"]:
            name = f"rename {item['id']} at {item['file']}:{item['line'] + 1}:{item['character'] + 1}"
            if not item.get("expected"):
                results.skip(name, item.get("probe_error") or "the server answers nothing here yet")
                continue
            b.open_file(item["file"])
            b.goto(item["line"], item["character"])
            b.keys(Keys.F2)
            box = b.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, ".rename-box input, .rename-input")), 15)
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(item["new_name"])
            time.sleep(0.3)
            box.send_keys(Keys.ENTER)
            time.sleep(1)
            b.command("File: Save All Files")

            def on_disk(_driver=None):
                texts = {}
                for rel in item["expected"]:
                    with open(os.path.join(root, rel), encoding="utf-8") as f:
                        texts[rel] = f.read()
                return texts if all(texts[r].rstrip("\n") == t.rstrip("\n") for r, t in item["expected"].items()) else False
            try:
                ok = bool(b.wait(on_disk, 15))
            except TimeoutException:
                ok = False
            shot = b.shot(f"rename-{item['id']}")
            results.check(f"{name} (F2, save all) writes the server's edits to {sorted(item['expected'])}", ok,
                          f"screenshot {shot}")

        check_settings_and_restart(b, cs, server, results)

        server_log = cs.output_log("flake-lsp")
        warnings = [line for line in server_log.splitlines() if any(p in line for p in ("unknown setting", "invalid setting", "settings must be", "panicked"))]
        results.check("the server accepts the settings the extension sends (no warnings in its log)",
                      not warnings, f"{warnings}")
        trace = cs.output_log("flake-lsp trace")
        results.check("the server showed the user no message (window/showMessage)",
                      "Received notification 'window/showMessage'" not in trace,
                      [line for line in trace.splitlines() if "showMessage" in line][:3])
        results.check("the client speaks to the real server (initialize in the trace)",
                      "Sending request 'initialize" in trace and "Received response 'initialize" in trace,
                      trace[:300])
        b.shot("final")
    except Exception as err:
        err.args = (f"{err.args[0] if err.args else ''} (screenshot {b.shot('error')})",) + tuple(err.args[1:])
        raise
    finally:
        b.quit()
        cs.stop()
        with open(os.path.join(ART, "trace.log"), "w") as f:
            f.write(cs.output_log("flake-lsp trace"))
        with open(os.path.join(ART, "output.log"), "w") as f:
            f.write(cs.output_log("flake-lsp"))


def wait_for_log(cs, channel, predicate, timeout=20):
    """Waits until predicate(text of an output channel) holds; returns whether it did."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate(cs.output_log(channel)):
            return True
        time.sleep(0.3)
    return predicate(cs.output_log(channel))


def kill_server_processes(cs, exe):
    """SIGKILLs the flake-lsp processes of this code-server session (started through `exe`);
    returns how many."""
    target = os.path.realpath(exe)
    n = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                session = int(f.read().rsplit(")", 1)[1].split()[3])
            if session == cs.proc.pid and os.path.realpath(f"/proc/{pid}/exe") == target:
                os.kill(int(pid), 9)
                n += 1
        except (OSError, ValueError, IndexError):
            continue
    return n


def check_settings_and_restart(b, cs, server, results):
    """A server setting is sent to the running server; the restart command and a new server path
    start a new server."""
    b.edit_user_settings({**cs.settings(), "flake-lsp.logLevel": "debug"})
    sent = wait_for_log(cs, "flake-lsp trace",
                        lambda t: "Sending notification 'workspace/didChangeConfiguration'" in t)
    inits = cs.output_log("flake-lsp trace").count("Received response 'initialize")
    results.check("changing flake-lsp.logLevel sends workspace/didChangeConfiguration (no restart)",
                  sent and inits == 1, f"sent={sent}, initialize responses={inits}")

    # Record every text our status bar item shows, to catch the (brief) indexing progress.
    b.drv.execute_script("""
      window.__flakeLspStatus = [];
      const seen = (t) => {
        if (t && t.includes('flake-lsp') && window.__flakeLspStatus[window.__flakeLspStatus.length - 1] !== t) {
          window.__flakeLspStatus.push(t);
        }
      };
      // Mutation records keep the nodes a batch added and removed, so a label shown only briefly
      // (progress that begins and ends in one task) is still seen.
      new MutationObserver((records) => {
        for (const r of records) {
          for (const n of r.addedNodes) seen(n.textContent);
          for (const n of r.removedNodes) seen(n.textContent);
          if (r.type === 'characterData') { seen(r.oldValue); seen(r.target.textContent); }
        }
      }).observe(document.querySelector('.part.statusbar') || document.body,
                 { subtree: true, childList: true, characterData: true, characterDataOldValue: true });
    """)
    b.command("flake-lsp: Restart server")
    restarted = wait_for_log(cs, "flake-lsp trace", lambda t: t.count("Received response 'initialize") == inits + 1)
    republished = wait_for_log(cs, "flake-lsp trace", lambda t: t.split("Received response 'initialize")[-1]
                               .count("Received notification 'textDocument/publishDiagnostics'") > 0)
    results.check("“flake-lsp: Restart server” starts a new server that publishes again", restarted and republished,
                  f"restarted={restarted}, republished={republished}")
    seen = b.drv.execute_script("return window.__flakeLspStatus || [];")
    log(f"status bar texts during the restart: {seen}")
    after_restart = cs.output_log("flake-lsp trace").split("Received response 'initialize")[-1]
    if "Received notification '$/progress'" in after_restart:
        results.check("status bar item showed the server's progress while it loaded",
                      any(re.search(r"flake-lsp: \S", t) for t in seen), f"status texts seen: {seen}")
    else:
        results.skip("status bar item showed the server's progress while it loaded",
                     "the restarted server sent no $/progress")

    link = os.path.join(cs.dir, "bin", "flake-lsp-renamed")
    os.makedirs(os.path.dirname(link))
    os.symlink(server, link)
    b.edit_user_settings({**cs.settings(), "flake-lsp.server.path": link})
    ok = wait_for_log(cs, "flake-lsp", lambda t: f"Starting {link}" in t)
    ok = ok and wait_for_log(cs, "flake-lsp trace", lambda t: t.count("Received response 'initialize") == inits + 2)
    shot = b.shot("after-restarts")
    results.check("changing flake-lsp.server.path restarts the server with the new binary", ok,
                  f"output: {cs.output_log('flake-lsp')[-400:]!r}; screenshot {shot}")
    # A crash: the extension restarts the server by itself and the status bar recovers.
    killed = kill_server_processes(cs, link)
    recovered = killed and wait_for_log(cs, "flake-lsp trace",
                                        lambda t: t.count("Received response 'initialize") == inits + 3, 30)
    results.check("a killed server is restarted by the extension", recovered,
                  f"killed={killed}; output: {cs.output_log('flake-lsp')[-300:]!r}")
    time.sleep(1)
    status = [e.text for e in b.css(".statusbar-item") if "flake-lsp" in e.text]
    results.check("status bar item is back to ready after the restarts", bool(status) and all("$(" not in t for t in status),
                  f"{status}")


def run_missing_server_session(install, plan, vsix, results):
    """The session whose flake-lsp.server.path points nowhere: a clear notification must say so."""
    cs = CodeServer(install, vsix, plan["root"], {"flake-lsp.server.path": "/nonexistent/flake-lsp"})
    b = Browser()
    try:
        b.open_workbench(cs.url)
        b.open_file("flake.nix")
        def notices(_driver=None):
            # A toast, or (when VS Code did not toast it, e.g. during startup) the notification center.
            return [t.text for t in b.css(".notifications-toasts .notification-toast, "
                                          ".notifications-center .notification-list-item")
                    if "was not found" in t.text] or False
        try:
            toast = b.wait(notices, 10)
        except TimeoutException:
            b.command("Notifications: Show Notifications")
            try:
                toast = b.wait(notices, 10)
            except TimeoutException:
                toast = []
        shot = b.shot("missing-server-notification")
        results.check("a missing server binary gives a notification with install steps",
                      bool(toast) and "cargo install" in toast[0] and "Open Settings" in toast[0],
                      f"toasts: {[t.text for t in b.css('.notification-toast')]}; screenshot {shot}")
        status = [e.text for e in b.css(".statusbar-item") if "flake-lsp" in e.text]
        results.check("the status bar item shows the error", bool(status), f"items={status}")
    finally:
        b.quit()
        cs.stop()


def run_unit_tests(results):
    """The extension's unit tests (node:test), one check each."""
    proc = subprocess.run(["npm", "run", "-s", "test:unit"], cwd=EXT_DIR, capture_output=True, text=True)
    seen = 0
    for line in proc.stdout.splitlines():
        m = re.match(r"^(not ok|ok) \d+ - (.*)$", line)
        if m:
            seen += 1
            results.check(f"unit: {m.group(2)}", m.group(1) == "ok")
    if proc.returncode != 0 or seen == 0:
        results.check("unit tests run (typecheck + node --test)", False, (proc.stdout + proc.stderr)[-1500:])


def main():
    global ART
    shutil.rmtree(ART_ROOT, ignore_errors=True)
    os.makedirs(ART_ROOT, exist_ok=True)
    results = Results("vscode")
    run_unit_tests(results)
    server = server_binary()
    root = make_workspace(scenario.EXAMPLE, scenario.EXTRA_FILES)
    plan = planlib.build_checked(server, root, results)
    if plan is None:
        return results.summary()
    planlib.write(plan, os.path.join(ART_ROOT, "plan.json"))
    planlib.check_server(plan, results)
    vsix = build_vsix()
    for i, install in enumerate(CODE_SERVERS):
        results.suite = f"vscode {install['name']}"
        ART = os.path.join(ART_ROOT, install["name"])
        os.makedirs(ART, exist_ok=True)
        t0 = time.time()
        # Each session works on a fresh copy: the rename test edits files.
        sessions = [lambda: run_main_session(install, planlib.rebase(plan, make_workspace(
            scenario.EXAMPLE, scenario.EXTRA_FILES)), vsix, server, results)]
        if i == 0:
            sessions.append(lambda: run_missing_server_session(install, plan, vsix, results))
        for session in sessions:
            try:
                session()
            except (WebDriverException, TimeoutException, OSError) as err:
                results.check("UI session completed", False, f"{type(err).__name__}: {str(err).strip()}")
        log(f"VS Code {install['name']}: UI sessions took {time.time() - t0:.1f} s; screenshots in {ART}")
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())
