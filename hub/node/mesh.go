package node

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"lattice/hub/mesh"
	"lattice/shared/causal"
	"lattice/shared/engine"
)

// meshHost lets the mesh (hub/mesh) reach the replica: every method runs on
// the owner goroutine, between steps (runTask), where the replica, the
// log and the mesh's backlog agree.
type meshHost struct{ n *Node }

// errStopped answers the mesh when the node is shutting down.
var errStopped = errors.New("hub shutting down")

// Apply merges the peer deltas this hub does not hold yet, makes them
// durable (logged as they came, with their origins), records them (so the
// mesh forwards them), and then raises their notifications and wakes
// blocked clients (B10). A delta the replica refuses stops the batch:
// those before it stay merged and are committed, the rest are not.
func (h meshHost) Apply(ctx context.Context, origins []causal.Dot, payloads [][]byte) (int, int64, error) {
	n := h.n
	var err error
	merged := 0
	var wall int64
	ok := n.runTask(ctx, func() {
		now := n.now().UnixNano()
		var ds []*engine.Delta
		var ps [][]byte
		var ors []causal.Dot
		for i, p := range payloads {
			o := origins[i]
			// A source's log holds each origin once, so one message never
			// names an origin twice (and a merge twice would be harmless).
			if n.mesh.Holds(o) {
				continue
			}
			var d *engine.Delta
			d, err = engine.DecodeDelta(p)
			if err == nil && (d.Origin == nil || *d.Origin != o || d.Full) {
				err = fmt.Errorf("delta %v is not the one its origin names", o)
			}
			if err == nil {
				err = n.replica.Merge(now, d)
			}
			if err != nil {
				break
			}
			ds, ps, ors = append(ds, d), append(ps, p), append(ors, o)
		}
		if len(ds) == 0 {
			return
		}
		merged, wall = len(ds), ds[len(ds)-1].TS.Wall
		if cerr := n.commitEncoded(ps, ors); cerr != nil {
			err = cerr
			return
		}
		n.afterWrite(ds)
	})
	if !ok {
		return merged, wall, errStopped
	}
	return merged, wall, err
}

// ApplySnapshot joins a peer's full state (a full sync) and makes it
// durable: logged as one record when it fits, else by a snapshot of the
// whole state.
func (h meshHost) ApplySnapshot(ctx context.Context, payload []byte) error {
	n := h.n
	d, err := engine.DecodeDelta(payload)
	if err != nil {
		return err
	}
	if !d.Full || d.Applied == nil {
		return errors.New("a full sync that is not a full state")
	}
	ok := n.runTask(ctx, func() {
		if err = n.replica.Merge(n.now().UnixNano(), d); err != nil {
			return
		}
		n.mesh.Merged(d.Applied)
		if int64(len(payload)) <= maxSnapshotRecord {
			err = n.commitEncoded([][]byte{payload}, nil)
		} else {
			err = n.persist.st.SaveNow(n.replica)
		}
		if err != nil {
			return
		}
		n.afterWrite([]*engine.Delta{d})
	})
	if !ok {
		return errStopped
	}
	return err
}

// Publish delivers a message a peer hub published to this hub's
// subscribers (pubsub has its own lock: no owner step needed).
func (h meshHost) Publish(channel, message []byte) { h.n.publish(channel, message) }

// maxSnapshotRecord is the largest full-sync snapshot logged as a record;
// a larger one is made durable by a local snapshot.
const maxSnapshotRecord = 256 << 20

// Snapshot encodes the whole state with the origins it holds.
func (h meshHost) Snapshot(ctx context.Context) ([]byte, uint64, *causal.Context, error) {
	n := h.n
	var (
		b       []byte
		lsn     uint64
		applied *causal.Context
		err     error
	)
	ok := n.runTask(ctx, func() {
		lsn = n.mesh.Backlog.Head()
		applied = n.mesh.AppliedContext()
		d := n.replica.Snapshot()
		d.Applied = applied
		b, err = engine.EncodeDelta(d)
	})
	if !ok {
		return nil, 0, nil, errStopped
	}
	return b, lsn, applied, err
}

// replay rebuilds what the mesh holds, and its backlog, from the store
// while it recovers (store.Config.Replay).
func (n *Node) replay(d *engine.Delta, payload []byte) {
	if d.Full {
		n.mesh.Merged(d.Applied)
		return
	}
	if d.Origin != nil {
		n.mesh.Applied([]causal.Dot{*d.Origin}, [][]byte{append([]byte(nil), payload...)})
	}
}

// infoMesh writes the mesh part of INFO crdt: totals, then one line per
// link in Redis's "slave0:" style. crdt_peer<i> pulls a configured peer's
// stream; crdt_served<i> serves this hub's stream to a peer that pulls it.
func (n *Node) infoMesh(w *infoWriter) {
	links := n.mesh.Links()
	var up int
	var lagMs float64
	var lagOps uint64
	var partial, full, dups int64
	for _, l := range links {
		if l.Outbound {
			if l.State == "streaming" {
				up++
			}
			lagMs, lagOps = max(lagMs, l.LagMs), max(lagOps, l.LagOps)
			dups += l.Duplicates
			partial += l.Partial
			full += l.Full
		}
	}
	servedPartial, servedFull := n.mesh.Served()
	w.int("crdt_peers_configured", int64(len(n.cfg.Peers)))
	w.int("crdt_peers_connected", int64(up))
	w.float("crdt_max_lag_ms", lagMs)
	w.uint("crdt_max_lag_ops", lagOps)
	w.uint("crdt_stream_head", n.mesh.Backlog.Head())
	w.int("crdt_backlog_bytes", n.mesh.Backlog.Bytes())
	w.int("crdt_partial_syncs", partial) // received: links that resumed from a peer's backlog
	w.int("crdt_full_syncs", full)       // received: snapshots merged
	w.int("crdt_partial_syncs_served", servedPartial)
	w.int("crdt_full_syncs_served", servedFull)
	w.int("crdt_duplicates_filtered", dups)
	var in, out int
	for _, l := range links {
		key := "crdt_served" + strconv.Itoa(out)
		dir := "serve"
		if l.Outbound {
			key, dir = "crdt_peer"+strconv.Itoa(in), "pull"
			in++
		} else {
			out++
		}
		id := ""
		if l.PeerID != (causal.ReplicaID{}) {
			id = l.PeerID.String()
		}
		w.kv(key, fmt.Sprintf("name=%s,id=%s,dir=%s,addr=%s,state=%s,lag_ms=%.0f,lag_ops=%d,bytes_in=%d,bytes_out=%d,"+
			"deltas_in=%d,deltas_out=%d,duplicates=%d,partial_syncs=%d,full_syncs=%d,clock_offset_ms=%d,rtt_us=%d,"+
			"clock_skewed=%d,snapshot_bytes=%d/%d,failures=%d,publish_in=%d,publish_out=%d,publish_dropped=%d",
			l.Peer, id, dir, l.Addr, l.State, l.LagMs, l.LagOps, l.BytesIn, l.BytesOut, l.DeltasIn, l.DeltasOut,
			l.Duplicates, l.Partial, l.Full, l.ClockOffset.Milliseconds(), l.RTT.Microseconds(), b2i(l.Skewed),
			l.SnapGot, l.SnapSize, l.Failures, l.PubsIn, l.PubsOut, l.PubsDropped))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// meshMetrics writes the per-link metrics, labelled by peer name,
// address and direction (pull: the peer's stream to us; serve: ours to it).
func (n *Node) meshMetrics(m *metricsWriter) {
	links := n.mesh.Links()
	m.gauge("lattice_mesh_stream_head", "Deltas this hub has originated (its stream's head).", float64(n.mesh.Backlog.Head()))
	m.gauge("lattice_mesh_backlog_bytes", "Memory held by the backlog of this hub's stream.", float64(n.mesh.Backlog.Bytes()))
	type fam struct {
		name, typ, help string
		v               func(l *mesh.LinkStats) float64
	}
	fams := []fam{
		{"lattice_mesh_link_up", "gauge", "1 while the link streams, else 0.", func(l *mesh.LinkStats) float64 { return float64(b2i(l.State == "streaming")) }},
		{"lattice_mesh_lag_milliseconds", "gauge", "Age of the newest peer delta when it was applied.", func(l *mesh.LinkStats) float64 { return l.LagMs }},
		{"lattice_mesh_lag_operations", "gauge", "Deltas of the stream not yet applied (pull) or acknowledged (serve).", func(l *mesh.LinkStats) float64 { return float64(l.LagOps) }},
		{"lattice_mesh_bytes_in_total", "counter", "Bytes received on the link.", func(l *mesh.LinkStats) float64 { return float64(l.BytesIn) }},
		{"lattice_mesh_bytes_out_total", "counter", "Bytes sent on the link.", func(l *mesh.LinkStats) float64 { return float64(l.BytesOut) }},
		{"lattice_mesh_deltas_in_total", "counter", "Peer deltas applied.", func(l *mesh.LinkStats) float64 { return float64(l.DeltasIn) }},
		{"lattice_mesh_deltas_out_total", "counter", "Deltas sent.", func(l *mesh.LinkStats) float64 { return float64(l.DeltasOut) }},
		{"lattice_mesh_duplicates_total", "counter", "Deltas received again and filtered.", func(l *mesh.LinkStats) float64 { return float64(l.Duplicates) }},
		{"lattice_mesh_partial_syncs_total", "counter", "Links resumed from the backlog.", func(l *mesh.LinkStats) float64 { return float64(l.Partial) }},
		{"lattice_mesh_full_syncs_total", "counter", "Full syncs (snapshot transfers).", func(l *mesh.LinkStats) float64 { return float64(l.Full) }},
		{"lattice_mesh_clock_offset_seconds", "gauge", "The peer's clock minus ours (SEMANTICS.md B1).", func(l *mesh.LinkStats) float64 { return l.ClockOffset.Seconds() }},
		{"lattice_mesh_clock_skewed", "gauge", "1 while the clock offset exceeds the max offset.", func(l *mesh.LinkStats) float64 { return float64(b2i(l.Skewed)) }},
		{"lattice_mesh_link_failures_total", "counter", "Connection attempts that failed.", func(l *mesh.LinkStats) float64 { return float64(l.Failures) }},
	}
	for _, f := range fams {
		m.family(f.name, f.typ, f.help)
		for i := range links {
			l := &links[i]
			dir := "serve"
			if l.Outbound {
				dir = "pull"
			}
			labels := `peer="` + escapeLabel(l.Peer) + `",addr="` + escapeLabel(l.Addr) + `",dir="` + dir + `"`
			m.sample(f.name, labels, f.v(l))
		}
	}
}
