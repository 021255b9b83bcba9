// optim/index: public API of the optim stage (coil.optim): SGD, Adam, AdamW and the Optimizer base.
// In: see the stage's files. Out: its exports.

export { Optimizer, type ParamGroup, type ParamGroupSpec, type ParamsArg } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
