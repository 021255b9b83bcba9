// Golden tests for the seed's ops against PyTorch fixtures (tools/golden/specs/seed.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("seed");
