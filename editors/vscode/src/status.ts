// The status bar item: starting, indexing progress, ready, or what went wrong.
import * as vscode from "vscode";
import { ProgressTracker } from "./progress";

/** What the server is doing, as far as the extension knows. */
export type ServerState =
  | { kind: "starting" }
  | { kind: "ready"; version?: string }
  | { kind: "stopped" }
  | { kind: "error"; message: string };

/** The `flake-lsp` status bar item; clicking it shows the output channel. */
export class StatusItem implements vscode.Disposable {
  /** Work-done progress reported by the server. */
  readonly progress = new ProgressTracker();
  private readonly item: vscode.StatusBarItem;
  private state: ServerState = { kind: "starting" };

  constructor() {
    this.item = vscode.window.createStatusBarItem("flake-lsp.status", vscode.StatusBarAlignment.Left, 10);
    this.item.name = "flake-lsp";
    this.item.command = "flake-lsp.showOutput";
    this.render();
    this.item.show();
  }

  /** Sets the server state and redraws. */
  set(state: ServerState): void {
    this.state = state;
    if (state.kind === "stopped" || state.kind === "error") this.progress.clear();
    this.render();
  }

  /** Redraws after a progress report. */
  render(): void {
    const item = this.item;
    item.backgroundColor = undefined;
    switch (this.state.kind) {
      case "starting": {
        const summary = this.progress.summary();
        item.text = summary !== undefined ? `$(sync~spin) flake-lsp: ${summary}` : "$(sync~spin) flake-lsp";
        item.tooltip = `flake-lsp: ${summary ?? "starting the server"}`;
        break;
      }
      case "ready": {
        const summary = this.progress.summary();
        if (summary !== undefined) {
          item.text = `$(sync~spin) flake-lsp: ${summary}`;
          item.tooltip = `flake-lsp: ${summary}`;
        } else {
          item.text = "$(check) flake-lsp";
          item.tooltip = `flake-lsp ${this.state.version ?? ""} is running. Click to show its output.`.replace("  ", " ");
        }
        break;
      }
      case "stopped":
        item.text = "$(circle-slash) flake-lsp";
        item.tooltip = "flake-lsp: the server is stopped. Run “flake-lsp: Restart server” to start it.";
        break;
      case "error":
        item.text = "$(error) flake-lsp";
        item.tooltip = `flake-lsp: ${this.state.message}`;
        item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        break;
    }
  }

  /** Removes the item. */
  dispose(): void {
    this.item.dispose();
  }
}
