package engine_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"lattice/shared/causal"
	"lattice/shared/engine"
)

// The core's benchmarks (STYLE R12): BenchmarkDo/<CMD> runs one command on a
// replica holding a realistic key space, BenchmarkMerge/<family> joins
// decoded remote deltas, and BenchmarkEncodeDelta/BenchmarkDecodeDelta
// price the wire form. Run with
//
//	go test ./shared/engine -run '^$' -bench . -benchmem
//
// Every sub-benchmark needs its commands in engine.Commands() and skips,
// naming the missing ones, until they exist.

const (
	// benchKeys is the number of keys of each kind a benchmark replica holds.
	benchKeys = 10_000
	// benchStart is the first `now` (Unix ns); every operation advances it
	// by benchTick, so clocks and TTLs move as in a loaded server.
	benchStart = int64(1_700_000_000) * int64(time.Second)
	benchTick  = int64(time.Microsecond)
	// benchChunk is how many remote deltas BenchmarkMerge prepares at a
	// time, with the timer stopped.
	benchChunk = 4096
)

// benchCommands is the set of command names the engine runs.
var benchCommands = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range engine.Commands() {
		m[c.Name] = true
	}
	return m
}()

// benchSkipMissing skips b unless every named command exists.
func benchSkipMissing(b *testing.B, names ...string) {
	b.Helper()
	var missing []string
	for _, n := range names {
		if !benchCommands[strings.ToLower(n)] {
			missing = append(missing, strings.ToUpper(n))
		}
	}
	if len(missing) > 0 {
		b.Skipf("command(s) %s not in engine.Commands() yet", strings.Join(missing, ", "))
	}
}

// benchArgs splits a command line on spaces into arguments.
func benchArgs(parts ...string) [][]byte {
	var out [][]byte
	for _, p := range parts {
		for _, f := range strings.Fields(p) {
			out = append(out, []byte(f))
		}
	}
	return out
}

// benchReplica is a replica with a clock that ticks once per command.
type benchReplica struct {
	r   *engine.Replica
	now *int64 // shared between replicas that exchange deltas
}

func newBenchReplica(tb testing.TB, id byte, now *int64) *benchReplica {
	tb.Helper()
	r, err := engine.New(causal.ReplicaID{0: 0xbe, 15: id}, engine.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return &benchReplica{r: r, now: now}
}

// do runs args and fails on an error reply: setup and every measured
// operation must succeed, or the figure measures an error path.
func (br *benchReplica) do(tb testing.TB, args [][]byte) (engine.Reply, *engine.Delta) {
	*br.now += benchTick
	rep, d, err := br.r.Do(*br.now, args)
	if err != nil {
		tb.Fatal(err)
	}
	if rep.IsError() {
		tb.Fatalf("%q: %s", args, rep.Str)
	}
	return rep, d
}

func (br *benchReplica) run(tb testing.TB, cmds [][][]byte) {
	for _, args := range cmds {
		br.do(tb, args)
	}
}

// Key-space generators: names and 16-byte values are built once, outside
// the measured loops.
func benchKey(prefix string, i int) string { return fmt.Sprintf("%s:%05d", prefix, i) }
func benchVal(i int) string                { return fmt.Sprintf("v:%014d", i) }
func benchMember(i int) string             { return fmt.Sprintf("m:%06d", i) } // 8 bytes

// benchEach builds one command per key of the benchmark key space.
func benchEach(f func(i int) [][]byte) [][][]byte {
	out := make([][][]byte, benchKeys)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// benchHashFields is HSET's field/value list for a 10-field hash.
func benchHashFields(i int) string {
	var sb strings.Builder
	for f := range 10 {
		fmt.Fprintf(&sb, " f:%d %s", f, benchVal(i*10+f))
	}
	return sb.String()
}

// benchSetMembers lists members lo..hi-1.
func benchSetMembers(lo, hi int) string {
	var sb strings.Builder
	for m := lo; m < hi; m++ {
		sb.WriteString(" " + benchMember(m))
	}
	return sb.String()
}

// Setups shared by several cases. Each returns the commands that fill a
// fresh replica.
var (
	setupStrings = func() [][][]byte {
		return benchEach(func(i int) [][]byte { return benchArgs("SET", benchKey("key", i), benchVal(i)) })
	}
	setupCounters = func() [][][]byte {
		return benchEach(func(i int) [][]byte { return benchArgs("SET", benchKey("ctr", i), fmt.Sprint(i)) })
	}
	setupFloats = func() [][][]byte {
		return benchEach(func(i int) [][]byte { return benchArgs("SET", benchKey("flt", i), fmt.Sprintf("%d.5", i)) })
	}
	setupHashes = func() [][][]byte {
		return benchEach(func(i int) [][]byte { return benchArgs("HSET", benchKey("hash", i), benchHashFields(i)) })
	}
	setupSets = func() [][][]byte {
		return benchEach(func(i int) [][]byte { return benchArgs("SADD", benchKey("set", i), benchSetMembers(0, 10)) })
	}
)

// doCase is one BenchmarkDo sub-benchmark. ops are cycled; when refill is
// set the ops destroy what setup made (DEL, SREM), so setup runs again,
// with the timer stopped, each time the cycle wraps.
type doCase struct {
	name   string
	needs  []string
	setup  func() [][][]byte
	ops    func() [][][]byte
	refill bool
	// next, when set, rewrites the op from the previous reply (the SCAN
	// cursor) instead of cycling ops.
	next func(op [][]byte, prev engine.Reply)
}

func doCases() []doCase {
	return []doCase{
		// Strings and counters.
		{name: "SET", needs: []string{"set"}, setup: setupStrings,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("SET", benchKey("key", i), benchVal(i+1)) })
			}},
		{name: "GET", needs: []string{"set", "get"}, setup: setupStrings,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("GET", benchKey("key", i)) })
			}},
		{name: "INCR", needs: []string{"set", "incr"}, setup: setupCounters,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("INCR", benchKey("ctr", i)) })
			}},
		{name: "INCRBYFLOAT", needs: []string{"set", "incrbyfloat"}, setup: setupFloats,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("INCRBYFLOAT", benchKey("flt", i), "0.25") })
			}},
		// APPEND grows each value by one byte per cycle of the key space:
		// with ~10^6 iterations values reach ~100 bytes.
		{name: "APPEND", needs: []string{"set", "append"}, setup: setupStrings,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("APPEND", benchKey("key", i), "x") })
			}},
		{name: "MSET", needs: []string{"set", "mset"}, setup: setupStrings,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte {
					args := benchArgs("MSET")
					for j := range 10 {
						k := (i + j*benchKeys/10) % benchKeys
						args = append(args, []byte(benchKey("key", k)), []byte(benchVal(i)))
					}
					return args
				})
			}},
		// Keys.
		{name: "DEL", needs: []string{"set", "del"}, setup: setupStrings, refill: true,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("DEL", benchKey("key", i)) })
			}},
		{name: "EXISTS", needs: []string{"set", "exists"}, setup: setupStrings,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("EXISTS", benchKey("key", i)) })
			}},
		{name: "EXPIRE", needs: []string{"set", "expire"}, setup: setupStrings,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("EXPIRE", benchKey("key", i), "1000") })
			}},
		{name: "TTL", needs: []string{"set", "ttl"},
			setup: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("SET", benchKey("key", i), benchVal(i), "EX 100000") })
			},
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("TTL", benchKey("key", i)) })
			}},
		{name: "SCAN", needs: []string{"set", "scan"}, setup: setupStrings,
			ops:  func() [][][]byte { return [][][]byte{benchArgs("SCAN 0 COUNT 10")} },
			next: benchNextCursor},
		// Hashes.
		{name: "HSET", needs: []string{"hset"}, setup: setupHashes,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte {
					return benchArgs("HSET", benchKey("hash", i), fmt.Sprintf("f:%d", i%10), benchVal(i))
				})
			}},
		{name: "HGET", needs: []string{"hset", "hget"}, setup: setupHashes,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("HGET", benchKey("hash", i), fmt.Sprintf("f:%d", i%10)) })
			}},
		{name: "HINCRBY", needs: []string{"hset", "hincrby"},
			setup: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("HSET", benchKey("hctr", i), "n", fmt.Sprint(i)) })
			},
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("HINCRBY", benchKey("hctr", i), "n", "3") })
			}},
		{name: "HGETALL", needs: []string{"hset", "hgetall"}, setup: setupHashes,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("HGETALL", benchKey("hash", i)) })
			}},
		// Sets. SADD re-adds present members (steady state: a new dot
		// replaces the observed one, the set does not grow).
		{name: "SADD", needs: []string{"sadd"}, setup: setupSets,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("SADD", benchKey("set", i), benchMember(i%10)) })
			}},
		{name: "SISMEMBER", needs: []string{"sadd", "sismember"}, setup: setupSets,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("SISMEMBER", benchKey("set", i), benchMember(i%20)) })
			}},
		// SREM removes every member of every set once per cycle (the last
		// SREM of a set deletes the key); the sets are refilled between
		// cycles.
		{name: "SREM", needs: []string{"sadd", "srem"}, setup: setupSets, refill: true,
			ops: func() [][][]byte {
				out := make([][][]byte, 0, benchKeys*10)
				for m := range 10 {
					for i := range benchKeys {
						out = append(out, benchArgs("SREM", benchKey("set", i), benchMember(m)))
					}
				}
				return out
			}},
		{name: "SMEMBERS", needs: []string{"sadd", "smembers"}, setup: setupSets,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("SMEMBERS", benchKey("set", i)) })
			}},
		// SINTER of two 100-member sets sharing 50 members, beside the
		// 10k 10-member sets.
		{name: "SINTER", needs: []string{"sadd", "sinter"},
			setup: func() [][][]byte {
				return append(setupSets(),
					benchArgs("SADD big:a", benchSetMembers(0, 100)),
					benchArgs("SADD big:b", benchSetMembers(50, 150)))
			},
			ops: func() [][][]byte { return [][][]byte{benchArgs("SINTER big:a big:b")} }},
		// Sorted sets: 10k keys of 10 members; ZADD moves a member's score
		// (an assignment), ZINCRBY adds to it (a counter contribution).
		{name: "ZADD", needs: []string{"zadd"}, setup: setupZSets,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte {
					return benchArgs("ZADD", benchKey("zset", i), fmt.Sprint(i%97), benchMember(i%10))
				})
			}},
		{name: "ZINCRBY", needs: []string{"zadd", "zincrby"}, setup: setupZSets,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("ZINCRBY", benchKey("zset", i), "1.5", benchMember(i%10)) })
			}},
		{name: "ZSCORE", needs: []string{"zadd", "zscore"}, setup: setupZSets,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("ZSCORE", benchKey("zset", i), benchMember(i%10)) })
			}},
		// ZRANGE of 10 entries with scores in a 100k-member sorted set.
		{name: "ZRANGE_10_of_100k", needs: []string{"zadd", "zrange"}, setup: setupBigZSet,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte {
					lo := i * 7 % 99_990
					return benchArgs("ZRANGE big:z", fmt.Sprint(lo), fmt.Sprint(lo+9), "WITHSCORES")
				})
			}},
		// Lists: pushes and pops at the ends of a 1M-element list, reads
		// and inserts in its middle.
		{name: "LPUSH_1M", needs: []string{"rpush", "lpush"}, setup: setupBigList,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("LPUSH big:l", benchVal(i)) })
			}},
		// RPOP_1M pops at most one element per µs of the benchmark time
		// from the 1M elements, so the list never runs out.
		{name: "RPOP_1M", needs: []string{"rpush", "rpop"}, setup: setupBigList,
			ops: func() [][][]byte { return benchEach(func(int) [][]byte { return benchArgs("RPOP big:l") }) }},
		{name: "LRANGE_100_of_1M", needs: []string{"rpush", "lrange"}, setup: setupBigList,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte {
					lo := i * 97 % 999_000
					return benchArgs("LRANGE big:l", fmt.Sprint(lo), fmt.Sprint(lo+99))
				})
			}},
		{name: "LINDEX_mid_of_1M", needs: []string{"rpush", "lindex"}, setup: setupBigList,
			ops: func() [][][]byte { return [][][]byte{benchArgs("LINDEX big:l 500000")} }},
		// LINSERT before the list's second element (the pivot search walks
		// from the head, as Redis's does).
		{name: "LINSERT", needs: []string{"rpush", "linsert"}, setup: setupBigList,
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("LINSERT big:l BEFORE", benchVal(1), benchVal(i)) })
			}},
		// HyperLogLog: PFADD of new elements into 1,000 keys, PFCOUNT of one.
		{name: "PFADD", needs: []string{"pfadd"},
			setup: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("PFADD", benchKey("hll", i%1000), benchVal(i)) })
			},
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("PFADD", benchKey("hll", i%1000), benchVal(i+benchKeys)) })
			}},
		{name: "PFCOUNT", needs: []string{"pfadd", "pfcount"},
			setup: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("PFADD", benchKey("hll", i%1000), benchVal(i)) })
			},
			ops: func() [][][]byte {
				return benchEach(func(i int) [][]byte { return benchArgs("PFCOUNT", benchKey("hll", i%1000)) })
			}},
	}
}

// setupZSets fills benchKeys sorted sets of 10 members.
func setupZSets() [][][]byte {
	return benchEach(func(i int) [][]byte {
		args := benchArgs("ZADD", benchKey("zset", i))
		for m := range 10 {
			args = append(args, []byte(fmt.Sprint(m)), []byte(benchMember(m)))
		}
		return args
	})
}

// setupBigZSet fills one sorted set of 100k members, 1,000 per command.
func setupBigZSet() [][][]byte {
	var out [][][]byte
	for lo := 0; lo < 100_000; lo += 1000 {
		args := benchArgs("ZADD big:z")
		for i := lo; i < lo+1000; i++ {
			args = append(args, []byte(fmt.Sprint(i*31%100_003)), []byte(benchMember(i)))
		}
		out = append(out, args)
	}
	return out
}

// setupBigList fills one list of 1M elements, 1,000 per RPUSH.
func setupBigList() [][][]byte {
	var out [][][]byte
	for lo := 0; lo < 1_000_000; lo += 1000 {
		args := benchArgs("RPUSH big:l")
		for i := lo; i < lo+1000; i++ {
			args = append(args, []byte(benchVal(i)))
		}
		out = append(out, args)
	}
	return out
}

// benchNextCursor puts the cursor SCAN returned into the next SCAN.
func benchNextCursor(op [][]byte, prev engine.Reply) {
	if prev.Kind == engine.KindArray && len(prev.Elems) == 2 {
		op[1] = prev.Elems[0].Str
	}
}

// BenchmarkDo measures Replica.Do of one command, including building its
// delta, on a replica holding benchKeys keys of the kind the command uses.
func BenchmarkDo(b *testing.B) {
	for _, tc := range doCases() {
		b.Run(tc.name, func(b *testing.B) {
			benchSkipMissing(b, tc.needs...)
			now := benchStart
			br := newBenchReplica(b, 1, &now)
			setup := tc.setup()
			br.run(b, setup)
			ops := tc.ops()
			var prev engine.Reply
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				op := ops[i]
				if tc.next != nil {
					tc.next(op, prev)
				}
				now += benchTick
				rep, _, err := br.r.Do(now, op)
				if err != nil || rep.IsError() {
					b.Fatalf("%q: %v %s", op, err, rep.Str)
				}
				prev = rep
				if i++; i == len(ops) {
					i = 0
					if tc.refill {
						b.StopTimer()
						br.run(b, setup)
						b.StartTimer()
					}
				}
			}
		})
	}
}

// mergeCase is one BenchmarkMerge family: setup fills the source replica
// (and, through its deltas, the target), prep runs on the source before
// each chunk of measured ops without being measured, and op(i) is the
// write whose delta the target merges.
type mergeCase struct {
	name  string
	needs []string
	setup func() [][][]byte
	prep  func(i int) [][]byte
	op    func(i int) [][]byte
}

func mergeCases() []mergeCase {
	return []mergeCase{
		{name: "string", needs: []string{"set"}, setup: setupStrings,
			op: func(i int) [][]byte { return benchArgs("SET", benchKey("key", i%benchKeys), benchVal(i)) }},
		{name: "counter", needs: []string{"set", "incr"}, setup: setupCounters,
			op: func(i int) [][]byte { return benchArgs("INCR", benchKey("ctr", i%benchKeys)) }},
		{name: "float", needs: []string{"set", "incrbyfloat"}, setup: setupFloats,
			op: func(i int) [][]byte { return benchArgs("INCRBYFLOAT", benchKey("flt", i%benchKeys), "0.25") }},
		{name: "expire", needs: []string{"set", "expire"}, setup: setupStrings,
			op: func(i int) [][]byte { return benchArgs("EXPIRE", benchKey("key", i%benchKeys), fmt.Sprint(1000+i)) }},
		{name: "del", needs: []string{"set", "del"}, setup: setupStrings,
			prep: func(i int) [][]byte { return benchArgs("SET", benchKey("key", i%benchKeys), benchVal(i)) },
			op:   func(i int) [][]byte { return benchArgs("DEL", benchKey("key", i%benchKeys)) }},
		{name: "hash", needs: []string{"hset"}, setup: setupHashes,
			op: func(i int) [][]byte {
				return benchArgs("HSET", benchKey("hash", i%benchKeys), fmt.Sprintf("f:%d", i%10), benchVal(i))
			}},
		{name: "set", needs: []string{"sadd"}, setup: setupSets,
			op: func(i int) [][]byte { return benchArgs("SADD", benchKey("set", i%benchKeys), benchMember(i%10)) }},
	}
}

// benchWire encodes and decodes d, as a delta arrives from the network.
func benchWire(tb testing.TB, d *engine.Delta) *engine.Delta {
	tb.Helper()
	enc, err := engine.EncodeDelta(d)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := engine.DecodeDelta(enc)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkMerge measures Replica.Merge of one decoded remote delta of the
// family into a target replica holding benchKeys keys. Every merged delta is
// distinct and new to the target (re-merging one delta would measure an
// idempotent join that changes nothing): a source replica writes them in
// chunks of benchChunk, encoded and decoded with the timer stopped, and the
// target merges them in the order they were written. So this is
// steady-state replication of a stream of single-key writes: validation,
// the HLC update, the key join and the context join. The "duplicate" case
// re-merges a delta the target already holds (Merge has no dominance
// filter since c421037: it re-runs the join).
func BenchmarkMerge(b *testing.B) {
	for _, tc := range mergeCases() {
		b.Run(tc.name, func(b *testing.B) {
			benchSkipMissing(b, tc.needs...)
			now := benchStart
			src, dst := newBenchReplica(b, 1, &now), newBenchReplica(b, 2, &now)
			for _, args := range tc.setup() {
				if _, d := src.do(b, args); d != nil {
					benchMerge(b, dst, d)
				}
			}
			next := 0 // index of the next op
			var chunk []*engine.Delta
			pos := 0
			b.ReportAllocs()
			for b.Loop() {
				if pos == len(chunk) {
					b.StopTimer()
					chunk = benchMergeChunk(b, src, dst, tc, next)
					next += len(chunk)
					pos = 0
					runtime.GC() // the chunk's garbage is not the merge's
					b.StartTimer()
				}
				now += benchTick
				if err := dst.r.Merge(now, chunk[pos]); err != nil {
					b.Fatal(err)
				}
				pos++
			}
			b.StopTimer()
			if st := dst.r.Stats(); st.DeltasRefused != 0 {
				b.Fatalf("%d deltas refused: the benchmark measures the wrong thing", st.DeltasRefused)
			}
		})
	}
	b.Run("duplicate", func(b *testing.B) {
		now := benchStart
		src, dst := newBenchReplica(b, 1, &now), newBenchReplica(b, 2, &now)
		var last *engine.Delta
		for _, args := range setupStrings() {
			_, d := src.do(b, args)
			last = benchWire(b, d)
			benchMerge(b, dst, last)
		}
		b.ReportAllocs()
		for b.Loop() {
			now += benchTick
			if err := dst.r.Merge(now, last); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchMerge merges the wire form of d into br, unmeasured.
func benchMerge(tb testing.TB, br *benchReplica, d *engine.Delta) {
	tb.Helper()
	*br.now += benchTick
	if err := br.r.Merge(*br.now, benchWire(tb, d)); err != nil {
		tb.Fatal(err)
	}
}

// benchMergeChunk runs the prep ops of the next chunk on src and merges
// them into dst, then returns the decoded deltas of the chunk's measured
// ops, in the order src wrote them.
func benchMergeChunk(tb testing.TB, src, dst *benchReplica, tc mergeCase, first int) []*engine.Delta {
	if tc.prep != nil {
		for i := first; i < first+benchChunk; i++ {
			if _, d := src.do(tb, tc.prep(i)); d != nil {
				benchMerge(tb, dst, d)
			}
		}
	}
	out := make([]*engine.Delta, 0, benchChunk)
	for i := first; i < first+benchChunk; i++ {
		_, d := src.do(tb, tc.op(i))
		if d == nil {
			tb.Fatalf("%q wrote nothing", tc.op(i))
		}
		out = append(out, benchWire(tb, d))
	}
	return out
}

// BenchmarkMergeSnapshot measures a full sync: merging the decoded snapshot
// of a replica holding benchKeys string keys into an empty replica.
func BenchmarkMergeSnapshot(b *testing.B) {
	b.Run(fmt.Sprintf("keys=%dk", benchKeys/1000), func(b *testing.B) {
		now := benchStart
		src := newBenchReplica(b, 1, &now)
		src.run(b, setupStrings())
		snap := benchWire(b, src.r.Snapshot())
		b.ReportAllocs()
		for b.Loop() {
			dst := newBenchReplica(b, 2, &now)
			if err := dst.r.Merge(now, snap); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchSetDelta returns the delta of SET on an existing key of a replica
// holding benchKeys keys.
func benchSetDelta(b *testing.B) *engine.Delta {
	now := benchStart
	br := newBenchReplica(b, 1, &now)
	br.run(b, setupStrings())
	_, d := br.do(b, benchArgs("SET", benchKey("key", 42), benchVal(7)))
	return d
}

// BenchmarkEncodeDelta measures EncodeDelta of a SET delta (one key, one
// assign, a type mark, a two-dot context).
func BenchmarkEncodeDelta(b *testing.B) {
	d := benchSetDelta(b)
	enc, err := engine.EncodeDelta(d)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.EncodeDelta(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeDelta measures DecodeDelta (with validation) of a SET delta.
func BenchmarkDecodeDelta(b *testing.B) {
	enc, err := engine.EncodeDelta(benchSetDelta(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.DecodeDelta(enc); err != nil {
			b.Fatal(err)
		}
	}
}
