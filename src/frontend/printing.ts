// frontend/printing: torch-level printing functions and Tensor methods. In: tensors. Out: tensors.

export {};
