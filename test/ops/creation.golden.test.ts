// Golden tests for creation ops against PyTorch fixtures (tools/golden/specs/creation.py).
import { runGoldenFamily } from "../golden/harness.js";

runGoldenFamily("creation", {
  skip: { "full-bool": "torch 1.13's aten.full infers int64 from a bool fill; coil follows torch.full / newer PyTorch (bool)" },
});
