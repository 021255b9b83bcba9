// platform/node: Node-only services (file bytes, sha256) used to build pass uuids and cache keys.
// In: file paths, byte/string chunks. Out: file contents, hex digests.

import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

/** The raw bytes of a file (throws Node's ENOENT error naming the path when it is missing). */
export function readFileBytes(path: string): Uint8Array {
  return readFileSync(path);
}

/** sha256 over the chunks in order (strings are hashed as UTF-8); lowercase hex. */
export function sha256Hex(...chunks: (Uint8Array | string)[]): string {
  const h = createHash("sha256");
  for (const c of chunks) h.update(c);
  return h.digest("hex");
}
