// Golden tests for views and data movement against PyTorch fixtures (tools/golden/specs/shape.py).
import { runGoldenFamily } from "../golden/harness.js";

// torch 1.13's CPU padding kernels lack bfloat16; coil supports it (checked in shape_ops.test.ts).
const noBf16Pad = "PyTorch 1.13 has no bfloat16 CPU padding kernel; coil implements it";
runGoldenFamily("shape", {
  skip: {
    "reflection_pad1d-bfloat16": noBf16Pad, "reflection_pad2d-bfloat16": noBf16Pad,
    "replication_pad1d-bfloat16": noBf16Pad, "replication_pad2d-bfloat16": noBf16Pad,
  },
});
