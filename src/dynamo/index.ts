// dynamo/index: public API of the dynamo stage (torch.compile / torch._dynamo). In: see the stage's
// files. Out: compile(), the backend registry, dynamoConfig, reset(), and the `dynamo` namespace.

export { compile, reset, moduleParams, type CompileOptions, type CompiledFn, type ModuleLike } from "./compile.js";
export { registerBackend, lookupBackend, listBackends, type Backend, type CompiledGraphFn } from "./backends.js";
export { dynamoConfig, type DynamoConfig } from "./config.js";
export * as dynamo from "./namespace.js";
