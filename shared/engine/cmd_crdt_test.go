package engine

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"lattice/shared/causal"
)

// ceValue turns a reply into Go values: maps for maps, slices for arrays,
// strings for bulk strings, int64 for integers, nil for null.
func ceValue(r Reply) any {
	switch r.Kind {
	case KindMap:
		m := map[string]any{}
		for i := 0; i+1 < len(r.Elems); i += 2 {
			m[string(r.Elems[i].Str)] = ceValue(r.Elems[i+1])
		}
		return m
	case KindArray:
		out := make([]any, len(r.Elems))
		for i, e := range r.Elems {
			out[i] = ceValue(e)
		}
		return out
	case KindBulk, KindSimple:
		return string(r.Str)
	case KindInt:
		return r.Int
	case KindNull:
		return nil
	}
	return fmt.Sprintf("(kind %d)", r.Kind)
}

// ceExplain runs CRDT.EXPLAIN on r and checks that it wrote nothing.
func ceExplain(t *testing.T, r *Replica, now int64, key string) any {
	t.Helper()
	before := ktState(t, r)
	rep, d, err := r.Do(now, [][]byte{[]byte("CRDT.EXPLAIN"), []byte(key)})
	if err != nil || d != nil {
		t.Fatalf("CRDT.EXPLAIN: err %v, delta %v", err, d)
	}
	if rep.IsError() {
		t.Fatalf("CRDT.EXPLAIN: %s", rep.Str)
	}
	if !bytes.Equal(before, ktState(t, r)) {
		t.Fatal("CRDT.EXPLAIN changed the state")
	}
	return ceValue(rep)
}

// cePath walks a value by map keys and array indexes ("entries.assigns.0").
func cePath(t *testing.T, v any, path string) any {
	t.Helper()
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				t.Fatalf("%s: no %q in %v", path, p, x)
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				t.Fatalf("%s: no index %q in %v", path, p, x)
			}
			v = x[i]
		default:
			t.Fatalf("%s: cannot walk into %v", path, v)
		}
	}
	return v
}

// ceExpect checks path=value pairs; values print with %v.
func ceExpect(t *testing.T, v any, pairs ...string) {
	t.Helper()
	for _, p := range pairs {
		path, want, _ := strings.Cut(p, "=")
		if got := fmt.Sprint(cePath(t, v, path)); got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
}

func ceID(b byte) string { return causal.ReplicaID{15: b}.String() }

// ceConcurrent runs one command on each replica without syncing, then
// syncs both ways. Replica a writes at now, b at now + dt.
func ceConcurrent(t *testing.T, a, b *Replica, now, dt int64, cmdA, cmdB string) {
	t.Helper()
	_, da := ktDo(t, a, now, cmdA)
	_, db := ktDo(t, b, now+dt, cmdB)
	ktMerge(t, a, now+dt, ctWire(t, db))
	ktMerge(t, b, now+dt, ctWire(t, da))
}

func TestCrdtExplainSetSet(t *testing.T) {
	t.Parallel()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	ceConcurrent(t, a, b, ktNow, ktMs, "SET k from-a", "SET k from-b")
	for _, r := range []*Replica{a, b} {
		v := ceExplain(t, r, ktNow+2*ktMs, "k")
		ceExpect(t, v,
			"key=k", "type=string", "rule="+ruleLWW,
			"types.0.replica="+ceID(1), "types.0.type=string", "types.0.winner=0",
			"types.0.ts=1700000000000.0",
			"types.1.replica="+ceID(2), "types.1.winner=1", "types.1.ts=1700000000001.0",
			"entries.value=from-b",
			"entries.assigns.0.value=from-a", "entries.assigns.0.winner=0",
			"entries.assigns.1.value=from-b", "entries.assigns.1.winner=1",
			"entries.counts=[]", "ttl.expires=-1", "ttl.owner=<nil>", "ttl.marks=[]",
		)
	}
	// An exact tie goes to the smaller replica id.
	a, b = newTestReplica(t, 1), newTestReplica(t, 2)
	ceConcurrent(t, a, b, ktNow, 0, "SET k from-a", "SET k from-b")
	ceExpect(t, ceExplain(t, b, ktNow, "k"), "entries.value=from-a",
		"entries.assigns.0.winner=1", "entries.assigns.1.winner=0", "types.0.winner=1")
}

func TestCrdtExplainCounterSet(t *testing.T) {
	t.Parallel()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	_, d := ktDo(t, a, ktNow, "SET k 100")
	ktMerge(t, b, ktNow, ctWire(t, d))
	ceConcurrent(t, a, b, ktNow, ktMs, "INCRBY k 5", "SET k 10")
	v := ceExplain(t, a, ktNow+2*ktMs, "k")
	ceExpect(t, v, "rule="+ruleCounter, "entries.value=15",
		"entries.assigns.0.value=10", "entries.assigns.0.winner=1", "entries.assigns.0.replica="+ceID(2),
		"entries.counts.0.replica="+ceID(1), "entries.counts.0.contribution=5")
	// A SET of a non-number stands alone (B2).
	a, b = newTestReplica(t, 1), newTestReplica(t, 2)
	ceConcurrent(t, a, b, ktNow, ktMs, "INCRBY k 5", "SET k text")
	ceExpect(t, ceExplain(t, b, ktNow+2*ktMs, "k"), "rule="+ruleCounterText, "entries.value=text",
		"entries.counts.0.contribution=5")
	// Increments seen by a SET are reset: only the later ones contribute.
	a = newTestReplica(t, 1)
	for _, cmd := range []string{"INCRBY k 7", "SET k 1", "INCRBY k 2"} {
		ktDo(t, a, ktNow, cmd)
	}
	ceExpect(t, ceExplain(t, a, ktNow, "k"), "entries.value=3", "entries.counts.0.contribution=2",
		"entries.resets.0.replica="+ceID(1), "entries.resets.0.total=7")
}

func TestCrdtExplainTypeConflict(t *testing.T) {
	t.Parallel()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	ceConcurrent(t, a, b, ktNow, ktMs, "SET k x", "HSET k f v")
	v := ceExplain(t, a, ktNow+2*ktMs, "k")
	ceExpect(t, v, "type=hash", "rule="+ruleTypes+ruleHash,
		"types.0.type=string", "types.0.winner=0", "types.1.type=hash", "types.1.winner=1",
		"entries.count=1", "entries.truncated=0", "entries.fields.0.field=f", "entries.fields.0.value=v",
		"entries.fields.0.assigns.0.replica="+ceID(2))
}

func TestCrdtExplainHLLAfterDel(t *testing.T) {
	t.Parallel()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	_, d := ktDo(t, a, ktNow, "PFADD h x y")
	ktMerge(t, b, ktNow, ctWire(t, d))
	ceExpect(t, ceExplain(t, b, ktNow, "h"), "type=hyperloglog", "rule="+ruleHLL,
		"entries.tombstones=[]", "entries.entries.0.registers=2", "entries.entries.0.count=2",
		"entries.entries.0.visible=1")
	ceConcurrent(t, a, b, ktNow, ktMs, "DEL h", "PFADD h z")
	if v := ceExplain(t, b, ktNow+2*ktMs, "h"); v != nil {
		t.Fatalf("DEL wins, yet CRDT.EXPLAIN shows %v", v)
	}
	_, d = ktDo(t, b, ktNow+3*ktMs, "PFADD h w")
	ktMerge(t, a, ktNow+3*ktMs, ctWire(t, d))
	v := ceExplain(t, a, ktNow+3*ktMs, "h")
	ceExpect(t, v, "entries.tombstones.0.replica="+ceID(1),
		"entries.entries.0.seen.0.replica="+ceID(1), "entries.entries.0.registers=1", "entries.entries.0.visible=1")
	if n := len(cePath(t, v, "entries.entries").([]any)); n != 1 {
		t.Errorf("%d register entries, want 1 (the add concurrent with DEL is dead)", n)
	}
}

func TestCrdtExplainCollections(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	args := []string{"HSET", "h"}
	sargs := []string{"SADD", "s"}
	for i := range 150 {
		args = append(args, fmt.Sprintf("f%03d", 149-i), "v")
		sargs = append(sargs, fmt.Sprintf("m%03d", i))
	}
	ktDo(t, r, ktNow, strings.Join(args, " "))
	ktDo(t, r, ktNow, strings.Join(sargs, " "))
	v := ceExplain(t, r, ktNow, "h")
	ceExpect(t, v, "entries.count=150", "entries.truncated=1", "entries.fields.0.field=f000",
		"entries.fields.99.field=f099", "rule="+ruleHash)
	if n := len(cePath(t, v, "entries.fields").([]any)); n != explainCap {
		t.Errorf("%d fields listed, want %d", n, explainCap)
	}
	ceExpect(t, ceExplain(t, r, ktNow, "s"), "type=set", "rule="+ruleSet, "entries.count=150",
		"entries.truncated=1", "entries.members.0.member=m000", "entries.members.0.adds.0.replica="+ceID(1))

	ktDo(t, r, ktNow, "ZADD z 1.5 a 2 b")
	ktDo(t, r, ktNow, "ZINCRBY z 1 a")
	ceExpect(t, ceExplain(t, r, ktNow, "z"), "type=zset", "rule="+ruleZSet, "entries.count=2",
		"entries.truncated=0", "entries.members.0.member=a", "entries.members.0.value=2.5",
		"entries.members.0.assigns.0.value=1.5", "entries.members.0.counts.0.contribution=1")

	ktDo(t, r, ktNow, "RPUSH l a b c d")
	ktDo(t, r, ktNow, "LPOP l")
	ceExpect(t, ceExplain(t, r, ktNow, "l"), "type=list", "rule="+ruleList,
		"entries.length=3", "entries.tombstones=1", "entries.pending=0")
}

func TestCrdtExplainTTL(t *testing.T) {
	t.Parallel()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	_, d := ktDo(t, a, ktNow, "SET k v")
	ktMerge(t, b, ktNow, ctWire(t, d))
	ceConcurrent(t, a, b, ktNow, ktMs, "EXPIRE k 100", "PEXPIRE k 200000")
	ceExpect(t, ceExplain(t, a, ktNow+2*ktMs, "k"), "ttl.rule="+ruleTTL,
		"ttl.expires=1700000200001", "ttl.owner="+ceID(2),
		"ttl.marks.0.at=1700000100000", "ttl.marks.0.winner=0",
		"ttl.marks.1.at=1700000200001", "ttl.marks.1.winner=1")
	ceConcurrent(t, a, b, ktNow+3*ktMs, ktMs, "PERSIST k", "EXPIRE k 500")
	ceExpect(t, ceExplain(t, b, ktNow+5*ktMs, "k"), "ttl.expires=-1", "ttl.owner=<nil>",
		"ttl.marks.0.at=0", "ttl.marks.0.winner=1", "ttl.marks.1.winner=0")
}

// TestCrdtExplainReplies checks the command's edges and wire forms: null
// for a missing or expired key, the arity error, a map in RESP3 and a flat
// array in RESP2.
func TestCrdtExplainReplies(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	ktRun(t, r, ktNow, `
crdt.explain nokey	(nil)
crdt.explain	-ERR wrong number of arguments for 'crdt.explain' command
CRDT.EXPLAIN a b	-ERR wrong number of arguments for 'crdt.explain' command
set e v px 10	+OK
@+10
crdt.explain e	(nil)
`)
	ktDo(t, r, ktNow, "SET k v")
	rep, _, _ := r.Do(ktNow, ktArgs(t, "CRDT.EXPLAIN k"))
	if got := string(AppendReply(nil, rep, 3)); !strings.HasPrefix(got, "%6\r\n$3\r\nkey\r\n$1\r\nk\r\n") {
		t.Errorf("RESP3: %q", got)
	}
	if got := string(AppendReply(nil, rep, 2)); !strings.HasPrefix(got, "*12\r\n$3\r\nkey\r\n$1\r\nk\r\n") {
		t.Errorf("RESP2: %q", got)
	}
	if got := string(AppendReply(nil, null, 2)); got != "$-1\r\n" {
		t.Errorf("RESP2 null: %q", got)
	}
}

// TestCrdtDigest: replicas that merged the same deltas answer the same
// digest whatever their clocks; a difference in state changes it.
func TestCrdtDigest(t *testing.T) {
	t.Parallel()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	digest := func(r *Replica) string {
		t.Helper()
		got, d := ktDo(t, r, ktNow, "CRDT.DIGEST")
		if d != nil || len(got) != 66 { // 64 hex digits, quoted
			t.Fatalf("CRDT.DIGEST = %s (delta %v)", got, d)
		}
		return got
	}
	if digest(a) != digest(b) {
		t.Fatal("empty replicas differ")
	}
	ceConcurrent(t, a, b, ktNow, ktMs, "SADD s x", "HSET h f v")
	if digest(a) != digest(b) {
		t.Fatal("converged replicas differ")
	}
	_, _ = ktDo(t, a, ktNow+2*ktMs, "SADD s y")
	if digest(a) == digest(b) {
		t.Fatal("a write did not change the digest")
	}
}

// TestCollectTombstones: a deleted counter leaves a tombstone (its reset
// record), which CollectTombstones drops once asked for a version at or
// after the delete; a key that came back to life is not collected.
func TestCollectTombstones(t *testing.T) {
	t.Parallel()
	a := newTestReplica(t, 1)
	ktDo(t, a, ktNow, "INCR c")
	ktDo(t, a, ktNow, "HINCRBY h f 2")
	ktDo(t, a, ktNow, "INCR live")
	before := a.Version()
	ktDo(t, a, ktNow, "DEL c h live")
	v := a.Version()
	ktDo(t, a, ktNow, "INCR live")
	if s := a.Stats(); s.CollectibleKeys != 2 || s.TombstoneKeys != 2 {
		t.Fatalf("stats %+v, want 2 collectible tombstones", s)
	}
	if n := a.CollectTombstones(before); n != 0 {
		t.Fatalf("collected %d before the deletes", n)
	}
	if n := a.CollectTombstones(v); n != 2 {
		t.Fatalf("collected %d, want 2", n)
	}
	if s := a.Stats(); s.CollectibleKeys != 0 || s.TombstoneKeys != 0 || s.TombstonesCollected != 2 {
		t.Fatalf("stats after %+v", s)
	}
	if got, _ := ktDo(t, a, ktNow, "GET live"); got != `"1"` {
		t.Fatalf("GET live = %s", got)
	}
	if got, _ := ktDo(t, a, ktNow, "INCR c"); got != ":1" {
		t.Fatalf("INCR c after collection = %s", got)
	}
}
