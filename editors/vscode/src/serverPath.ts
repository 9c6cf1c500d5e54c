// Finding the server binary from the `flake-lsp.server.path` setting.
import * as fs from "fs";
import * as path from "path";

/** The result of looking for the server binary. */
export type ServerLookup =
  | { kind: "found"; path: string }
  | { kind: "missing"; setting: string; searched: string };

/** Expands `~` and `${workspaceFolder}` in a configured path. */
export function expandPath(raw: string, workspaceFolder: string | undefined, home: string): string {
  let out = raw.trim();
  if (workspaceFolder !== undefined) {
    out = out.split("${workspaceFolder}").join(workspaceFolder);
  }
  if (out === "~" || out.startsWith("~/")) {
    out = path.join(home, out.slice(1));
  }
  return out;
}

/** Tells whether `file` is an executable regular file. */
export function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves the configured server command: a value with a `/` is a path (relative ones are taken
 * from the workspace folder), anything else is a command name looked up on `PATH`.
 */
export function findServer(
  setting: string,
  opts: { workspaceFolder?: string; home: string; envPath: string; exists?: (file: string) => boolean },
): ServerLookup {
  const exists = opts.exists ?? isExecutable;
  const raw = setting.trim() === "" ? "flake-lsp" : setting;
  const expanded = expandPath(raw, opts.workspaceFolder, opts.home);
  if (expanded.includes("/")) {
    const full = path.resolve(opts.workspaceFolder ?? process.cwd(), expanded);
    return exists(full) ? { kind: "found", path: full } : { kind: "missing", setting: raw, searched: full };
  }
  const dirs = opts.envPath.split(path.delimiter).filter((d) => d !== "");
  for (const dir of dirs) {
    const candidate = path.join(dir, expanded);
    if (exists(candidate)) {
      return { kind: "found", path: candidate };
    }
  }
  return { kind: "missing", setting: raw, searched: `PATH (${dirs.join(path.delimiter)})` };
}
