// Golden tests for reductions, scans, softmax, sort and topk against PyTorch fixtures (tools/golden/specs/reduction.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("reduction");
