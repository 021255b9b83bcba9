// Golden tests for aten.convolution / convolution_backward against PyTorch fixtures (tools/golden/specs/conv.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("conv");
