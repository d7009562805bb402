package engine

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"lattice/shared/crdt"
)

// zoSeed writes the inputs of every sorted-set algebra case white-box, so
// these tests do not depend on ZADD: sorted sets z1, z2, zn (zeros and
// infinities), A to D (scores chosen so that the order of addition shows),
// a set s1, and keys of other types.
func zoSeed(c *call) {
	zs := []struct {
		key    string
		member []string
		score  []float64
	}{
		{"z1", []string{"a", "b", "c"}, []float64{1, 2, 3}},
		{"z2", []string{"b", "c", "d"}, []float64{10, 20, 30}},
		{"zn", []string{"a", "b", "c", "d"}, []float64{0, -5, math.Inf(1), math.Inf(-1)}},
		{"A", []string{"m", "p"}, []float64{1, 0}},
		{"B", []string{"m"}, []float64{1e16}},
		{"C", []string{"m"}, []float64{1}},
		{"D", []string{"m"}, []float64{-1e16}},
	}
	for _, z := range zs {
		for i, m := range z.member {
			c.zadd(z.key, m, z.score[i])
		}
	}
	for _, m := range []string{"a", "d", "x"} {
		c.sadd("s1", m)
	}
	c.setString("str", []byte("v"), false)
	c.push("l", true, []byte("x"))
	c.hset("h", "f", []byte("v"))
}

// zoDump lists the visible entries of sorted set key as "m=score" words,
// "(none)" when it does not exist as a sorted set.
func zoDump(r *Replica, now int64, key string) string {
	k, _ := r.newCall(now, nil).lookupType(key, TypeZSet)
	if k == nil {
		return "(none)"
	}
	var out []string
	for _, e := range k.zidx.RangeByRank(nil, 0, -1, false) {
		out = append(out, e.Member+"="+string(crdt.AppendScore(nil, e.Score)))
	}
	return strings.Join(out, " ")
}

// zoCase is one command on the seeded replica: its reply (hsText form,
// RESP2 shapes) and, when dump is set, the entries of that key afterwards.
type zoCase struct {
	name, cmd, want string
	dump, dumpWant  string
}

const zoSyntax = "-ERR syntax error"

var zoCases = []zoCase{
	// numkeys
	{name: "numkeys zero", cmd: "ZUNIONSTORE out 0 z1", want: "-ERR at least 1 input key is needed for 'zunionstore' command"},
	{name: "numkeys negative", cmd: "ZUNIONSTORE out -1 z1", want: "-ERR at least 1 input key is needed for 'zunionstore' command"},
	{name: "numkeys zero zinterstore", cmd: "ZINTERSTORE out 0 z1", want: "-ERR at least 1 input key is needed for 'zinterstore' command"},
	{name: "numkeys zero zdiffstore", cmd: "ZDIFFSTORE out 0 z1", want: "-ERR at least 1 input key is needed for 'zdiffstore' command"},
	{name: "numkeys zero zunion", cmd: "zunion 0 z1", want: "-ERR at least 1 input key is needed for 'zunion' command"},
	{name: "numkeys zero zinter", cmd: "ZINTER 0 z1", want: "-ERR at least 1 input key is needed for 'zinter' command"},
	{name: "numkeys zero zdiff", cmd: "ZDIFF 0 z1", want: "-ERR at least 1 input key is needed for 'zdiff' command"},
	{name: "numkeys zero zintercard", cmd: "ZINTERCARD 0 z1", want: "-ERR at least 1 input key is needed for 'zintercard' command"},
	{name: "numkeys not a number", cmd: "ZUNIONSTORE out abc z1", want: "-ERR value is not an integer or out of range"},
	{name: "numkeys overflow", cmd: "ZUNION 99999999999999999999999 z1", want: "-ERR value is not an integer or out of range"},
	{name: "numkeys not a number zintercard", cmd: "ZINTERCARD abc z1", want: "-ERR value is not an integer or out of range"},
	{name: "numkeys above keys", cmd: "ZUNIONSTORE out 3 z1 z2", want: zoSyntax},
	{name: "numkeys huge", cmd: "ZINTER 99999999999999 z1 z2", want: zoSyntax},
	{name: "numkeys above keys zintercard", cmd: "ZINTERCARD 3 z1 z2", want: zoSyntax},

	// arity
	{name: "arity zunionstore", cmd: "ZUNIONSTORE out 1", want: "-ERR wrong number of arguments for 'zunionstore' command"},
	{name: "arity zdiffstore", cmd: "ZDIFFSTORE out", want: "-ERR wrong number of arguments for 'zdiffstore' command"},
	{name: "arity zunion", cmd: "ZUNION 1", want: "-ERR wrong number of arguments for 'zunion' command"},
	{name: "arity zintercard", cmd: "ZINTERCARD 1", want: "-ERR wrong number of arguments for 'zintercard' command"},

	// types: checked before the options
	{name: "wrongtype string", cmd: "ZUNIONSTORE out 2 z1 str", want: hsWrongType},
	{name: "wrongtype before syntax", cmd: "ZUNIONSTORE out 2 z1 str foo", want: hsWrongType},
	{name: "wrongtype list", cmd: "ZINTER 2 z1 l", want: hsWrongType},
	{name: "wrongtype hash", cmd: "ZDIFF 2 z1 h", want: hsWrongType},
	{name: "wrongtype zintercard before limit", cmd: "ZINTERCARD 2 z1 str LIMIT -1", want: hsWrongType},
	{name: "wrongtype dst is not checked", cmd: "ZUNIONSTORE str 1 z1", want: ":3", dump: "str", dumpWant: "a=1 b=2 c=3"},

	// options
	{name: "weights too few", cmd: "ZUNIONSTORE out 2 z1 z2 WEIGHTS 1", want: zoSyntax},
	{name: "weight not a float", cmd: "ZUNIONSTORE out 2 z1 z2 WEIGHTS 1 x", want: "-ERR weight value is not a float"},
	{name: "weight nan", cmd: "ZUNION 2 z1 z2 WEIGHTS nan 1", want: "-ERR weight value is not a float"},
	{name: "weight overflow", cmd: "ZUNION 2 z1 z2 WEIGHTS 1 1e400", want: "-ERR weight value is not a float"},
	{name: "weight leading space", cmd: `ZUNION 2 z1 z2 WEIGHTS " 1" 1`, want: "-ERR weight value is not a float"},
	{name: "aggregate unknown", cmd: "ZUNIONSTORE out 2 z1 z2 AGGREGATE foo", want: zoSyntax},
	{name: "aggregate missing", cmd: "ZUNIONSTORE out 2 z1 z2 AGGREGATE", want: zoSyntax},
	{name: "withscores on store", cmd: "ZUNIONSTORE out 2 z1 z2 WITHSCORES", want: zoSyntax},
	{name: "weights on zdiff", cmd: "ZDIFF 2 z1 z2 WEIGHTS 1 1", want: zoSyntax},
	{name: "aggregate on zdiff", cmd: "ZDIFF 2 z1 z2 AGGREGATE SUM", want: zoSyntax},
	{name: "limit on zunion", cmd: "ZUNION 2 z1 z2 WITHSCORES LIMIT 1", want: zoSyntax},
	{name: "unknown option", cmd: "ZUNION 1 z1 junk", want: zoSyntax},
	{name: "limit negative", cmd: "ZINTERCARD 2 z1 z2 LIMIT -1", want: "-ERR LIMIT can't be negative"},
	{name: "limit not a number", cmd: "ZINTERCARD 2 z1 z2 LIMIT abc", want: "-ERR LIMIT can't be negative"},
	{name: "limit missing", cmd: "ZINTERCARD 2 z1 z2 LIMIT", want: zoSyntax},
	{name: "withscores on zintercard", cmd: "ZINTERCARD 2 z1 z2 WITHSCORES", want: zoSyntax},
	{name: "weights on zintercard", cmd: "ZINTERCARD 2 z1 z2 WEIGHTS 1 1", want: zoSyntax},
	{name: "options repeat", cmd: "ZUNION 1 z1 WEIGHTS 1 WeIgHtS 2 withscores WITHSCORES", want: "*[$a, $2, $b, $4, $c, $6]"},
	{name: "hex weight", cmd: "ZUNION 2 z1 z2 WEIGHTS 0x10 1e2 WITHSCORES", want: "*[$a, $16, $b, $1032, $c, $2048, $d, $3000]"},

	// ZUNION, ZINTER, ZDIFF
	{name: "zunion", cmd: "ZUNION 2 z1 z2 WITHSCORES", want: "*[$a, $1, $b, $12, $c, $23, $d, $30]"},
	{name: "zunion members only", cmd: "ZUNION 2 z1 z2", want: "*[$a, $b, $c, $d]"},
	{name: "zunion with a set", cmd: "ZUNION 2 z1 s1 WITHSCORES", want: "*[$d, $1, $x, $1, $a, $2, $b, $2, $c, $3]"},
	{name: "zunion missing keys", cmd: "ZUNION 2 nokey nokey2 WITHSCORES", want: "*[]"},
	{name: "zunion weights max", cmd: "ZUNION 2 z1 z2 WEIGHTS 2 0.5 AGGREGATE max WITHSCORES", want: "*[$a, $2, $b, $5, $c, $10, $d, $15]"},
	{name: "zunion min", cmd: "ZUNION 2 z1 z2 AGGREGATE MIN WITHSCORES", want: "*[$a, $1, $b, $2, $c, $3, $d, $30]"},
	{name: "zinter", cmd: "ZINTER 2 z1 z2 WITHSCORES", want: "*[$b, $12, $c, $23]"},
	{name: "zinter with a set", cmd: "ZINTER 2 z1 s1 WITHSCORES", want: "*[$a, $2]"},
	{name: "zinter max", cmd: "ZINTER 2 z1 z2 WITHSCORES AGGREGATE max", want: "*[$b, $10, $c, $20]"},
	{name: "zinter weights min", cmd: "ZINTER 2 z1 z2 WEIGHTS 2 3 WITHSCORES AGGREGATE min", want: "*[$b, $4, $c, $6]"},
	{name: "zinter missing key", cmd: "ZINTER 3 z1 z2 nokey WITHSCORES", want: "*[]"},
	{name: "zinter same key twice", cmd: "ZINTER 2 z1 z1 WITHSCORES", want: "*[$a, $2, $b, $4, $c, $6]"},
	{name: "zdiff", cmd: "ZDIFF 2 z1 z2 WITHSCORES", want: "*[$a, $1]"},
	{name: "zdiff from a set", cmd: "ZDIFF 2 s1 z1 WITHSCORES", want: "*[$d, $1, $x, $1]"},
	{name: "zdiff missing first", cmd: "ZDIFF 2 nokey z1 WITHSCORES", want: "*[]"},
	{name: "zdiff one key", cmd: "ZDIFF 1 zn", want: "*[$d, $b, $a, $c]"},

	// arithmetic: NaN becomes 0, zeros keep their sign, the order of addition is Redis's
	{name: "inf plus -inf is 0", cmd: "ZUNION 2 z1 z2 WEIGHTS inf -inf WITHSCORES", want: "*[$d, $-inf, $b, $0, $c, $0, $a, $inf]"},
	{name: "zinter inf plus -inf is 0", cmd: "ZINTER 2 z1 z2 WEIGHTS inf -inf WITHSCORES", want: "*[$b, $0, $c, $0]"},
	{name: "zero weight on inf is 0", cmd: "ZUNION 1 zn WEIGHTS 0 WITHSCORES", want: "*[$a, $0, $b, $-0, $c, $0, $d, $0]"},
	{name: "negative zero weight", cmd: "ZUNION 1 z1 WEIGHTS -0 WITHSCORES", want: "*[$a, $-0, $b, $-0, $c, $-0]"},
	{name: "negated zero", cmd: "ZUNION 1 zn WEIGHTS -1 WITHSCORES", want: "*[$c, $-inf, $a, $-0, $b, $5, $d, $inf]"},
	{name: "sum of opposites", cmd: "ZUNION 2 zn zn WEIGHTS 1 -1 WITHSCORES", want: "*[$a, $0, $b, $0, $c, $0, $d, $0]"},
	{name: "max of opposites", cmd: "ZUNION 2 zn zn WEIGHTS 1 -1 AGGREGATE MAX WITHSCORES", want: "*[$a, $0, $b, $5, $c, $inf, $d, $inf]"},
	{name: "min keeps the target on nan", cmd: "ZINTER 2 zn zn WEIGHTS 1 0 AGGREGATE MIN WITHSCORES", want: "*[$d, $-inf, $b, $-5, $a, $0, $c, $inf]"},
	{name: "max keeps target on nan", cmd: "ZINTER 2 zn zn WEIGHTS 1 0 AGGREGATE MAX WITHSCORES", want: "*[$d, $-inf, $a, $0, $b, $-0, $c, $inf]"},
	{name: "inputs added smallest first", cmd: "ZUNION 4 A B C D WITHSCORES", want: "*[$p, $0, $m, $1]"},
	{name: "equal sizes keep their order", cmd: "ZUNION 3 B C D WITHSCORES", want: "*[$m, $0]"},
	{name: "equal sizes keep their order 2", cmd: "ZUNION 3 B D C WITHSCORES", want: "*[$m, $1]"},
	{name: "zinter order of addition", cmd: "ZINTER 3 D B C WITHSCORES", want: "*[$m, $1]"},

	// ZINTERCARD
	{name: "zintercard", cmd: "ZINTERCARD 2 z1 z2", want: ":2"},
	{name: "zintercard limit", cmd: "ZINTERCARD 2 z1 z2 LIMIT 1", want: ":1"},
	{name: "zintercard limit zero", cmd: "ZINTERCARD 2 z1 z2 LIMIT 0", want: ":2"},
	{name: "zintercard limit above", cmd: "ZINTERCARD 2 z1 z2 limit 5", want: ":2"},
	{name: "zintercard set", cmd: "ZINTERCARD 2 s1 z1", want: ":1"},
	{name: "zintercard missing", cmd: "ZINTERCARD 2 z1 nokey", want: ":0"},

	// *STORE
	{name: "zunionstore", cmd: "ZUNIONSTORE out 2 z1 z2", want: ":4", dump: "out", dumpWant: "a=1 b=12 c=23 d=30"},
	{name: "zunionstore weights", cmd: "ZUNIONSTORE out 2 z1 s1 WEIGHTS 2 -1", want: ":5", dump: "out", dumpWant: "d=-1 x=-1 a=1 b=4 c=6"},
	{name: "zunionstore overwrites", cmd: "ZUNIONSTORE z2 1 z1", want: ":3", dump: "z2", dumpWant: "a=1 b=2 c=3"},
	{name: "zunionstore into a source", cmd: "ZUNIONSTORE z1 2 z1 z2", want: ":4", dump: "z1", dumpWant: "a=1 b=12 c=23 d=30"},
	{name: "zunionstore stores -0 as 0", cmd: "ZUNIONSTORE out 1 z1 WEIGHTS -0", want: ":3", dump: "out", dumpWant: "a=0 b=0 c=0"},
	{name: "zunionstore empty deletes", cmd: "ZUNIONSTORE z1 1 nokey", want: ":0", dump: "z1", dumpWant: "(none)"},
	{name: "zunionstore empty over a string", cmd: "ZUNIONSTORE str 1 nokey", want: ":0", dump: "str", dumpWant: "(none)"},
	{name: "zinterstore", cmd: "ZINTERSTORE out 2 z1 z2 AGGREGATE max", want: ":2", dump: "out", dumpWant: "b=10 c=20"},
	{name: "zinterstore with a set", cmd: "ZINTERSTORE out 2 z1 s1 WEIGHTS 3 4", want: ":1", dump: "out", dumpWant: "a=7"},
	{name: "zinterstore empty", cmd: "ZINTERSTORE z2 2 z1 nokey", want: ":0", dump: "z2", dumpWant: "(none)"},
	{name: "zdiffstore", cmd: "ZDIFFSTORE out 2 z1 z2", want: ":1", dump: "out", dumpWant: "a=1"},
	{name: "zdiffstore from a set", cmd: "ZDIFFSTORE out 2 s1 z1", want: ":2", dump: "out", dumpWant: "d=1 x=1"},
	{name: "zdiffstore empty", cmd: "ZDIFFSTORE z1 2 z1 z1", want: ":0", dump: "z1", dumpWant: "(none)"},
}

// TestZsetopsCommands runs every case on a freshly seeded replica; the
// replies were checked against redis-server 7.0.15. Read commands and
// errors must write nothing.
func TestZsetopsCommands(t *testing.T) {
	t.Parallel()
	for _, tt := range zoCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestReplica(t, 1)
			ktWrite(r, hsNow, zoSeed)
			rep, d, err := r.Do(hsNow, lineArgs(tt.cmd))
			if err != nil {
				t.Fatal(err)
			}
			if got := hsText(rep); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.cmd, got, tt.want)
			}
			if spec := lookup(lineArgs(tt.cmd)[0]); d != nil && (rep.IsError() || spec.flags&flagReadonly != 0) {
				t.Errorf("%s: wrote a delta", tt.cmd)
			}
			if tt.dump != "" {
				if got := zoDump(r, hsNow, tt.dump); got != tt.dumpWant {
					t.Errorf("then %s holds %q, want %q", tt.dump, got, tt.dumpWant)
				}
			}
		})
	}
}

// TestZsetopsRESP3 checks the wire shapes: WITHSCORES pairs flat in RESP2
// and nested with doubles in RESP3, bytes as redis-server 7.0.15 sends.
func TestZsetopsRESP3(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	ktWrite(r, hsNow, zoSeed)
	tests := []struct{ cmd, resp2, resp3 string }{
		{"ZUNION 2 A B WITHSCORES",
			"*4\r\n$1\r\np\r\n$1\r\n0\r\n$1\r\nm\r\n$17\r\n10000000000000000\r\n",
			"*2\r\n*2\r\n$1\r\np\r\n,0\r\n*2\r\n$1\r\nm\r\n,10000000000000000\r\n"},
		{"ZUNION 2 A B", "*2\r\n$1\r\np\r\n$1\r\nm\r\n", "*2\r\n$1\r\np\r\n$1\r\nm\r\n"},
		{"ZUNION 1 nokey WITHSCORES", "*0\r\n", "*0\r\n"},
		{"ZINTER 1 zn WITHSCORES", "*8\r\n$1\r\nd\r\n$4\r\n-inf\r\n$1\r\nb\r\n$2\r\n-5\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nc\r\n$3\r\ninf\r\n",
			"*4\r\n*2\r\n$1\r\nd\r\n,-inf\r\n*2\r\n$1\r\nb\r\n,-5\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nc\r\n,inf\r\n"},
		{"ZINTERCARD 1 A", ":2\r\n", ":2\r\n"},
	}
	for _, tt := range tests {
		rep, _, err := r.Do(hsNow, lineArgs(tt.cmd))
		if err != nil {
			t.Fatal(err)
		}
		checkWire(t, tt.cmd, rep, tt.resp2, tt.resp3)
	}
}

// TestZsetopsInfo checks the table against COMMAND INFO of redis-server
// 7.0.15: the *STORE commands name their destination only, the others
// have movable keys (0 0 0).
func TestZsetopsInfo(t *testing.T) {
	t.Parallel()
	hsCheckInfo(t, zsetOpCommands, []hsInfo{
		{name: "zunionstore", arity: -4, flags: flagWrite},
		{name: "zinterstore", arity: -4, flags: flagWrite},
		{name: "zdiffstore", arity: -4, flags: flagWrite},
		{name: "zunion", arity: -3, flags: flagReadonly, noKeys: true},
		{name: "zinter", arity: -3, flags: flagReadonly, noKeys: true},
		{name: "zdiff", arity: -3, flags: flagReadonly, noKeys: true},
		{name: "zintercard", arity: -3, flags: flagReadonly, noKeys: true},
	})
}

// zoStep is one step of a two-replica script: a command on "a" or "b"
// (want "" skips the check), a white-box seed, or "sync", which sends every
// delta not yet delivered, through the wire encoding, both ways.
type zoStep struct {
	on   string
	cmd  string
	want string
	seed func(c *call)
}

// zoScript runs steps on replicas a and b, a second apart, then syncs and
// checks that both states are byte-identical and every final read answers
// alike.
func zoScript(t *testing.T, steps []zoStep, finals []string) {
	t.Helper()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	var toA, toB []*Delta
	now := hsNow
	sync := func() {
		for _, d := range toA {
			ktMerge(t, a, now, ctWire(t, d))
		}
		for _, d := range toB {
			ktMerge(t, b, now, ctWire(t, d))
		}
		toA, toB = nil, nil
	}
	for i, s := range steps {
		now += int64(time.Second)
		if s.on == "sync" {
			sync()
			continue
		}
		r, out := a, &toB
		if s.on == "b" {
			r, out = b, &toA
		}
		var d *Delta
		if s.seed != nil {
			d = ktWrite(r, now, s.seed)
		} else {
			rep, dd, err := r.Do(now, lineArgs(s.cmd))
			if err != nil {
				t.Fatal(err)
			}
			d = dd
			if got := hsText(rep); s.want != "" && got != s.want {
				t.Errorf("step %d %s: %s: got %q, want %q", i, s.on, s.cmd, got, s.want)
			}
		}
		if d != nil {
			*out = append(*out, d)
		}
	}
	sync()
	if !bytes.Equal(ktState(t, a), ktState(t, b)) {
		t.Errorf("states differ after sync")
	}
	for _, f := range finals {
		if ga, gb := hsDo(t, a, now, f), hsDo(t, b, now, f); ga != gb {
			t.Errorf("%s: a %q, b %q", f, ga, gb)
		}
	}
}

// zoDumpStep checks the entries of key on one replica (white-box, so it
// does not depend on ZRANGE).
func zoDumpStep(t *testing.T, on, key, want string) zoStep {
	return zoStep{on: on, seed: func(c *call) {
		if got := zoDump(c.r, c.now, key); got != want {
			t.Errorf("%s: %s holds %q, want %q", on, key, got, want)
		}
	}}
}

// TestZsetopsConverge covers the *STORE commands under concurrency: the
// destination is written as new writes (SEMANTICS.md B7), so writes
// elsewhere that the store did not see survive it, and the result reaches
// the other replica as it was computed.
func TestZsetopsConverge(t *testing.T) {
	t.Parallel()
	finals := []string{"ZUNION 1 d WITHSCORES", "EXISTS d", "TYPE d", "ZINTERCARD 2 d z1"}
	seedZ := func(key string, kv ...any) func(c *call) {
		return func(c *call) {
			for i := 0; i+1 < len(kv); i += 2 {
				c.zadd(key, kv[i].(string), kv[i+1].(float64))
			}
		}
	}
	tests := []struct {
		name  string
		steps []zoStep
	}{
		{name: "zunionstore replicates its result", steps: []zoStep{
			{on: "a", seed: seedZ("z1", "a", 1.0, "b", 2.0)},
			{on: "a", seed: seedZ("z2", "b", 0.5, "c", 3.0)},
			{on: "a", cmd: "ZUNIONSTORE d 2 z1 z2 WEIGHTS 1 2", want: ":3"},
			{on: "sync"},
			zoDumpStep(t, "b", "d", "a=1 b=3 c=6"),
			{on: "b", cmd: "ZUNION 2 z1 z2 WEIGHTS 1 2 WITHSCORES", want: "*[$a, $1, $b, $3, $c, $6]"},
		}},
		{name: "store vs concurrent zadd to the destination: both survive", steps: []zoStep{
			{on: "a", seed: seedZ("z1", "a", 1.0)},
			{on: "a", seed: seedZ("d", "old", 9.0)},
			{on: "sync"},
			{on: "a", cmd: "ZINTERSTORE d 1 z1", want: ":1"},
			{on: "b", seed: seedZ("d", "new", 5.0)},
			zoDumpStep(t, "a", "d", "a=1"),
			zoDumpStep(t, "b", "d", "new=5 old=9"),
			{on: "sync"},
			zoDumpStep(t, "a", "d", "a=1 new=5"),
			zoDumpStep(t, "b", "d", "a=1 new=5"),
		}},
		{name: "empty store vs concurrent zadd: the zadd survives", steps: []zoStep{
			{on: "a", seed: seedZ("d", "old", 9.0)},
			{on: "sync"},
			{on: "a", cmd: "ZDIFFSTORE d 1 nokey", want: ":0"},
			{on: "b", seed: seedZ("d", "new", 5.0)},
			{on: "sync"},
			zoDumpStep(t, "a", "d", "new=5"),
		}},
		{name: "store vs concurrent del of the destination: the store survives", steps: []zoStep{
			{on: "a", seed: seedZ("z1", "a", 1.0, "b", 2.0)},
			{on: "a", seed: seedZ("d", "old", 9.0)},
			{on: "sync"},
			{on: "a", cmd: "ZUNIONSTORE d 1 z1 WEIGHTS 10", want: ":2"},
			{on: "b", cmd: "DEL d", want: ":1"},
			{on: "sync"},
			zoDumpStep(t, "a", "d", "a=10 b=20"),
			zoDumpStep(t, "b", "d", "a=10 b=20"),
		}},
		{name: "store over a string vs concurrent set: later type wins", steps: []zoStep{
			{on: "a", seed: seedZ("z1", "a", 1.0)},
			{on: "a", cmd: "SET d s"},
			{on: "sync"},
			{on: "b", cmd: "SET d t"},
			{on: "a", cmd: "ZUNIONSTORE d 1 z1", want: ":1"},
			{on: "sync"},
			zoDumpStep(t, "a", "d", "a=1"),
			zoDumpStep(t, "b", "d", "a=1"),
		}},
		{name: "reads on both replicas agree after concurrent adds", steps: []zoStep{
			{on: "a", seed: seedZ("z1", "a", 1.0)},
			{on: "b", seed: seedZ("z1", "b", 2.0)},
			{on: "a", seed: seedZ("d", "a", 5.0)},
			{on: "b", cmd: "SADD s a b"},
			{on: "sync"},
			{on: "a", cmd: "ZINTER 2 z1 s WITHSCORES", want: "*[$a, $2, $b, $3]"},
			{on: "b", cmd: "ZINTER 2 z1 s WITHSCORES", want: "*[$a, $2, $b, $3]"},
			{on: "b", cmd: "ZDIFF 2 z1 d", want: "*[$b]"},
			{on: "a", cmd: "ZINTERCARD 3 z1 s d", want: ":1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			zoScript(t, tt.steps, finals)
		})
	}
}

// TestZsetopsStoreDelta checks that reads and empty stores write nothing,
// and that a store's delta alone carries the whole result to a replica.
func TestZsetopsStoreDelta(t *testing.T) {
	t.Parallel()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	d := ktWrite(a, hsNow, zoSeed)
	ktMerge(t, b, hsNow, ctWire(t, d))
	for _, cmd := range []string{"ZUNION 2 z1 z2", "ZINTER 2 z1 z2 WITHSCORES", "ZDIFF 1 z1", "ZINTERCARD 1 z1", "ZUNIONSTORE e 1 nokey"} {
		if _, d := ktDo(t, a, hsNow, cmd); d != nil {
			t.Errorf("%s wrote a delta", cmd)
		}
	}
	_, da := ktDo(t, a, hsNow+int64(time.Second), "ZUNIONSTORE out 3 z1 z2 s1 WEIGHTS 1 2 3")
	c := newTestReplica(t, 3)
	ktMerge(t, c, hsNow+int64(time.Second), ctWire(t, d), ctWire(t, da))
	want := "x=3 a=4 b=22 c=43 d=63"
	for name, r := range map[string]*Replica{"a": a, "c": c} {
		if got := zoDump(r, hsNow+int64(time.Second), "out"); got != want {
			t.Errorf("%s: out holds %q, want %q", name, got, want)
		}
	}
	_, db := ktDo(t, b, hsNow+int64(time.Second), "ZUNIONSTORE out 3 z1 z2 s1 WEIGHTS 1 2 3")
	if db == nil || len(db.Keys["out"].ZSet) != 5 {
		t.Fatalf("b's store delta: %+v", db)
	}
}
