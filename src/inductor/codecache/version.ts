// inductor/codecache/version: the version stamps that go into every cache key and entry header:
// coil's release version (kept equal to package.json's by test/inductor/codecache.test.ts) and the
// entry format version. In: nothing. Out: constants.

/** coil's package version (package.json "version"). */
export const COIL_VERSION = "0.1.0";

/** Version of the on-disk entry layout (header + payload). Bump when serialize.ts changes. */
export const CACHE_ENTRY_FORMAT = 1;
