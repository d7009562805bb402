package engine

import (
	"fmt"
	"strings"
	"testing"
)

// hlElems returns n elements "<prefix>0" .. "<prefix>n-1" joined by
// blanks, for command lines.
func hlElems(prefix string, n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return strings.Join(out, " ")
}

// hlSeed writes a key of every other type (white-box for the sorted set,
// whose commands live elsewhere).
func hlSeed(t *testing.T) *Replica {
	t.Helper()
	r := newTestReplica(t, 1)
	ktWrite(r, ktNow, func(c *call) {
		c.setString("str", []byte("v"), false)
		c.setString("num", []byte("12"), false)
		c.setString("empty", nil, false)
		c.hset("h", "f", []byte("v"))
		c.sadd("s", "a")
		c.push("l", true, []byte("a"))
		c.zadd("z", "a", 1)
	})
	return r
}

// TestHLLCommands runs PFADD, PFCOUNT and PFMERGE scripts; every reply was
// checked against redis-server 7.0.15.
func TestHLLCommands(t *testing.T) {
	t.Parallel()
	scripts := []struct{ name, script string }{
		{"pfadd and pfcount", `
PFADD h1	:1
PFADD h1	:0
EXISTS h1	:1
TYPE h1	+string
PFCOUNT h1	:0
PFADD h2 a b c	:1
PFADD h2 a	:0
PFADD h2 a d	:1
PFADD h2 a a d d	:0
PFCOUNT h2	:4
PFCOUNT h2 h1	:4
PFCOUNT nokey	:0
PFCOUNT nokey h2 nokey2	:4
PFCOUNT nokey nokey2	:0
EXISTS nokey	:0
PFADD hx ""	:1
PFCOUNT hx	:1
pfadd h2 e	:1
PfCount h2	:5
`},
		{"pfmerge", `
PFADD h2 a b c d	:1
PFMERGE dst	+OK
EXISTS dst	:1
TYPE dst	+string
PFCOUNT dst	:0
PFMERGE dst2 h2 nokey	+OK
PFCOUNT dst2	:4
PFMERGE dst2 h2	+OK
PFADD other c d e f	:1
PFMERGE dst2 other	+OK
PFCOUNT dst2	:6
PFCOUNT h2	:4
PFMERGE h2 h2	+OK
PFCOUNT h2 other	:6
PFMERGE nokey3 nokey	+OK
EXISTS nokey3	:1
`},
		{"wrong types", `
PFADD str a	-WRONGTYPE Key is not a valid HyperLogLog string value.
PFADD num a	-WRONGTYPE Key is not a valid HyperLogLog string value.
PFADD empty	-WRONGTYPE Key is not a valid HyperLogLog string value.
PFADD h a	-WRONGTYPE Operation against a key holding the wrong kind of value
PFADD s a	-WRONGTYPE Operation against a key holding the wrong kind of value
PFADD l	-WRONGTYPE Operation against a key holding the wrong kind of value
PFADD z a	-WRONGTYPE Operation against a key holding the wrong kind of value
PFADD hll a	:1
PFCOUNT str	-WRONGTYPE Key is not a valid HyperLogLog string value.
PFCOUNT z	-WRONGTYPE Operation against a key holding the wrong kind of value
PFCOUNT hll str	-WRONGTYPE Key is not a valid HyperLogLog string value.
PFCOUNT hll z	-WRONGTYPE Operation against a key holding the wrong kind of value
PFCOUNT str z	-WRONGTYPE Key is not a valid HyperLogLog string value.
PFCOUNT z str	-WRONGTYPE Operation against a key holding the wrong kind of value
PFMERGE str hll	-WRONGTYPE Key is not a valid HyperLogLog string value.
PFMERGE z hll	-WRONGTYPE Operation against a key holding the wrong kind of value
PFMERGE new str	-WRONGTYPE Key is not a valid HyperLogLog string value.
PFMERGE new hll h	-WRONGTYPE Operation against a key holding the wrong kind of value
PFMERGE num hll	-WRONGTYPE Key is not a valid HyperLogLog string value.
EXISTS new	:0
GET str	"v"
`},
		{"arity", `
PFADD	-ERR wrong number of arguments for 'pfadd' command
PFCOUNT	-ERR wrong number of arguments for 'pfcount' command
PFMERGE	-ERR wrong number of arguments for 'pfmerge' command
`},
		{"expired key starts over", `
PFADD hk a b	:1
PEXPIRE hk 100	:1
@+200
PFCOUNT hk	:0
PFCOUNT hk nokey	:0
EXISTS hk	:0
PFADD hk c	:1
PFCOUNT hk	:1
TTL hk	:-1
PEXPIRE hk 100	:1
@+200
PFMERGE hk	+OK
PFCOUNT hk	:0
TTL hk	:-1
`},
		{"counts as redis", `
PFADD big1 ` + hlElems("e", 1) + `	:1
PFCOUNT big1	:1
PFADD big10 ` + hlElems("e", 10) + `	:1
PFCOUNT big10	:10
PFADD big100 ` + hlElems("e", 100) + `	:1
PFCOUNT big100	:100
PFADD big1000 ` + hlElems("e", 1000) + `	:1
PFCOUNT big1000	:1008
PFADD d ` + hlElems("x", 10000) + `	:1
PFCOUNT d	:10066
PFCOUNT d big1000	:11052
PFMERGE m d big1000	+OK
PFCOUNT m	:11052
PFADD d x1 x2	:0
PFMERGE big10 big1000	+OK
PFCOUNT big10	:1008
`},
	}
	for _, tt := range scripts {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ktRun(t, hlSeed(t), ktNow, tt.script)
		})
	}
}

// TestHLLInfo checks the table against COMMAND INFO of redis-server 7.0.15.
func TestHLLInfo(t *testing.T) {
	t.Parallel()
	hsCheckInfo(t, hllCommands, []hsInfo{
		{name: "pfadd", arity: -2, flags: flagWrite | flagFast},
		{name: "pfcount", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, step: 1},
		{name: "pfmerge", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1},
	})
}

// hlDeltaRegs returns the number of registers that the HLL writes of
// delta d carry for key.
func hlDeltaRegs(t *testing.T, d *Delta, key string) int {
	t.Helper()
	if d == nil || d.Keys[key] == nil || d.Keys[key].HLL == nil {
		t.Fatalf("no HLL write of %s in %+v", key, d)
	}
	n := 0
	for _, e := range d.Keys[key].HLL.Entries {
		n += e.Regs.NonZero()
	}
	return n
}

// TestHLLDeltas checks that writes carry only the registers they raise
// and that commands that change nothing write nothing.
func TestHLLDeltas(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	_, d := ktDo(t, r, ktNow, "PFADD h a b c")
	if n := hlDeltaRegs(t, d, "h"); n != 3 {
		t.Errorf("PFADD of 3 elements carries %d registers", n)
	}
	_, d = ktDo(t, r, ktNow, "PFADD h a b d")
	if n := hlDeltaRegs(t, d, "h"); n != 1 {
		t.Errorf("PFADD raising 1 register carries %d", n)
	}
	_, d = ktDo(t, r, ktNow, "PFADD o "+hlElems("x", 50))
	_, d = ktDo(t, r, ktNow, "PFMERGE h o")
	if n, want := hlDeltaRegs(t, d, "h"), 50; n > want || n == 0 {
		t.Errorf("PFMERGE carries %d registers, want 1 to %d", n, want)
	}
	_, d = ktDo(t, r, ktNow, "PFADD e")
	if n := hlDeltaRegs(t, d, "e"); n != 0 {
		t.Errorf("PFADD of nothing on a new key carries %d registers", n)
	}
	for _, cmd := range []string{"PFADD h a", "PFADD h", "PFMERGE h o", "PFMERGE h", "PFCOUNT h o", "PFCOUNT h", "PFADD e"} {
		if got, d := ktDo(t, r, ktNow, cmd); d != nil {
			t.Errorf("%s (%s) wrote a delta", cmd, got)
		}
	}
}

// TestHLLConverge covers SEMANTICS.md A9 and the reference's §9 tables
// (scenarios 34-37): adds merge register-wise, DEL wins over concurrent
// PFADD, PFMERGE and EXPIRE. Deltas travel through the wire encoding.
func TestHLLConverge(t *testing.T) {
	t.Parallel()
	finals := []string{"PFCOUNT h", "EXISTS h", "TYPE h", "TTL h", "PFCOUNT other"}
	tests := []struct {
		name  string
		steps []zoStep
	}{
		{name: "simple write (9.1)", steps: []zoStep{
			{on: "a", cmd: "PFADD h x", want: ":1"},
			{on: "sync"},
			{on: "b", cmd: "PFADD h y", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "PFCOUNT h", want: ":2"},
			{on: "b", cmd: "PFCOUNT h", want: ":2"},
		}},
		{name: "concurrent add (9.2)", steps: []zoStep{
			{on: "a", cmd: "PFADD h x", want: ":1"},
			{on: "b", cmd: "PFADD h y", want: ":1"},
			{on: "a", cmd: "PFCOUNT h", want: ":1"},
			{on: "b", cmd: "PFCOUNT h", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "PFCOUNT h", want: ":2"},
			{on: "b", cmd: "PFCOUNT h", want: ":2"},
		}},
		{name: "del wins over pfadd (9.3)", steps: []zoStep{
			{on: "a", cmd: "PFADD h e1", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "PFCOUNT h", want: ":1"},
			{on: "b", cmd: "PFCOUNT h", want: ":1"},
			{on: "a", cmd: "PFADD h e2", want: ":1"},
			{on: "b", cmd: "DEL h", want: ":1"},
			{on: "a", cmd: "PFCOUNT h", want: ":2"},
			{on: "b", cmd: "PFCOUNT h", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "PFCOUNT h", want: ":0"},
			{on: "b", cmd: "PFCOUNT h", want: ":0"},
			{on: "a", cmd: "EXISTS h", want: ":0"},
			{on: "b", cmd: "EXISTS h", want: ":0"},
		}},
		{name: "del wins over pfadd creating the key", steps: []zoStep{
			{on: "a", cmd: "PFADD h e1"},
			{on: "sync"},
			{on: "b", cmd: "DEL h", want: ":1"},
			{on: "a", cmd: "DEL h", want: ":1"},
			{on: "a", cmd: "PFADD h e2", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "EXISTS h", want: ":0"},
			{on: "b", cmd: "EXISTS h", want: ":0"},
		}},
		{name: "del wins over pfmerge (37)", steps: []zoStep{
			{on: "a", cmd: "PFADD h e1"},
			{on: "a", cmd: "PFADD other e2 e3"},
			{on: "sync"},
			{on: "a", cmd: "PFMERGE h other", want: "+OK"},
			{on: "a", cmd: "PFCOUNT h", want: ":3"},
			{on: "b", cmd: "DEL h", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "EXISTS h", want: ":0"},
			{on: "b", cmd: "EXISTS h", want: ":0"},
			{on: "b", cmd: "PFCOUNT other", want: ":2"},
		}},
		{name: "del wins over expire (37)", steps: []zoStep{
			{on: "a", cmd: "PFADD h e1"},
			{on: "sync"},
			{on: "a", cmd: "EXPIRE h 100", want: ":1"},
			{on: "b", cmd: "DEL h", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "EXISTS h", want: ":0"},
			{on: "b", cmd: "EXISTS h", want: ":0"},
			{on: "a", cmd: "PFADD h e2", want: ":1"},
			{on: "sync"},
			{on: "b", cmd: "PFCOUNT h", want: ":1"},
			{on: "b", cmd: "TTL h", want: ":-1"},
		}},
		{name: "writes after a seen del survive", steps: []zoStep{
			{on: "a", cmd: "PFADD h e1"},
			{on: "sync"},
			{on: "b", cmd: "DEL h", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "PFADD h e2", want: ":1"},
			{on: "b", cmd: "PFADD h e3", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "PFCOUNT h", want: ":2"},
			{on: "b", cmd: "PFCOUNT h", want: ":2"},
		}},
		{name: "pfmerge and pfadd merge", steps: []zoStep{
			{on: "a", cmd: "PFADD other " + hlElems("o", 100)},
			{on: "a", cmd: "PFADD h " + hlElems("x", 100)},
			{on: "sync"},
			{on: "a", cmd: "PFMERGE h other", want: "+OK"},
			{on: "b", cmd: "PFADD h " + hlElems("y", 100), want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "PFCOUNT other h", want: ":300"},
			{on: "b", cmd: "PFCOUNT h", want: ":300"},
		}},
		{name: "concurrent pfmerge creating the destination", steps: []zoStep{
			{on: "a", cmd: "PFADD other a b"},
			{on: "sync"},
			{on: "a", cmd: "PFMERGE h other", want: "+OK"},
			{on: "b", cmd: "PFMERGE h", want: "+OK"},
			{on: "sync"},
			{on: "a", cmd: "PFCOUNT h", want: ":2"},
			{on: "b", cmd: "EXISTS h", want: ":1"},
		}},
		{name: "pfadd vs concurrent set: the later type wins", steps: []zoStep{
			{on: "a", cmd: "SET h v"},
			{on: "b", cmd: "PFADD h x", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "TYPE h", want: "+string"},
			{on: "a", cmd: "PFCOUNT h", want: ":1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			zoScript(t, tt.steps, finals)
		})
	}
}
