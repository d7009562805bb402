package engine

// setCommands: sets (SEMANTICS.md A4, B7).
var setCommands = []command{}
