package engine

// geoCommands: filled in by the geo family.
var geoCommands = []command{}
