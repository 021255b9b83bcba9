// Golden tests for embedding and loss ops against PyTorch fixtures (tools/golden/specs/loss.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("loss");
