// optim/index: public API of the optim stage. In: see the stage's files. Out: its exports.

export {};
