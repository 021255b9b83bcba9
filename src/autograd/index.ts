// autograd/index: public autograd API (backward, grad, grad modes, gradcheck). Importing it installs the
// autograd dispatch layer. In: tensors. Out: gradients.

import "./node.js";
export { backward, grad, registerNonLeafHook, type BackwardOptions } from "./engine.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./grad_mode.js";
export { Node, AccumulateGrad, OpBackward } from "./node.js";
export { gradcheck, gradgradcheck, type GradcheckOptions } from "./gradcheck.js";
