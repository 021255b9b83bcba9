// inductor/ir/index: the loop-level IR's public surface (indexing, ops handler, layouts, nodes, views,
// TensorBox/StorageBox, V.graph). In: nothing. Out: re-exports.

export * from "./indexing.js";
export * from "./ops.js";
export * from "./layout.js";
export * from "./nodes.js";
export * from "./views.js";
export * from "./tensor_box.js";
export { V, type GraphContext } from "./virtualized.js";
