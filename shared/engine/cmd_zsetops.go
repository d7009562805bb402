package engine

// zsetOpCommands: filled in by the zsetops family.
var zsetOpCommands = []command{}
