package engine

import (
	"maps"
	"slices"
)

// sortedKeys returns a map's keys in order: output never depends on Go's
// randomized map iteration (STYLE R4.4).
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
