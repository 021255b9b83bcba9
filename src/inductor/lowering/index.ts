// inductor/lowering/index: loads every lowering family into the shared `lowerings` table (side effects
// of importing the family files). In: nothing. Out: the table filled; the helpers lowerings use.

import "./pointwise.js";
import "./views.js";
import "./creation.js";
import "./reductions.js";
import "./softmax_norm.js";
import "./extern.js";
import "./piecewise.js";
import "./pooling.js";
import "./misc.js";
import "./norm_backward.js";
import "./norm_training.js";
import "./losses.js";
import "./pool_pad.js";
import "./backward.js";
import "./indexing.js";
import "./scans.js";
import "./random.js";
import "./index_math.js";

export { bindLowered, fallback, externCall, lower, makePointwise, mathPointwise, type Bound, type Lowered } from "./common.js";
export { makeReduction } from "./reductions.js";
