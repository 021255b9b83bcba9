// frontend/loss: torch-level loss functions and Tensor methods. In: tensors. Out: tensors.

export {};
