// frontend/indexing: torch-level indexing functions and Tensor methods. In: tensors. Out: tensors.

export {};
