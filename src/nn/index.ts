// nn/index: public API of the nn stage (coil.nn): Module, Parameter, layers, containers,
// nn.functional and nn.init. In: see the stage's files. Out: its exports.

export { Module, Parameter, copyInto, torchKeyToCoil, type StateDict, type RemovableHandle, type ForwardHook, type ForwardPreHook } from "./module.js";
export {
  Linear, Bilinear, Identity, ReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax, Flatten, Dropout, Embedding,
  Sequential, ModuleList, ModuleDict,
} from "./layers.js";
export { Conv1d, Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type ConvOptions } from "./conv.js";
export { LayerNorm, BatchNorm1d, BatchNorm2d, GroupNorm, type BatchNormOptions } from "./norm.js";
export { MultiheadAttention, TransformerEncoderLayer, type MhaOptions, type MhaForwardOptions, type EncoderLayerOptions } from "./transformer.js";
export * as functional from "./functional.js";
export * as init from "./init.js";
