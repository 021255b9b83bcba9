// inductor/codegen/device: the per-device code generation interface (Inductor's per-device Scheduling and
// WrapperCodegen pair). A backend supplies a kernel codegen (one FusedGroup -> kernel source + parameters)
// and a wrapper codegen (the whole module: kernels, call(args)), and names the artifact format its runtime
// loads. The JavaScript backend implements it today; a WebAssembly backend plugs in behind the same
// interface (config.cpuBackend). In: nothing (types). Out: the interface types.

import type { Buffer } from "../ir/nodes.js";
import type { FusedGroup, Scheduler } from "../scheduler/index.js";
import type { GraphLowering } from "../graph_lowering.js";

export interface GeneratedKernel {
  /** Kernel source with the placeholder name KERNEL; identical sources are one kernel. */
  source: string;
  /** Buffer names bound to the kernel's parameters, in order. */
  args: string[];
  /** Buffers the kernel stores to memory (the wrapper allocates them first). */
  writes: string[];
}

export interface KernelCodegen {
  /** `localArrays`: buffers the kernel keeps one inner-loop row of, privately (see Scheduler.localArrays). */
  generateKernel(group: FusedGroup, stored: ReadonlySet<string>, bufferOf: (name: string) => Buffer, localArrays?: ReadonlySet<string>): GeneratedKernel;
}

export interface ModuleMeta {
  kernels: number;
  kernelNames: string[];
  kernelCalls: number;
  externCalls: string[];
  fallbacks: string[];
  buffersAllocated: number;
  buffersReused: number;
}

export interface WrapperCodegen {
  generate(graph: GraphLowering, scheduler: Scheduler, kernels: KernelCodegen, header: string): { source: string; meta: ModuleMeta };
}

/** What a device registers: its codegens and the artifact format its runtime loads. */
export interface DeviceCodegen {
  format: string;
  scheduling: KernelCodegen;
  wrapper: WrapperCodegen;
}
