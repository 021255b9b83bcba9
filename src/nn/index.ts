// nn/index: public API of the nn stage. In: see the stage's files. Out: its exports.

export {};
