package meshe2e

import (
	"context"
	"fmt"
	"testing"
)

// TestMesh_GC: deletes leave tombstones on every hub until every hub has
// acknowledged them, then every hub collects them (SEMANTICS.md A11); a
// dead peer blocks collection visibly until CRDT.FORGET removes it.
func TestMesh_GC(t *testing.T) {
	c := startMesh(t, []string{"a", "b", "c"})
	ctx := context.Background()
	const n = 50
	for i := range n {
		do(t, c, i%3, "INCRBY", fmt.Sprintf("c%d", i), 5)
	}
	converge(t, c)

	// c stops receiving: it cannot acknowledge the deletes.
	c.Cut(2, 0)
	c.Cut(2, 1)
	for i := range n {
		do(t, c, 0, "DEL", fmt.Sprintf("c%d", i))
	}
	eventually(t, "the deletes to reach b", func() bool { return infoInt(t, c, 1, "crdt_gc_pending") == n })
	if p := infoInt(t, c, 0, "crdt_gc_pending"); p != n {
		t.Fatalf("a holds %d tombstones, want %d", p, n)
	}
	// While c has not acknowledged, nothing is collected, and INFO says
	// who holds collection up (checked over a few GC rounds).
	eventually(t, "a to name c as the blocker", func() bool { return c.Info(ctx, 0, "crdt_gc_blocked_by") == "c" })
	for i := range 2 {
		if got := infoInt(t, c, i, "crdt_gc_collected"); got != 0 {
			t.Fatalf("hub %d collected %d tombstones before c acknowledged the deletes", i, got)
		}
	}

	c.Heal()
	converge(t, c)
	for i := range 3 {
		eventually(t, fmt.Sprintf("hub %d to collect the tombstones", i), func() bool {
			return infoInt(t, c, i, "crdt_gc_collected") == n && infoInt(t, c, i, "crdt_gc_pending") == 0
		})
		if got := infoInt(t, c, i, "crdt_tombstone_keys"); got != 0 {
			t.Fatalf("hub %d still holds %d tombstone keys", i, got)
		}
		if got := do(t, c, i, "DBSIZE"); got != "0" {
			t.Fatalf("hub %d DBSIZE = %s", i, got)
		}
	}
	converge(t, c) // collected everywhere: the digests agree again

	// A counter deleted and incremented concurrently keeps the unseen
	// increment (B3) across collection.
	c.Partition([]int{0}, []int{1, 2})
	do(t, c, 0, "INCRBY", "k", 10)
	c.Heal()
	converge(t, c)
	c.Partition([]int{0}, []int{1, 2})
	do(t, c, 0, "DEL", "k")
	do(t, c, 1, "INCRBY", "k", 3)
	c.Heal()
	converge(t, c)
	for i := range 3 {
		if got := do(t, c, i, "GET", "k"); got != "3" {
			t.Fatalf("hub %d GET k = %s, want 3", i, got)
		}
	}

	// A dead peer blocks collection visibly; CRDT.FORGET unblocks it.
	c.Kill(2)
	do(t, c, 0, "INCR", "x")
	do(t, c, 0, "DEL", "x")
	eventually(t, "a to name the dead peer", func() bool { return c.Info(ctx, 0, "crdt_gc_blocked_by") == "c" })
	if got := infoInt(t, c, 0, "crdt_gc_pending"); got != 1 {
		t.Fatalf("a holds %d tombstones, want 1", got)
	}
	for i := range 2 {
		do(t, c, i, "CRDT.FORGET", "c")
	}
	for i := range 2 {
		eventually(t, fmt.Sprintf("hub %d to collect after CRDT.FORGET", i), func() bool {
			return infoInt(t, c, i, "crdt_gc_pending") == 0
		})
	}
	if _, err := c.Client(0).Do(ctx, "CRDT.FORGET", "nobody").Result(); err == nil {
		t.Fatal("CRDT.FORGET of an unknown peer succeeded")
	}
}
