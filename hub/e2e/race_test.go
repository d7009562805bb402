//go:build race

package e2e

// raceEnabled builds the hub under test with -race too, so that `go test
// -race` checks the hub process, not only the test.
const raceEnabled = true
