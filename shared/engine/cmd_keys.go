package engine

// keyCommands: the generic keyspace commands and expiry (A8, A10, B5, B7, B8).
var keyCommands = []command{}
