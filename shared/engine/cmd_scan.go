package engine

// scanCommands: SCAN, HSCAN, SSCAN (cursor iteration).
var scanCommands = []command{}
