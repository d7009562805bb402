package engine

// hllCommands: filled in by the hll family.
var hllCommands = []command{}
