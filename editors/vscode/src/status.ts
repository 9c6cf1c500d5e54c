// The status bar item: starting, indexing progress, ready, or what went wrong.
import * as vscode from "vscode";
import { ProgressTracker } from "./progress";

/** How long a progress text stays visible at least, so that short work is readable, not a flicker. */
const MIN_PROGRESS_MS = 600;

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
  /** The last progress text shown, and until when it stays (short progress would only flicker). */
  private lingering?: { text: string; until: number };
  private lingerTimer?: ReturnType<typeof setTimeout>;

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
    if (state.kind === "stopped" || state.kind === "error") {
      this.progress.clear();
      this.lingering = undefined;
    }
    this.render();
  }

  /** The progress text to show: the running work, or for a moment the work that just ended. */
  private progressText(): string | undefined {
    const summary = this.progress.summary();
    const now = Date.now();
    if (summary !== undefined) {
      if (this.lingering?.text !== summary) this.lingering = { text: summary, until: now + MIN_PROGRESS_MS };
      return summary;
    }
    if (this.lingering !== undefined && now < this.lingering.until) {
      if (this.lingerTimer === undefined) {
        this.lingerTimer = setTimeout(() => {
          this.lingerTimer = undefined;
          this.render();
        }, this.lingering.until - now);
      }
      return this.lingering.text;
    }
    this.lingering = undefined;
    return undefined;
  }

  /** Redraws after a progress report. */
  render(): void {
    const item = this.item;
    item.backgroundColor = undefined;
    switch (this.state.kind) {
      case "starting": {
        const summary = this.progressText();
        item.text = summary !== undefined ? `$(sync~spin) flake-lsp: ${summary}` : "$(sync~spin) flake-lsp";
        item.tooltip = `flake-lsp: ${summary ?? "starting the server"}`;
        break;
      }
      case "ready": {
        const summary = this.progressText();
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
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.item.dispose();
  }
}
