// inductor/codegen/index: one post-grad graph to a CompiledArtifact: lower (GraphLowering), schedule and
// fuse (Scheduler, with the pre/post-fusion hooks), generate the module with the device's codegen (from the
// backend registry, default: the JavaScript backend for "cpu"). In: a GraphModule and its compile info.
// Out: the artifact (source, constants, meta), ready for runtime/loadArtifact or the cache.

import type { Tensor } from "../../tensor/tensor.js";
import type { GraphModule } from "../../fx/index.js";
import type { CompiledGraph, GraphCompileInfo } from "../../aot/index.js";
import { bump } from "../../utils/counters.js";
import { log } from "../../utils/logging.js";
import { devicesInGraph } from "../fx_passes/post_grad.js";
import { config } from "../config.js";
import { getBackendForDevice } from "../backend_registry.js";
import { GraphLowering } from "../graph_lowering.js";
import { Scheduler, type PostFusionPass, type PreFusionPass } from "../scheduler/index.js";
import "../lowering/index.js";
import "../runtime/index.js";
import type { CompiledArtifact } from "./artifact.js";
import type { DeviceCodegen, KernelCodegen, WrapperCodegen } from "./device.js";
import { jsCodegen } from "./js/index.js";
import { wasmCodegen } from "./wasm/index.js";

const BUILTIN: Record<string, Record<string, DeviceCodegen>> = { cpu: { js: jsCodegen, wasm: wasmCodegen } };

/** The codegen for a device: the registered scheduling/wrapper codegens, else the built-in one. */
export function deviceCodegen(device: string): DeviceCodegen {
  const builtin = BUILTIN[device]?.[device === "cpu" ? config.cpuBackend : "js"];
  if (!builtin) throw new Error(`codegen: no code generator for device '${device}'`);
  const rec = getBackendForDevice(device);
  // the registry's default "cpu" entry is the JS pair: it stands for "the built-in one" (config.cpuBackend)
  const registered = <T>(r: T | null | undefined, js: T): T | null => (r && r !== js ? r : null);
  return {
    format: builtin.format,
    scheduling: registered(rec?.scheduling as KernelCodegen | null, jsCodegen.scheduling) ?? builtin.scheduling,
    wrapper: registered(rec?.wrapperCodegen as WrapperCodegen | null, jsCodegen.wrapper) ?? builtin.wrapper,
  };
}

/** Lower, schedule and generate code for one graph. */
export function compileToArtifact(gm: GraphModule, info: Pick<GraphCompileInfo, "kind">, device = "cpu"): CompiledArtifact {
  const graph = new GraphLowering(gm).run();
  const scheduler = new Scheduler(graph, {
    fusion: true,
    preFusion: config.preFusionCustomPass as PreFusionPass | null,
    postFusion: config.postFusionCustomPass as PostFusionPass | null,
  }).run();
  const cg = deviceCodegen(device);
  const header = `// coil inductor output code: ${info.kind} graph, device ${device}, format ${cg.format}`;
  const { source, meta } = cg.wrapper.generate(graph, scheduler, cg.scheduling, header);
  return {
    format: cg.format,
    source,
    constants: graph.constants,
    inputIndices: graph.placeholderNames.map((_, i) => i),
    meta: { ...meta, kind: info.kind, device },
  };
}

/**
 * compile_fx's code generation step: the artifact for the graph, or, when this backend cannot generate
 * code for it (a device without codegen, an internal error), the graph itself run eagerly, logged and
 * counted in counters.inductor.codegen_fallback. `COIL_LOGS=output_code` prints the generated module.
 */
export function codegenGraph(gm: GraphModule, info: Pick<GraphCompileInfo, "kind">): CompiledArtifact | CompiledGraph {
  const devices = devicesInGraph(gm);
  try {
    if (devices.length !== 1 || devices[0] !== "cpu") throw new Error(`codegen: devices [${devices.join(", ")}] have no code generator (only "cpu")`);
    const artifact = compileToArtifact(gm, info, "cpu");
    log("output_code", () => artifact.source);
    for (const c of collectors) c.push(artifact);
    return artifact;
  } catch (err) {
    bump("inductor", "codegen_fallback");
    const msg = err instanceof Error ? err.message : String(err);
    log("inductor", `codegen: running the ${info.kind} graph eagerly: ${msg}`);
    log("output_code", () => `// ${info.kind} graph (eager fx fallback: ${msg})\n${gm.code}`);
    return (args: Tensor[]) => {
      const r = gm.forward(...args);
      return Array.isArray(r) ? r : [r];
    };
  }
}

const collectors: CompiledArtifact[][] = [];

/**
 * PyTorch's run_and_get_code: run fn with the FX graph cache off and return the artifacts generated
 * meanwhile (source, meta: kernel count, extern calls, fallbacks), with fn's result.
 */
export function runAndGetArtifacts<R>(fn: () => R): { result: R; artifacts: CompiledArtifact[] } {
  const artifacts: CompiledArtifact[] = [];
  collectors.push(artifacts);
  try {
    const result = config.patch({ fxGraphCache: false }, fn);
    return { result, artifacts };
  } finally {
    collectors.splice(collectors.indexOf(artifacts), 1);
  }
}
