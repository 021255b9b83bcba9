// Golden tests for the pointwise family against PyTorch fixtures (tools/golden/specs/pointwise.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("pointwise");
