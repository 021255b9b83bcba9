// inductor/pattern_matcher: the public surface of coil's pattern matcher (PyTorch's
// torch._inductor.pattern_matcher). In: patterns and handlers. Out: passes that rewrite fx graphs.

export {
  MULTIPLE, FailedMatch, MatchContext, PatternExpr, TargetExpr, TargetArgsExpr, isMatch,
  ArgPattern, IgnoredPattern, KeywordArgPattern, ExclusiveKeywordArgPattern, CallFunctionPattern, CallMethodPattern,
  CallModulePattern, CallFunctionVarArgsPattern, ListOfPattern, MultiOutputPattern,
  Arg, Ignored, KeywordArg, ExclusiveKeywordArg, CallFunction, CallMethod, CallModule, CallFunctionVarArgs, ListOf,
} from "./patterns.js";
export type { Users, CallOptions, MatchResult, FxOp } from "./patterns.js";
export { Match } from "./match.js";
export {
  PatternMatcherPass, PatternEntry, GraphPatternEntry, LoweringPatternEntry, ReplacementPatternEntry,
  isMutationOp, computeMutationRegionIds, getMutationRegionId, setPatternMatcherDebugSink, handlerArgs,
} from "./pass.js";
export type { ExtraCheck } from "./pass.js";
export { registerGraphPattern, registerLoweringPattern, registerReplacement, fxToPattern } from "./register.js";
export type { RegisterOptions, ReplacementOptions, ReplacementRegistration, FxToPatternOptions } from "./register.js";
export { setReplacementTracer, getReplacementTracer, defaultReplacementTracer, replaceWithGraph, type ReplacementTracer } from "./replace.js";
export { traceAten, parameterNames } from "./trace.js";
