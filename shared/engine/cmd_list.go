package engine

// listCommands: filled in by the list family.
var listCommands = []command{}
