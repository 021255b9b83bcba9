// frontend/norm: torch-level norm functions and Tensor methods. In: tensors. Out: tensors.

export {};
