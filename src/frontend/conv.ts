// frontend/conv: torch-level conv functions and Tensor methods. In: tensors. Out: tensors.

export {};
