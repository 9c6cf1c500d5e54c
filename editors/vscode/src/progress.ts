// Bookkeeping for the server's `$/progress` reports, rendered into one status bar line.

/** One running work-done progress, as last reported. */
export interface ProgressState {
  /** The title from the `begin` report. */
  title: string;
  /** The last message, if any. */
  message?: string;
  /** The last percentage, if any. */
  percentage?: number;
}

/** A `$/progress` value (`WorkDoneProgressBegin | Report | End`). */
export interface ProgressValue {
  /** `begin`, `report` or `end`. */
  kind: string;
  /** Set on `begin`. */
  title?: string;
  /** Optional text. */
  message?: string;
  /** Optional 0–100 value. */
  percentage?: number;
}

/** The running progress reports, by token. */
export class ProgressTracker {
  private readonly running = new Map<string, ProgressState>();

  /** Records one report; returns false for values that are not work-done progress. */
  update(token: string | number, value: ProgressValue): boolean {
    const key = String(token);
    switch (value.kind) {
      case "begin":
        this.running.set(key, { title: value.title ?? "", message: value.message, percentage: value.percentage });
        return true;
      case "report": {
        const state = this.running.get(key) ?? { title: "" };
        if (value.message !== undefined) state.message = value.message;
        if (value.percentage !== undefined) state.percentage = value.percentage;
        this.running.set(key, state);
        return true;
      }
      case "end":
        this.running.delete(key);
        return true;
      default:
        return false;
    }
  }

  /** Forgets every report (the server went away). */
  clear(): void {
    this.running.clear();
  }

  /** Tells whether some work is in progress. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  /** A short text for the most recently started work, e.g. `Indexing 40% flake.nix`. */
  summary(): string | undefined {
    let last: ProgressState | undefined;
    for (const state of this.running.values()) last = state;
    if (last === undefined) return undefined;
    const parts = [last.title];
    if (last.percentage !== undefined) parts.push(`${Math.round(last.percentage)}%`);
    if (last.message) parts.push(last.message);
    return parts.filter((p) => p !== "").join(" ");
  }
}
