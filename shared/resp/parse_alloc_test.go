package resp_test

import (
	"testing"

	"lattice/shared/resp"
)

// The hot path of a RESP server is parse GET/SET, append the reply; none
// of it may allocate (STYLE R12). Not parallel: AllocsPerRun counts
// allocations process-wide.
func TestAllocs(t *testing.T) {
	set := []byte("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")
	get := []byte("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
	inline := []byte("GET key\r\n")
	reply := []byte("$5\r\nvalue\r\n")
	args := make([][]byte, 0, 8)
	out := make([]byte, 0, 64)
	tests := []struct {
		name string
		fn   func()
	}{
		{name: "parse set", fn: func() { args, _, _ = resp.ParseInto(args, set, resp.Limits{}) }},
		{name: "parse get", fn: func() { args, _, _ = resp.ParseInto(args, get, resp.Limits{}) }},
		{name: "parse inline get", fn: func() { args, _, _ = resp.ParseInto(args, inline, resp.Limits{}) }},
		{name: "append get reply", fn: func() { out = resp.AppendBulk(out[:0], args[0]) }},
		{name: "append set reply", fn: func() { out = resp.AppendSimple(out[:0], "OK") }},
		{name: "append null", fn: func() { out = resp.AppendNull(out[:0], 2) }},
		{name: "append double", fn: func() { out = resp.AppendDouble(out[:0], 1.5, 3) }},
		{name: "read bulk reply", fn: func() { _, _, _ = resp.ReadReply(reply) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, tt.fn); got != 0 {
				t.Errorf("%s: %v allocations per run, want 0", tt.name, got)
			}
		})
	}
}
