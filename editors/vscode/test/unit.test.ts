// Unit tests of the extension's pure parts (no VS Code needed): run with `npm run test:unit`.
import { strict as assert } from "assert";
import { test } from "node:test";
import { ProgressTracker } from "../src/progress";
import { expandPath, findServer } from "../src/serverPath";
import { initializationOptions, serverSettings } from "../src/settings";

test("client-only settings are not sent to the server", () => {
  const section = { server: { path: "/x" }, trace: { server: "off" }, logLevel: "debug", diagnostics: { debounceMs: 0 } };
  assert.deepEqual(serverSettings(section), { logLevel: "debug", diagnostics: { debounceMs: 0 } });
  assert.deepEqual(initializationOptions(section), { "flake-lsp": { logLevel: "debug", diagnostics: { debounceMs: 0 } } });
  assert.deepEqual(serverSettings(undefined), {});
  assert.deepEqual(serverSettings(null), {});
  assert.deepEqual(serverSettings([1]), {});
});

test("settings objects with methods become plain JSON", () => {
  const section = { logLevel: "warn", get: () => 1, has: () => true };
  assert.deepEqual(serverSettings(section), { logLevel: "warn" });
});

test("paths expand ~ and ${workspaceFolder}", () => {
  assert.equal(expandPath("~/bin/flake-lsp", "/w", "/home/u"), "/home/u/bin/flake-lsp");
  assert.equal(expandPath("${workspaceFolder}/target/debug/flake-lsp", "/w", "/h"), "/w/target/debug/flake-lsp");
  assert.equal(expandPath(" flake-lsp ", undefined, "/h"), "flake-lsp");
});

test("a command name is looked up on PATH", () => {
  const exists = (f: string) => f === "/b/flake-lsp";
  assert.deepEqual(findServer("flake-lsp", { home: "/h", envPath: "/a:/b", exists }), { kind: "found", path: "/b/flake-lsp" });
  assert.deepEqual(findServer("", { home: "/h", envPath: "/a:/b", exists }), { kind: "found", path: "/b/flake-lsp" });
  const missing = findServer("flake-lsp", { home: "/h", envPath: "/a", exists });
  assert.equal(missing.kind, "missing");
  assert.match(missing.kind === "missing" ? missing.searched : "", /PATH \(\/a\)/);
});

test("a path is resolved against the workspace folder", () => {
  const exists = (f: string) => f === "/w/target/debug/flake-lsp";
  assert.deepEqual(findServer("./target/debug/flake-lsp", { workspaceFolder: "/w", home: "/h", envPath: "", exists }), {
    kind: "found",
    path: "/w/target/debug/flake-lsp",
  });
  assert.deepEqual(findServer("/nope/flake-lsp", { home: "/h", envPath: "/w", exists }), {
    kind: "missing",
    setting: "/nope/flake-lsp",
    searched: "/nope/flake-lsp",
  });
});

test("progress reports are summarised", () => {
  const p = new ProgressTracker();
  assert.equal(p.summary(), undefined);
  p.update(1, { kind: "begin", title: "Indexing", percentage: 0 });
  p.update(1, { kind: "report", message: "3/10 files", percentage: 30 });
  assert.equal(p.summary(), "Indexing 30% 3/10 files");
  assert.ok(p.busy);
  p.update("1", { kind: "end" });
  assert.equal(p.summary(), undefined);
  assert.equal(p.update(2, { kind: "bogus" }), false);
});
