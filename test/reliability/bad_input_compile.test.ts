// test/reliability/bad_input_compile: the bad-input campaign for compile(), the inductor config, the
// pattern-matcher API and user pass hooks (a pass that throws, leaves a dangling node, breaks the
// topological order or changes the output count must fail naming the hook and the pass).
// In: case tables. Out: tests.

import * as coil from "../../src/index.js";
import { config, CallFunction, KeywordArg, Arg, registerReplacement, registerGraphPattern, PatternMatcherPass, CustomGraphPass } from "../../src/inductor.js";
import { Graph, type Node } from "../../src/fx/index.js";
import { runBadCases, type BadCase } from "./harness.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const any = (x: unknown): any => x;
const X = () => [coil.tensor([0.5, -1, 2])];

const compileCases: BadCase[] = [
  { entry: "compile", what: "a number instead of a function", run: () => coil.compile(any(42)), msg: /^compile: expected a function or a module with a forward method \(got number\)/, type: TypeError },
  { entry: "compile", what: "null", run: () => coil.compile(any(null)), msg: /^compile: expected a function or a module/, type: TypeError },
  { entry: "compile", what: "unknown backend", run: () => coil.compile((x: coil.Tensor) => x.cos(), { backend: "nope" }), msg: /^compile: unknown backend 'nope'; registered backends: .*inductor/ },
  { entry: "compile", what: "backend of the wrong type", run: () => coil.compile((x: coil.Tensor) => x.cos(), { backend: any(3) }), msg: /^compile: backend must be a backend name or a function/, type: TypeError },
  { entry: "compile", what: "unknown option", run: () => coil.compile((x: coil.Tensor) => x.cos(), any({ mode: "max-autotune" })), msg: /^compile: unknown option 'mode'/, type: TypeError },
  { entry: "compile", what: "fullgraph not a boolean", run: () => coil.compile((x: coil.Tensor) => x.cos(), any({ fullgraph: "yes" })), msg: /^compile: fullgraph must be a boolean \(got string\)/, type: TypeError },
  { entry: "compile", what: "options not an object", run: () => coil.compile((x: coil.Tensor) => x.cos(), any("inductor")), msg: /^compile: options must be an object/, type: TypeError },
  { entry: "compile", what: "shape error inside the compiled function", inputs: X, run: ([x]) => coil.compile((a: coil.Tensor) => coil.mm(a, a))(x!), msg: /mm/ },
  { entry: "compile", what: "fullgraph with a data-dependent call", inputs: X, run: ([x]) => coil.compile((a: coil.Tensor) => a.mul(a.sum().item()), { fullgraph: true })(x!), msg: /^compile\(fullgraph=true\): data-dependent operation Tensor\.item\(\)/ },
];

const configCases: BadCase[] = [
  { entry: "config.patch", what: "unknown key", run: () => config.patch(any({ nope: 1 })), msg: /^inductor config: unknown key 'nope'; known keys: /, type: TypeError },
  { entry: "config.patch", what: "wrong value type", run: () => config.patch(any({ dce: "yes" })), msg: /^inductor config: 'dce' must be boolean, got string "yes"/, type: TypeError },
  { entry: "config.patch", what: "one bad key among good ones applies nothing", run: () => config.patch(any({ dce: false, patternMatcher: 3 })), msg: /'patternMatcher' must be boolean/, type: TypeError },
  { entry: "config.patch", what: "hook that is not a pass", run: () => config.patch(any({ postGradCustomPostPass: 42 })), msg: /postGradCustomPostPass/, type: TypeError },
  { entry: "config.patch", what: "not an object", run: () => config.patch(any(7)), msg: /^inductor config\.patch: overrides must be an object/, type: TypeError },
  { entry: "config.patch", what: "second argument not a function", run: () => config.patch({ dce: false }, any(5)), msg: /^inductor config\.patch: second argument must be a function/, type: TypeError },
  { entry: "config (assignment)", what: "wrong value type", run: () => { any(config).patternMatcher = 3; }, msg: /^inductor config: 'patternMatcher' must be boolean, got number 3/, type: TypeError },
  { entry: "config (assignment)", what: "unknown key", run: () => { any(config).nope = 3; }, msg: /^inductor config: unknown key 'nope'/, type: TypeError },
  { entry: "config (assignment)", what: "negative cache size", run: () => { any(config).fxGraphCacheMemoryMaxEntries = -1; }, msg: /fxGraphCacheMemoryMaxEntries/, type: TypeError },
];

const pmCases: BadCase[] = [
  { entry: "registerReplacement", what: "example inputs not an array", run: () => registerReplacement((a: unknown) => a, (a: unknown) => a, any("x"), null, new PatternMatcherPass()), msg: /^registerReplacement: exampleInputs must be an array/, type: TypeError },
  { entry: "registerReplacement", what: "missing example input", run: () => registerReplacement((a: unknown, b: unknown) => [a, b], (a: unknown, b: unknown) => [a, b], [coil.ones(2)], null, new PatternMatcherPass()), msg: /^registerReplacement: no example input for parameter 'b'/, type: TypeError },
  { entry: "registerGraphPattern", what: "a string instead of a pattern", run: () => registerGraphPattern(any("cos"), { passDict: new PatternMatcherPass() })(() => {}), msg: /^pattern matcher: cannot register cos: the outermost pattern must be a CallFunction/, type: TypeError },
  { entry: "registerGraphPattern", what: "a leaf pattern as outermost", run: () => registerGraphPattern(Arg(), { passDict: new PatternMatcherPass() })(() => {}), msg: /^pattern matcher: cannot register .*outermost pattern must be/, type: TypeError },
  { entry: "CallFunction", what: "undefined target", run: () => CallFunction(undefined, Arg()), msg: /^CallFunction: each target must be a function, an op overload or an op overload packet, got undefined/, type: TypeError },
  { entry: "KeywordArg", what: "a number as name", run: () => KeywordArg(any(5)), msg: /^KeywordArg: the name must be a non-empty string, got number/, type: TypeError },
  { entry: "PatternMatcherPass.apply", what: "not a graph", run: () => new PatternMatcherPass().apply(any({})), msg: /^PatternMatcherPass\.apply: expected a Graph or a GraphModule, got object/, type: TypeError },
];

// ---- user pass hooks ----
const HOOKS = ["preGradCustomPass", "jointCustomPrePass", "jointCustomPostPass", "postGradCustomPrePass", "postGradCustomPostPass"] as const;
const calls = (g: Graph): Node[] => g.nodes.toArray().filter((n) => n.op === "call_function" || n.op === "call_method");
const outputNode = (g: Graph): Node => g.nodes.toArray().find((n) => n.op === "output")!;
function throwingPass(): void { throw new Error("user pass exploded"); }
function danglingPass(g: Graph): void {
  // a node that reads a placeholder of another graph
  const other = new Graph();
  const stray = other.placeholder("stray");
  const c = calls(g)[0]!;
  c.args = [stray, ...c.args.slice(1)];
}
function reorderPass(g: Graph): void {
  const [first, second] = calls(g);
  first!.args = [second!, ...first!.args.slice(1)];
}
function outputCountPass(g: Graph): void {
  const out = outputNode(g);
  const vals = out.args[0] as unknown[];
  out.args = [[...vals, ...vals]];
}
class ThrowingClassPass extends CustomGraphPass {
  call(): void { throw new Error("user pass exploded"); }
  uuid(): string { return "throwing-class-pass"; }
}
const compileWith = (hook: string, pass: unknown, x: coil.Tensor) =>
  config.patch(any({ [hook]: pass }), () => { coil.reset(); return coil.compile((a: coil.Tensor) => a.cos().sin().mul(2))(x); });

const hookCases: BadCase[] = HOOKS.flatMap((hook): BadCase[] => [
  { entry: `config.${hook}`, what: "a pass that throws", inputs: X, run: ([x]) => compileWith(hook, throwingPass, x!), msg: [new RegExp(`${hook} custom pass 'throwingPass' failed`), /user pass exploded/] },
  { entry: `config.${hook}`, what: "a CustomGraphPass whose call throws", inputs: X, run: ([x]) => compileWith(hook, new ThrowingClassPass(), x!), msg: [new RegExp(`${hook} custom pass 'ThrowingClassPass' failed`), /user pass exploded/] },
  { entry: `config.${hook}`, what: "a pass that leaves a dangling node", inputs: X, run: ([x]) => compileWith(hook, danglingPass, x!), msg: [new RegExp(hook), /danglingPass/, /lint/i] },
  { entry: `config.${hook}`, what: "a pass that breaks the topological order", inputs: X, run: ([x]) => compileWith(hook, reorderPass, x!), msg: [new RegExp(hook), /reorderPass/, /lint|topolog/i] },
  { entry: `config.${hook}`, what: "a pass that changes the output count", inputs: X, run: ([x]) => compileWith(hook, outputCountPass, x!), msg: [new RegExp(hook), /outputCountPass/, /output/] },
]);

runBadCases("compile", compileCases);
runBadCases("inductor config", configCases);
runBadCases("pattern matcher API", pmCases);
runBadCases("pass hooks", hookCases);
export const badInputCompileCaseCount = compileCases.length + configCases.length + pmCases.length + hookCases.length;
