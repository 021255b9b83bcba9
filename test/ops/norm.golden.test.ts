// Golden tests for layer/batch/group norm and their backward ops against PyTorch fixtures (tools/golden/specs/norm.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("norm");
