// dynamo/namespace: the `coil.dynamo` namespace (torch._dynamo): reset, config, backend registry,
// and the capture internals later stages and tests inspect. In: nothing. Out: re-exports.

export { reset, compile, moduleParams } from "./compile.js";
export { registerBackend, lookupBackend, listBackends } from "./backends.js";
export { dynamoConfig as config } from "./config.js";
export { Tracer, GraphBreak, fakeLike } from "./capture.js";
export { parseParams, userFrame } from "./source.js";
