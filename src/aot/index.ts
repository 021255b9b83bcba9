// aot/index: public API of the aot stage. In: see the stage's files. Out: its exports.

export {};
