//go:build race

package meshe2e

const raceEnabled = true
