// Golden tests for 2-d pooling ops against PyTorch fixtures (tools/golden/specs/pool.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("pool");
