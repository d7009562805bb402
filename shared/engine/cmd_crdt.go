package engine

// crdtCommands: filled in by the crdt family.
var crdtCommands = []command{}
