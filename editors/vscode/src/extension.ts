// Entry point of the flake-lsp VS Code extension: starts the language server and keeps it in sync.
import * as os from "os";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  Disposable,
  MessageType,
  NotificationHandler,
  ProgressToken,
  ProgressType,
  ServerOptions,
  ShowMessageNotification,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { ProgressValue } from "./progress";
import { findServer } from "./serverPath";
import { initializationOptions, RESTART_KEYS, SECTION, serverSettings } from "./settings";
import { StatusItem } from "./status";

/** Where to read how to install the server. */
const INSTALL_DOCS = "https://github.com/flake-lsp/flake-lsp/blob/main/docs/editors.md#vs-code";

let client: LanguageClient | undefined;
let status: StatusItem;
let output: vscode.OutputChannel;
let traceOutput: vscode.OutputChannel;
/** Set while we stop the client on purpose, so the stop is not shown as an error. */
let stopping = false;
/** When the server last exited unexpectedly (milliseconds), within the restart window. */
let crashes: number[] = [];
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

/** Called by VS Code on the first Nix file or flake workspace. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("flake-lsp");
  traceOutput = vscode.window.createOutputChannel("flake-lsp trace");
  status = new StatusItem();
  context.subscriptions.push(
    output,
    traceOutput,
    status,
    vscode.commands.registerCommand("flake-lsp.restartServer", () => restart()),
    vscode.commands.registerCommand("flake-lsp.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => onConfigurationChanged(event)),
    { dispose: () => void stop() },
  );
  await start();
}

/** Called by VS Code on shutdown. */
export function deactivate(): Thenable<void> | undefined {
  return stop();
}

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Starts a new client, or explains why there is no server to start. */
async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const lookup = findServer(config.get<string>("server.path") ?? "flake-lsp", {
    workspaceFolder: workspaceFolder(),
    home: os.homedir(),
    envPath: process.env.PATH ?? "",
  });
  if (lookup.kind === "missing") {
    const message =
      `flake-lsp: the server binary “${lookup.setting}” was not found (looked in ${lookup.searched}). ` +
      "Install it with `cargo install --locked --path crates/flake-lsp` from a flake-lsp checkout " +
      "(or your distribution's package), then set “flake-lsp.server.path” to its path if it is not on PATH.";
    output.appendLine(message);
    status.set({ kind: "error", message: "server binary not found" });
    void vscode.window.showErrorMessage(message, "Open Settings", "Installation Guide").then((choice) => {
      if (choice === "Open Settings") {
        void vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.server.path`);
      } else if (choice === "Installation Guide") {
        void vscode.env.openExternal(vscode.Uri.parse(INSTALL_DOCS));
      }
    });
    return;
  }

  const env = { ...process.env, ...(config.get<Record<string, string>>("server.extraEnv") ?? {}) };
  const serverOptions: ServerOptions = {
    command: lookup.path,
    args: config.get<string[]>("server.extraArgs") ?? [],
    transport: TransportKind.stdio,
    options: { env, cwd: workspaceFolder() },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "nix" },
      { scheme: "untitled", language: "nix" },
    ],
    initializationOptions: initializationOptions(config),
    outputChannel: output,
    traceOutputChannel: traceOutput,
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        if (stopping) return { action: CloseAction.DoNotRestart };
        // Restart a crashed server, but not more than MAX_RESTARTS times in RESTART_WINDOW_MS.
        const now = Date.now();
        crashes = crashes.filter((t) => now - t < RESTART_WINDOW_MS);
        crashes.push(now);
        if (crashes.length > MAX_RESTARTS) {
          const message = `the server crashed ${crashes.length} times in 3 minutes and will not be restarted; see the output`;
          status.set({ kind: "error", message });
          return { action: CloseAction.DoNotRestart, message: `flake-lsp: ${message}.` };
        }
        status.set({ kind: "error", message: "the server exited; restarting it" });
        return { action: CloseAction.Restart, handled: true };
      },
    },
    middleware: {
      workspace: {
        // Answer `workspace/configuration` for our section without the client-only keys.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((value, i) => (params.items[i]?.section === SECTION ? serverSettings(value) : value));
        },
      },
    },
  };

  output.appendLine(`Starting ${lookup.path}`);
  status.set({ kind: "starting" });
  const c = new LanguageClient(SECTION, "flake-lsp", serverOptions, clientOptions);
  client = c;
  trackProgress(c);
  c.onDidChangeState((event) => {
    if (client !== c) return;
    if (event.newState === State.Stopped && !stopping) {
      status.set({ kind: "error", message: "the server stopped; see the output" });
    } else if (event.newState === State.Running) {
      // Also after the library restarted a crashed server.
      status.set({ kind: "ready", version: c.initializeResult?.serverInfo?.version });
    }
  });
  try {
    await c.start();
  } catch (err) {
    status.set({ kind: "error", message: `the server failed to start: ${String(err)}` });
    output.appendLine(`The server failed to start: ${String(err)}`);
    return;
  }
  if (client !== c) return;
  const info = c.initializeResult?.serverInfo;
  status.set({ kind: "ready", version: info?.version });
  trackErrors(c);
}

/**
 * Shows the server's work-done progress in the status bar item. The library's own progress
 * handling (VS Code's window progress) stays: we tap the values it subscribes to, which also
 * catches progress that starts before `start()` resolves.
 */
function trackProgress(c: LanguageClient): void {
  const subscribe = c.onProgress.bind(c);
  c.onProgress = <P>(type: ProgressType<P>, token: ProgressToken, handler: NotificationHandler<P>): Disposable =>
    subscribe(type, token, (value: P) => {
      const v = value as unknown as ProgressValue;
      if (client === c && v !== null && typeof v === "object" && typeof v.kind === "string") {
        status.progress.update(token, v);
        status.render();
      }
      handler(value);
    });
}

/** Shows the server's error messages as notifications and in the status bar item. */
function trackErrors(c: LanguageClient): void {
  c.onNotification(ShowMessageNotification.type, (params) => {
    switch (params.type) {
      case MessageType.Error:
        status.set({ kind: "error", message: params.message });
        void vscode.window.showErrorMessage(params.message);
        break;
      case MessageType.Warning:
        void vscode.window.showWarningMessage(params.message);
        break;
      default:
        void vscode.window.showInformationMessage(params.message);
    }
  });
}

/** Stops the running client, if any. */
async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c === undefined) return;
  stopping = true;
  try {
    if (c.isRunning()) await c.stop(5000);
  } catch (err) {
    output.appendLine(`Stopping the server failed: ${String(err)}`);
  } finally {
    stopping = false;
    status.set({ kind: "stopped" });
  }
}

/** Stops and starts the server (command “flake-lsp: Restart server”). */
async function restart(): Promise<void> {
  output.appendLine("Restarting the server");
  crashes = [];
  await stop();
  await start();
}

function onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
  if (!event.affectsConfiguration(SECTION)) return;
  if (RESTART_KEYS.some((key) => event.affectsConfiguration(key))) {
    void restart();
    return;
  }
  const c = client;
  if (c?.isRunning()) {
    const settings = serverSettings(vscode.workspace.getConfiguration(SECTION));
    void c.sendNotification("workspace/didChangeConfiguration", { settings: { [SECTION]: settings } });
  }
}
