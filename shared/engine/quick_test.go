package engine

import (
	"strings"
	"testing"

	"lattice/shared/causal"
)

func newTestReplica(t *testing.T, b byte) *Replica {
	t.Helper()
	r, err := New(causal.ReplicaID{15: b}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func doStr(t *testing.T, r *Replica, now int64, cmd string) (Reply, *Delta) {
	t.Helper()
	var args [][]byte
	for _, f := range strings.Fields(cmd) {
		args = append(args, []byte(f))
	}
	rep, d, err := r.Do(now, args)
	if err != nil {
		t.Fatal(err)
	}
	return rep, d
}

func TestQuick(t *testing.T) {
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	const sec = int64(1e9)
	now := int64(1_700_000_000) * sec
	_, d1 := doStr(t, a, now, "INCRBY c 7")
	_, d2 := doStr(t, b, now, "INCRBY c 3")
	if err := a.Merge(now, d2); err != nil {
		t.Fatal(err)
	}
	if err := b.Merge(now, d1); err != nil {
		t.Fatal(err)
	}
	ra, _ := doStr(t, a, now, "GET c")
	rb, _ := doStr(t, b, now, "GET c")
	if string(ra.Str) != "10" || string(rb.Str) != "10" {
		t.Fatalf("got %q %q", ra.Str, rb.Str)
	}
	_, d1 = doStr(t, a, now+sec, "DECRBY c 3")
	_, d2 = doStr(t, b, now+sec, "INCRBY c 6")
	if err := a.Merge(now+4*sec, d2); err != nil {
		t.Fatal(err)
	}
	if err := b.Merge(now+4*sec, d1); err != nil {
		t.Fatal(err)
	}
	ra, _ = doStr(t, a, now, "GET c")
	rb, _ = doStr(t, b, now, "GET c")
	if string(ra.Str) != "13" || string(rb.Str) != "13" {
		t.Fatalf("got %q %q", ra.Str, rb.Str)
	}
	// SET 100 || INCRBY 5 -> 105
	_, d1 = doStr(t, a, now+2*sec, "SET c 100")
	_, d2 = doStr(t, b, now+3*sec, "INCRBY c 5")
	if err := a.Merge(now+4*sec, d2); err != nil {
		t.Fatal(err)
	}
	if err := b.Merge(now+4*sec, d1); err != nil {
		t.Fatal(err)
	}
	ra, _ = doStr(t, a, now, "GET c")
	rb, _ = doStr(t, b, now, "GET c")
	if string(ra.Str) != "105" || string(rb.Str) != "105" {
		t.Fatalf("got %q %q", ra.Str, rb.Str)
	}
	r, _ := doStr(t, a, now, "INCRBYFLOAT f 0.1")
	r, _ = doStr(t, a, now, "INCRBYFLOAT f 0.2")
	t.Logf("float %s", r.Str)
	r, _ = doStr(t, a, now, "INCRBYFLOAT f 1000.1")
	t.Logf("float %s", r.Str)
	r, _ = doStr(t, a, now, "GET f")
	t.Logf("float get %s", r.Str)
}

func TestQuickEncode(t *testing.T) {
	a := newTestReplica(t, 1)
	now := int64(1_700_000_000) * 1e9
	_, d := doStr(t, a, now, "SET k v")
	b, err := EncodeDelta(d)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := DecodeDelta(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := EncodeDelta(d2)
	if string(b) != string(b2) {
		t.Fatal("round trip differs")
	}
	t.Logf("SET delta: %d bytes", len(b))
}

// lineArgs splits a command line at spaces; a double-quoted word may hold
// spaces or be empty. No escapes: Go string literals carry binary bytes.
func lineArgs(line string) [][]byte {
	var args [][]byte
	for i := 0; i < len(line); {
		switch {
		case line[i] == ' ':
			i++
		case line[i] == '"':
			j := strings.IndexByte(line[i+1:], '"')
			args = append(args, []byte(line[i+1:i+1+j]))
			i += j + 2
		default:
			j := strings.IndexByte(line[i:], ' ')
			if j < 0 {
				j = len(line) - i
			}
			args = append(args, []byte(line[i:i+j]))
			i += j
		}
	}
	return args
}
