package engine_test

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/engine"
	"lattice/shared/hlc"
)

// The -update flag rewrites golden files in place: inspect the diff, commit
// only if you understand it. Other tests of this package may define it too,
// so it is defined once per test binary, after every package-level flag.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files with the actual output")
	}
}

func goldenUpdating() bool {
	b, _ := flag.Lookup("update").Value.(flag.Getter).Get().(bool)
	return b
}

var goldenFile = filepath.Join("testdata", "golden_state.cbor")

// goldenEpoch is the script's start time, Unix ns. Fixed, like everything
// else in the script: the snapshot must be a function of the script alone.
const goldenEpoch = int64(1_700_000_000_000) * 1e6

// goldenScript exercises every kind of state the snapshot encodes. Steps:
//
//	a: CMD args   run a command on replica a (its reply must not be an error)
//	sync          deliver every pending delta both ways, in order
//	tick MS       advance time
//	expire a      run a.Expire and queue its delta
var goldenScript = []string{
	// strings and concurrent assigns
	"a: SET s:1 hello",
	"b: SET s:1 bonjour",
	"a: SET s:2 world EX 100",
	"a: APPEND s:3 abc",
	"a: SETRANGE s:3 5 xyz",
	"b: MSET m:1 1 m:2 two",
	"b: SETNX s:4 first",
	// counters: integer and long-double parts, concurrent increments
	"a: INCR c:1",
	"a: INCRBY c:1 41",
	"b: INCRBY c:1 -2",
	"b: DECR c:1",
	"a: INCRBYFLOAT f:1 0.1",
	"b: INCRBYFLOAT f:1 2.5e3",
	"a: INCRBYFLOAT f:1 -1.25",
	"sync",
	"tick 10",
	// SET || INCR, EXPIRE || PERSIST, DEL || INCR
	"a: SET c:2 10",
	"b: INCR c:2",
	"a: EXPIRE s:1 60",
	"b: PERSIST s:1",
	"a: DEL m:1",
	"b: INCRBY m:1 5",
	"a: SET t:1 gone PX 1500",
	"b: SET t:2 kept PX 1500",
	"sync",
	"tick 2000",
	"expire a",
	"expire b",
	"sync",
	"tick 10",
	"a: GETDEL s:4",
	"b: RENAME m:2 m:3",
	"a: GETSET s:2 again",
	"b: EXPIREAT s:3 1800000000",
	"a: COPY s:3 s:5",
	"sync",
	"tick 10",
	// hashes: field registers and counters, concurrent HDEL || HSET
	"a: HSET h:1 name ada lang go n 1",
	"b: HSET h:1 name bob",
	"a: HINCRBY h:1 n 41",
	"b: HINCRBYFLOAT h:1 x 1.5",
	"a: HSETNX h:1 once 1",
	"sync",
	"a: HDEL h:1 lang",
	"b: HSET h:1 lang rust",
	"b: HINCRBY h:1 n -2",
	"a: HDEL h:1 x",
	// sets: add-wins SADD || SREM, SPOP from the seeded source, SMOVE
	"a: SADD set:1 a b c d",
	"b: SADD set:2 x y",
	"sync",
	"a: SREM set:1 b",
	"b: SADD set:1 b e",
	"a: SPOP set:1",
	"b: SMOVE set:2 set:1 x",
	"a: SINTERSTORE set:3 set:1 set:2",
	"b: SUNIONSTORE set:4 set:1 set:2",
	"a: EXPIRE set:1 1000",
	"sync",
	"tick 10",
	// type change over a concurrent write of another type
	"a: DEL h:2",
	"a: SET h:2 str",
	"b: HSET h:2 f v",
	"sync",
}

// goldenIDs are the two replicas' fixed ids.
var goldenIDs = map[string]causal.ReplicaID{
	"a": {0x0a, 15: 0x01},
	"b": {0x0b, 15: 0x02},
}

// goldenRun replays goldenScript and returns replica a's encoded snapshot
// and b's.
func goldenRun(t *testing.T) (snapA, snapB []byte) {
	t.Helper()
	reps := map[string]*engine.Replica{}
	pending := map[string][]*engine.Delta{}
	for name, id := range goldenIDs {
		r, err := engine.New(id, engine.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		reps[name] = r
	}
	now := goldenEpoch
	for i, step := range goldenScript {
		fields := strings.Fields(step)
		switch {
		case strings.HasSuffix(fields[0], ":"):
			name := strings.TrimSuffix(fields[0], ":")
			args := make([][]byte, len(fields)-1)
			for j, f := range fields[1:] {
				args[j] = []byte(f)
			}
			reply, d, err := reps[name].Do(now, args)
			if err != nil || reply.IsError() {
				t.Fatalf("step %d %q: reply %q, err %v", i, step, reply.Str, err)
			}
			if d != nil {
				pending[name] = append(pending[name], d)
			}
		case fields[0] == "sync":
			goldenDeliver(t, reps["a"], pending["b"], now)
			goldenDeliver(t, reps["b"], pending["a"], now)
			pending = map[string][]*engine.Delta{}
		case fields[0] == "tick":
			ms, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				t.Fatalf("step %d %q: %v", i, step, err)
			}
			now += ms * 1e6
		case fields[0] == "expire":
			if d := reps[fields[1]].Expire(now); d != nil {
				pending[fields[1]] = append(pending[fields[1]], d)
			}
		default:
			t.Fatalf("step %d %q: unknown step", i, step)
		}
	}
	return goldenEncode(t, reps["a"]), goldenEncode(t, reps["b"])
}

// goldenDeliver merges deltas through their encoding, as the wire does.
func goldenDeliver(t *testing.T, r *engine.Replica, ds []*engine.Delta, now int64) {
	t.Helper()
	for _, d := range ds {
		b, err := engine.EncodeDelta(d)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := engine.DecodeDelta(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Merge(now, d2); err != nil {
			t.Fatal(err)
		}
	}
}

func goldenEncode(t *testing.T, r *engine.Replica) []byte {
	t.Helper()
	b, err := engine.EncodeDelta(r.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGoldenState checks that one fixed history yields the same snapshot
// bytes as testdata/golden_state.cbor. make test-wasm runs it under wazero
// and Node as well: passing everywhere is what shows that native, wasip1
// and js produce byte-identical state (STYLE R1.2, R11.7). Run with -update
// to rewrite the file after an intended encoding or semantics change.
func TestGoldenState(t *testing.T) {
	got, _ := goldenRun(t)
	if goldenUpdating() {
		if err := os.WriteFile(goldenFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", goldenFile, len(got))
		return
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenState -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("snapshot differs from %s (%d bytes, want %d); if the change is intended, rerun with -update\ngot:  %s\nwant: %s",
			goldenFile, len(got), len(want), hex.EncodeToString(got), hex.EncodeToString(want))
	}
}

// TestGoldenStateStable checks that the golden snapshot survives a decode
// and re-encode unchanged, that replaying the script twice in one process
// gives the same bytes (no hidden state, no map-order leaks), and that the
// two replicas ended converged (equal but for the clock reading).
func TestGoldenStateStable(t *testing.T) {
	first, snapB := goldenRun(t)
	if a, b := withoutClock(t, first), withoutClock(t, snapB); !bytes.Equal(a, b) {
		t.Errorf("replicas a and b did not converge:\na: %x\nb: %x", a, b)
	}
	second, _ := goldenRun(t)
	if !bytes.Equal(first, second) {
		t.Fatal("two replays of the golden script encode differently")
	}
	d, err := engine.DecodeDelta(first)
	if err != nil {
		t.Fatal(err)
	}
	again, err := engine.EncodeDelta(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("decode and re-encode of the golden snapshot changes its bytes")
	}
}

// withoutClock re-encodes an encoded snapshot with its HLC reading zeroed:
// converged replicas hold equal state but may have read different clocks.
func withoutClock(t *testing.T, snap []byte) []byte {
	t.Helper()
	d, err := engine.DecodeDelta(snap)
	if err != nil {
		t.Fatal(err)
	}
	d.TS = hlc.Timestamp{}
	b, err := engine.EncodeDelta(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
