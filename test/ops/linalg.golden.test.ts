// Golden tests for matrix products against PyTorch fixtures (tools/golden/specs/linalg.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("linalg");
