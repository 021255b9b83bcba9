// coil/inductor: the compiler's configuration and extension API (filled by the pass-pipeline issue).
// In: nothing. Out: config, passes, pattern matcher, lowering table, backend registry.

export {};
