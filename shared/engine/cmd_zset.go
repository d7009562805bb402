package engine

// zsetCommands: filled in by the zset family.
var zsetCommands = []command{}
