package node

import (
	"time"

	"lattice/hub/mesh"
	"lattice/shared/causal"
)

// gcState is the owner goroutine's bookkeeping for garbage collection by
// causal stability (SEMANTICS.md A11). Once a second the owner notes an
// epoch: the replica's version and what the hub holds then. When the
// mesh's stable context (what every hub holds, by reports this hub has
// caught up with) covers an epoch, every tombstone that existed at that
// epoch is collectible: each peer has merged the delete, and everything a
// peer made before merging it has arrived here.
type gcState struct {
	epochs    []gcEpoch
	ticks     int
	collected uint64
	blockers  []string  // peers keeping waiting tombstones from being stable
	since     time.Time // since when; zero if nothing waits on a peer
	logged    time.Time // last "blocked" log line
}

type gcEpoch struct {
	ver  uint64
	held *causal.Context
	at   time.Time
}

// maxEpochs bounds the epochs kept while collection is blocked: the
// newest replaces the last, which only makes collection later.
const maxEpochs = 600

// gcEvery is how many owner ticks (100 ms) pass between collections.
const gcEvery = 10

// gcBlockedLog is how long collection may be blocked, with tombstones
// waiting, before the hub logs it (and again as often).
const gcBlockedLog = time.Minute

// collectGarbage runs on the owner goroutine every gcEvery ticks.
func (n *Node) collectGarbage() {
	g := &n.gc
	if g.ticks++; g.ticks < gcEvery {
		return
	}
	g.ticks = 0
	now := time.Now()
	e := gcEpoch{ver: n.replica.Version(), held: n.mesh.AppliedContext(), at: now}
	if k := len(g.epochs); k >= maxEpochs {
		g.epochs[k-1] = e
	} else {
		g.epochs = append(g.epochs, e)
	}
	members := n.mesh.Members()
	stable := &causal.Context{VV: e.held.VV}
	complete := true
	for _, m := range members {
		if m.Caught == nil {
			complete = false
			continue
		}
		stable = mesh.Meet(stable, m.Caught)
	}
	var upTo uint64
	i := 0
	for complete && i < len(g.epochs) && stable.Dominates(g.epochs[i].held) {
		upTo = g.epochs[i].ver
		i++
	}
	g.epochs = g.epochs[i:]
	if i > 0 {
		g.collected += uint64(n.replica.CollectTombstones(upTo))
	}

	// Visibility: the members that keep the oldest waiting epoch (and the
	// tombstones it holds) from being stable.
	g.blockers, g.since = nil, time.Time{}
	pending := n.replica.Collectible()
	if pending == 0 || len(g.epochs) == 0 || now.Sub(g.epochs[0].at) < 2*time.Second {
		return
	}
	for _, m := range members {
		if m.Caught == nil || !m.Caught.Dominates(g.epochs[0].held) {
			g.blockers = append(g.blockers, m.Name)
		}
	}
	if len(g.blockers) == 0 {
		return // this hub itself has not caught up yet
	}
	g.since = g.epochs[0].at
	if now.Sub(g.since) >= gcBlockedLog && now.Sub(g.logged) >= gcBlockedLog {
		g.logged = now
		n.log.Warn("gc: tombstones wait for peers that have not acknowledged them; a dead peer can be removed with CRDT.FORGET",
			"blocked_by", g.blockers, "pending", pending, "blocked_for", now.Sub(g.since).Round(time.Second))
	}
}
