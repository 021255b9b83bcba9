// dynamo/index: public API of the dynamo stage. In: see the stage's files. Out: its exports.

export {};
