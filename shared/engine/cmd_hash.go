package engine

// hashCommands: hashes (SEMANTICS.md A5).
var hashCommands = []command{}
