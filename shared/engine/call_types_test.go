package engine

import (
	"bytes"
	"slices"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/crdt"
)

// White-box tests of the sorted-set, list and HyperLogLog write
// primitives through the wire encoding: the reference examples §6.5, §7.2,
// §7.3, §7.4 and §9.3 at the level of the state, before any command.

func ctReplica(t *testing.T, id byte) *Replica {
	t.Helper()
	r, err := New(causal.ReplicaID{id}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ctWire sends d through the encoding, as a replica receives it.
func ctWire(t *testing.T, d *Delta) *Delta {
	t.Helper()
	if d == nil {
		t.Fatal("no delta")
	}
	b, err := EncodeDelta(d)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeDelta(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ctSync(t *testing.T, now int64, ds map[*Replica][]*Delta) {
	t.Helper()
	for to := range ds {
		for from, list := range ds {
			if from == to {
				continue
			}
			for _, d := range list {
				if err := to.Merge(now, ctWire(t, d)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func ctScore(r *Replica, now int64, key, member string) (float64, bool) {
	k, _ := r.newCall(now, nil).lookupType(key, TypeZSet)
	if k == nil {
		return 0, false
	}
	return k.zidx.Score(member)
}

func ctList(r *Replica, now int64, key string) []string {
	k, _ := r.newCall(now, nil).lookupType(key, TypeList)
	if k == nil {
		return nil
	}
	var out []string
	for _, v := range k.List.seq.Range(0, k.List.seq.Len()) {
		out = append(out, string(v))
	}
	return out
}

func ctSame(t *testing.T, a, b *Replica) {
	t.Helper()
	if !bytes.Equal(ktState(t, a), ktState(t, b)) {
		t.Fatal("states differ after sync")
	}
	ra, _ := ctWire(t, a.Snapshot()), 0
	c := ctReplica(t, 9)
	if err := c.Restore(ra); err != nil {
		t.Fatal(err)
	}
	sa, sc := ktState(t, a), ktState(t, c)
	// c's context differs only by nothing; compare keys through encoding
	if !bytes.Equal(sa, sc) {
		t.Fatal("restored snapshot differs")
	}
}

func TestPrimitives_ZSetRemoveVsIncrement(t *testing.T) {
	now := int64(1_700_000_000_000_000_000)
	a, b := ctReplica(t, 1), ctReplica(t, 2)
	d := ktWrite(a, now, func(c *call) { c.zadd("z", "x", 4.1) })
	ctSync(t, now, map[*Replica][]*Delta{a: {d}, b: nil})
	da := ktWrite(a, now+1e6, func(c *call) { c.zrem("z", "x") })
	db := ktWrite(b, now+2e6, func(c *call) { c.zincr("z", "x", 4.1, 4.1+2.0) })
	if _, ok := ctScore(a, now+3e6, "z", "x"); ok {
		t.Fatal("ZREM left x")
	}
	if s, _ := ctScore(b, now+3e6, "z", "x"); s != 6.1 {
		t.Fatalf("B sees %v, want 6.1", s)
	}
	ctSync(t, now+3e6, map[*Replica][]*Delta{a: {da}, b: {db}})
	for _, r := range []*Replica{a, b} {
		if s, ok := ctScore(r, now+4e6, "z", "x"); !ok || s != 2.0 {
			t.Fatalf("after sync %v %v, want 2.0", s, ok)
		}
	}
	ctSame(t, a, b)
}

func TestPrimitives_ZSetConcurrentIncrements(t *testing.T) {
	now := int64(1_700_000_000_000_000_000)
	a, b := ctReplica(t, 1), ctReplica(t, 2)
	d := ktWrite(a, now, func(c *call) { c.zadd("z", "x", 1.1) })
	ctSync(t, now, map[*Replica][]*Delta{a: {d}, b: nil})
	da := ktWrite(a, now+1e6, func(c *call) { c.zincr("z", "x", 1.1, 1.1+1.0) })
	db := ktWrite(b, now+1e6, func(c *call) { c.zincr("z", "x", 1.1, 1.1+1.0) })
	ctSync(t, now+2e6, map[*Replica][]*Delta{a: {da}, b: {db}})
	for _, r := range []*Replica{a, b} {
		if s, _ := ctScore(r, now+3e6, "z", "x"); crdt.AppendScore(nil, s) == nil || string(crdt.AppendScore(nil, s)) != "3.1000000000000001" {
			t.Fatalf("score %s, want 3.1000000000000001 (3.1)", crdt.AppendScore(nil, s))
		}
	}
	ctSame(t, a, b)
}

func TestPrimitives_ListConcurrentInsertDelPop(t *testing.T) {
	now := int64(1_700_000_000_000_000_000)
	a, b := ctReplica(t, 1), ctReplica(t, 2)
	var x causal.Dot
	d := ktWrite(a, now, func(c *call) { x = c.push("L", false, []byte("x")) })
	ctSync(t, now, map[*Replica][]*Delta{a: {d}, b: nil})
	da := ktWrite(a, now+1e6, func(c *call) { c.insert("L", x, true, []byte("y1")) })
	db := ktWrite(b, now+2e6, func(c *call) { c.insert("L", x, true, []byte("y2")) })
	ctSync(t, now+3e6, map[*Replica][]*Delta{a: {da}, b: {db}})
	for _, r := range []*Replica{a, b} {
		if got := ctList(r, now+3e6, "L"); !slices.Equal(got, []string{"x", "y1", "y2"}) {
			t.Fatalf("%v, want x y1 y2", got)
		}
	}
	ctSame(t, a, b)
	// §7.3: LPUSH ‖ DEL keeps the push.
	da = ktWrite(a, now+4e6, func(c *call) { c.push("L", false, []byte("y")) })
	db = ktWrite(b, now+4e6, func(c *call) { c.del("L") })
	ctSync(t, now+5e6, map[*Replica][]*Delta{a: {da}, b: {db}})
	for _, r := range []*Replica{a, b} {
		if got := ctList(r, now+5e6, "L"); !slices.Equal(got, []string{"y"}) {
			t.Fatalf("%v, want y", got)
		}
	}
	ctSame(t, a, b)
	// Concurrent pops of the same element: gone once.
	id, _ := a.keys["L"].List.seq.At(0)
	da = ktWrite(a, now+6e6, func(c *call) { c.lremove("L", id) })
	db = ktWrite(b, now+6e6, func(c *call) { c.lremove("L", id) })
	ctSync(t, now+7e6, map[*Replica][]*Delta{a: {da}, b: {db}})
	for _, r := range []*Replica{a, b} {
		if got := ctList(r, now+7e6, "L"); got != nil {
			t.Fatalf("%v, want empty", got)
		}
	}
	ctSame(t, a, b)
}

func TestPrimitives_HLLDelWins(t *testing.T) {
	now := int64(1_700_000_000_000_000_000)
	a, b := ctReplica(t, 1), ctReplica(t, 2)
	add := func(c *call, e string) {
		var h crdt.HLL
		h.Add([]byte(e))
		c.pfwrite("h", h)
	}
	d := ktWrite(a, now, func(c *call) { add(c, "e1") })
	ctSync(t, now, map[*Replica][]*Delta{a: {d}, b: nil})
	da := ktWrite(a, now+1e6, func(c *call) { add(c, "e2") })
	db := ktWrite(b, now+1e6, func(c *call) { c.del("h") })
	if got := a.keys["h"].HLL.Visible().Count(); got != 2 {
		t.Fatalf("A counts %d", got)
	}
	ctSync(t, now+2e6, map[*Replica][]*Delta{a: {da}, b: {db}})
	for _, r := range []*Replica{a, b} {
		if k := r.newCall(now+3e6, nil).lookup("h"); k != nil {
			t.Fatalf("h exists: %v", k.Type())
		}
	}
	ctSame(t, a, b)
	// A later add (after seeing the DEL) survives.
	da = ktWrite(a, now+4e6, func(c *call) { add(c, "e3") })
	ctSync(t, now+5e6, map[*Replica][]*Delta{a: {da}, b: nil})
	for _, r := range []*Replica{a, b} {
		k := r.newCall(now+6e6, nil).lookup("h")
		if k == nil || k.Type() != TypeHLL || k.HLL.Visible().Count() != 1 {
			t.Fatal("add after DEL lost")
		}
	}
	ctSame(t, a, b)
}

// checkWire checks a reply's exact bytes in RESP2 and RESP3.
func checkWire(t *testing.T, cmd string, rep Reply, resp2, resp3 string) {
	t.Helper()
	if got := string(AppendReply(nil, rep, 2)); got != resp2 {
		t.Errorf("%s RESP2: got %q, want %q", cmd, got, resp2)
	}
	if got := string(AppendReply(nil, rep, 3)); got != resp3 {
		t.Errorf("%s RESP3: got %q, want %q", cmd, got, resp3)
	}
}
