// What of the `flake-lsp` settings section is sent to the server.

/** The settings section the extension and the server share. */
export const SECTION = "flake-lsp";

/** Keys of the section only the extension reads; the server would warn about them as unknown. */
export const CLIENT_ONLY_KEYS: readonly string[] = ["server", "trace"];

/** Returns a plain-JSON copy of the section without the client-only keys. */
export function serverSettings(section: unknown): Record<string, unknown> {
  const plain: unknown = section === undefined || section === null ? {} : JSON.parse(JSON.stringify(section));
  if (typeof plain !== "object" || plain === null || Array.isArray(plain)) {
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(plain as Record<string, unknown>)) {
    if (!CLIENT_ONLY_KEYS.includes(key)) {
      out[key] = value;
    }
  }
  return out;
}

/** The `initializationOptions` sent with `initialize`: the server settings under their section name. */
export function initializationOptions(section: unknown): Record<string, unknown> {
  return { [SECTION]: serverSettings(section) };
}

/** Tells whether a change of these settings needs a new server process rather than a notification. */
export const RESTART_KEYS: readonly string[] = [`${SECTION}.server`];
