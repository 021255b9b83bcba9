// inductor/register: registers the "inductor" compile backend with dynamo and installs the eager Wasm
// accelerator in the ops dispatcher (inductor/eager). In: nothing. Out: side effects on dynamo's backend
// registry and on the dispatcher's accelerator hook.

import { registerBackend } from "../dynamo/backends.js";
import { compileFx } from "./compile_fx.js";
import { installEagerWasm } from "./eager/index.js";

registerBackend("inductor", compileFx as never);
installEagerWasm();
