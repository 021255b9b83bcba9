// Golden tests for indexing ops against PyTorch fixtures (tools/golden/specs/index.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("index");
