package meshe2e

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"lattice/hub/meshtest"
)

// waitAcked waits until each writer has had n more writes acknowledged.
func waitAcked(t *testing.T, n int64, ws ...*writer) {
	t.Helper()
	want := make([]int64, len(ws))
	for i, w := range ws {
		want[i] = w.acked.Load() + n
	}
	eventually(t, strconv.FormatInt(n, 10)+" more acknowledged writes", func() bool {
		for i, w := range ws {
			if w.acked.Load() < want[i] {
				return false
			}
		}
		return true
	})
}

// waitBacklogsFull waits until every running hub's backlog holds at least
// bytes: from then on each delta evicts an old one, so a sink resuming
// must be served from the middle of the backlog, not its first position.
func waitBacklogsFull(t *testing.T, c *meshtest.Cluster, bytes int64) {
	t.Helper()
	eventually(t, "full backlogs", func() bool {
		for i := range c.Hubs {
			if c.Running(i) && infoInt(t, c, i, "crdt_backlog_bytes") < bytes {
				return false
			}
		}
		return true
	})
}

// waitLinked waits until every hub streams from every peer.
func waitLinked(t *testing.T, c *meshtest.Cluster) {
	t.Helper()
	eventually(t, "every link up", func() bool {
		for i := range c.Hubs {
			if infoInt(t, c, i, "crdt_peers_connected") != int64(len(c.Hubs)-1) {
				return false
			}
		}
		return true
	})
}

// TestMesh_RejoinKilled is RELIABILITY.md T8 and T9 for a hub that keeps
// its directory: SIGKILL under load (--appendfsync always), the others
// keep writing, and the hub restarted on its directory catches up by
// partial sync alone, from backlogs that have wrapped. Before the kill the
// others stop receiving its stream, so it dies holding acknowledged
// writes nobody else has: they must reach the others from its log.
func TestMesh_RejoinKilled(t *testing.T) {
	s := seed(t)
	const backlog = 256 << 10
	c := startMesh(t, []string{"a", "b", "c"}, "--appendfsync", "always", "--repl-backlog-size", "256kb")
	ks := keyspace("k")
	ws := make([]*writer, 3)
	l := startLoad(t)
	for i := range ws {
		ws[i] = newWriter(ks, i, i, s)
		l.start(ws[i], c.Client(i))
	}
	waitBacklogsFull(t, c, backlog-4<<10)

	// Hub b's last writes stay on b.
	c.Cut(0, 1)
	c.Cut(2, 1)
	ticks := ws[1].ticks.Load()
	eventually(t, "b's own counter to move while cut off", func() bool { return ws[1].ticks.Load() >= ticks+5 })
	ws[1].down.Store(true)
	c.Kill(1)
	killed := time.Now()
	l.wait(ws[1])
	c.Heal()
	acked := ws[1].ticks.Load()
	var seen int64
	for _, i := range []int{0, 2} {
		v, _ := readString(c.Client(i), ks.tick(1))
		if len(v) > 0 {
			n, _ := strconv.ParseInt(v[0], 10, 64)
			seen = max(seen, n)
		}
	}
	t.Logf("b killed holding %d acknowledged INCRs of its own counter; the others had %d", acked, seen)
	if acked-seen < 5 {
		t.Fatalf("the others hold %d of b's %d INCRs: the cut did not keep b's last writes on b", seen, acked)
	}

	// The others write on while b is down, less than their backlogs hold
	// (~1300 deltas of ~200 bytes), then pause while b restarts: however
	// slow the restart, the backlogs still reach back to what b had.
	waitAcked(t, 200, ws[0], ws[2])
	l.stop()
	if err := c.Restart(1, false); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	// Every link back up before the load resumes, likewise for b's own
	// backlog, which must still hold the writes the others lack.
	waitLinked(t, c)
	linked := time.Since(restarted)
	ws[1].down.Store(false)
	l = startLoad(t)
	for i, w := range ws {
		l.start(w, c.Client(i))
	}
	waitAcked(t, 200, ws...)
	l.stop()
	took := converge(t, c)
	t.Logf("down for %v; every link up %v after the restart; converged %v after it (%v after the load stopped)",
		restarted.Sub(killed).Round(time.Millisecond), linked.Round(time.Millisecond),
		time.Since(restarted).Round(time.Millisecond), took)

	for i := range c.Hubs {
		l := linkSyncs(t, c, i)
		t.Logf("hub %s: crdt_partial_syncs=%d crdt_full_syncs=%d (pulled: %d partial, %d full)", c.Hubs[i].Name,
			infoInt(t, c, i, "crdt_partial_syncs"), infoInt(t, c, i, "crdt_full_syncs"), l.pullPartial, l.pullFull)
		if f := infoInt(t, c, i, "crdt_full_syncs"); f != 0 {
			t.Errorf("hub %s: %d full syncs; every link should have resumed from a backlog", c.Hubs[i].Name, f)
		}
	}
	if p := infoInt(t, c, 1, "crdt_partial_syncs"); p == 0 {
		t.Errorf("restarted hub b reports no partial sync")
	}
	for i, w := range ws {
		n, _ := w.counts()
		t.Logf("hub %s: %d writes: %s", c.Hubs[i].Name, n, w.mix())
		for _, err := range w.firstErrors(5) {
			t.Errorf("hub %s refused a write: %v", c.Hubs[i].Name, err)
		}
	}
	r := checkWorkload(t, c, ks, ws)
	t.Logf("checked %d keys on 3 hubs: %s", r.keys, r)
}

// TestMesh_RejoinWiped is RELIABILITY.md T9 for a hub whose directory is
// lost: stopped, wiped, restarted while the others write. It comes back
// under a new replica id (its old dots are never reused), catches up by
// full sync since the others' backlogs no longer reach back, and leaves
// the others alone: they take no full sync and what they held before
// reads the same after.
func TestMesh_RejoinWiped(t *testing.T) {
	s := seed(t)
	c := startMesh(t, []string{"a", "b", "c"}, "--repl-backlog-size", "64kb")
	before := keyspace("w1")
	ws1 := make([]*writer, 3)
	l1 := startLoad(t)
	for i := range ws1 {
		ws1[i] = newWriter(before, i, i, s)
		l1.start(ws1[i], c.Client(i))
	}
	waitBacklogsFull(t, c, 60<<10)
	waitAcked(t, 100, ws1...)
	l1.stop()
	converge(t, c)
	checkWorkload(t, c, before, ws1)
	if t.Failed() {
		t.FailNow()
	}
	// What hubs a and b hold now, key by key, and how often they pulled a
	// full sync so far (never, without partitions).
	held := map[string][]string{}
	for _, k := range before.keys(ws1) {
		v, err := k.read(c.Client(0), k.key)
		if err != nil {
			t.Fatal(err)
		}
		held[k.key] = v
	}
	var fullBefore [2]int64
	for i := range fullBefore {
		fullBefore[i] = linkSyncs(t, c, i).pullFull
	}
	oldID := c.Info(context.Background(), 2, "crdt_replica_id")

	c.Stop(2)
	after := keyspace("w2")
	ws2 := []*writer{newWriter(after, 10, 0, s), newWriter(after, 11, 1, s), newWriter(after, 12, 2, s)}
	l2 := startLoad(t)
	l2.start(ws2[0], c.Client(0))
	l2.start(ws2[1], c.Client(1))
	// Enough that the backlogs (64kb) roll over while c is away.
	waitAcked(t, 600, ws2[0], ws2[1])
	if err := c.Restart(2, true); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	waitLinked(t, c)
	linked := time.Since(restarted)
	// The new hub writes too, once linked: a wiped hub that reused its old
	// replica id would number these like deltas the others already hold,
	// and they would be dropped as duplicates.
	l2.start(ws2[2], c.Client(2))
	waitAcked(t, 200, ws2...)
	l2.stop()
	took := converge(t, c)
	t.Logf("wiped hub linked %v after its restart; converged %v after it (%v after the load stopped)",
		linked.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond), took)

	if id := c.Info(context.Background(), 2, "crdt_replica_id"); id == oldID || id == "" {
		t.Errorf("wiped hub's replica id is %q, its old one %q: want a new one", id, oldID)
	}
	for i := range c.Hubs {
		l := linkSyncs(t, c, i)
		t.Logf("hub %s: pulled by partial sync %d, by full sync %d; live inbound links served by partial %d, full %d",
			c.Hubs[i].Name, l.pullPartial, l.pullFull, l.servePartial, l.serveFull)
		switch {
		case i == 2 && l.pullFull < 1:
			t.Errorf("wiped hub pulled no full sync: got its state some other way?")
		case i == 2 && l.serveFull > 0:
			t.Errorf("the others pulled %d full syncs from the wiped hub", l.serveFull)
		case i < 2 && l.pullFull != fullBefore[i]:
			t.Errorf("hub %s pulled %d full syncs while the wiped hub rejoined, want none",
				c.Hubs[i].Name, l.pullFull-fullBefore[i])
		}
	}
	for _, k := range before.keys(ws1) {
		for i := range c.Hubs {
			v, err := k.read(c.Client(i), k.key)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(v, held[k.key]) {
				t.Errorf("hub %s: %s changed while the wiped hub rejoined: %s, was %s", c.Hubs[i].Name, k.key,
					brief(v), brief(held[k.key]))
			}
		}
	}
	for i, w := range ws2 {
		n, _ := w.counts()
		t.Logf("hub %s: %d writes: %s", c.Hubs[i].Name, n, w.mix())
		for _, err := range w.firstErrors(5) {
			t.Errorf("hub %s refused a write: %v", c.Hubs[i].Name, err)
		}
	}
	r := checkWorkload(t, c, after, ws2)
	t.Logf("checked %d keys on 3 hubs: %s", r.keys, r)
}

// TestMesh_RejoinAfterBacklogWrap: a link that drops after its source's
// backlog has wrapped (evicted its first entries) resumes by partial sync,
// since the sink holds everything evicted; the source serves it from the
// oldest entry it still has.
func TestMesh_RejoinAfterBacklogWrap(t *testing.T) {
	c := startMesh(t, []string{"a", "b"}, "--repl-backlog-size", "64kb")
	ctx := context.Background()
	pipe := c.Client(0).Pipeline()
	for range 3000 {
		pipe.Incr(ctx, "n")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	converge(t, c)
	was := linkSyncs(t, c, 1)
	c.Cut(1, 0)
	for range 10 {
		do(t, c, 0, "INCR", "n")
	}
	c.Heal()
	t.Logf("converged in %v", converge(t, c))
	if got := do(t, c, 1, "GET", "n"); got != "3010" {
		t.Fatalf("hub b GET n = %s, want 3010", got)
	}
	if l := linkSyncs(t, c, 1); l.pullFull != was.pullFull || l.pullPartial <= was.pullPartial {
		t.Errorf("hub b resumed by %d partial and %d full syncs, want partial ones only",
			l.pullPartial-was.pullPartial, l.pullFull-was.pullFull)
	}
}
