package engine

import (
	goflag "flag"
	"os"
	"testing"
)

// TestMain turns on fastEncodeCheck: every delta any engine test encodes
// (scenarios, simulator, laws, fuzz seeds) is encoded by both encoders and
// must come out byte for byte the same. Benchmarks run without it, so that
// they measure the encoder the hub uses.
func TestMain(m *testing.M) {
	goflag.Parse()
	if f := goflag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		fastEncodeCheck = true
	}
	os.Exit(m.Run())
}
