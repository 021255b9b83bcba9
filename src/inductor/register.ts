// inductor/register: registers the "inductor" compile backend with dynamo. In: nothing.
// Out: a side effect on dynamo's backend registry.

import { registerBackend } from "../dynamo/backends.js";
import { compileFx } from "./compile_fx.js";

registerBackend("inductor", compileFx as never);
