// frontend/random: torch-level random functions and Tensor methods. In: tensors. Out: tensors.

export {};
