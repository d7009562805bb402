package node

import (
	"slices"
	"sync"
	"sync/atomic"

	"lattice/shared/engine"
)

// events is what happens around the writes: pub/sub (pubsub.go), blocked
// clients (block.go) and keyspace notifications (notify.go).
//
// The owner runs every request as a job (runJob): command by command, so
// that a write wakes the clients blocked on its keys before the next
// command runs, as Redis serves blocked clients after each command. A job
// whose blocking command finds nothing to pop parks, keyed by the keys it
// waits for; the rest of its pipeline waits with it. What one owner step
// does is gathered in a batch: the deltas, committed once (durable as
// --appendfsync says) before any reply of the batch is sent and before its
// notifications are published.
//
// Wake-ups depend on the deltas only (SEMANTICS.md B10): afterWrite serves
// the deltas that do not come from a local command (merged from peers) as
// the local ones are.
type events struct {
	ps     pubsub       // any goroutine (own lock)
	blk    blockState   // owner goroutine only
	notify atomic.Int64 // notify-keyspace-events flags (nf*)

	// shadow holds, per session inside MULTI, the commands it queued, so
	// that EXEC's notifications can be raised per command. Guarded by
	// shadowMu: a closed connection drops its entry (clientGone).
	shadowMu sync.Mutex
	shadow   map[*engine.Session][][][]byte
}

// job is one request being run by the owner: its replies so far and the
// next command to run. A job parked by a blocking command resumes at it.
type job struct {
	req     request
	replies []engine.Reply
	next    int
	failed  error // a commit of its writes failed: every reply is MISCONF

	c        *client    // the requesting client (nil for internal requests)
	spec     *blockSpec // the blocking command it waits in, while parked
	parked   bool
	deadline int64 // Unix ms at which it times out; 0: never
	hidx     int   // index in blockState.timeouts; -1 when not there
	w        *watcher
}

// batch is one owner step: the deltas to commit, the jobs finished (their
// replies go out after the commit), the jobs parked, and the messages to
// publish after the commit (keyspace notifications and PUBLISH).
type batch struct {
	now    int64
	deltas []*engine.Delta
	done   []*job
	parked []*job
	msgs   []message
	// txGroups are the messages of the owner commands inside the EXEC
	// being run (hubRun), one group per command, for notifyExec to put
	// in their place among the transaction's notifications.
	txGroups [][]message
	resume   []*job // jobs served while parked: they go on with their pipelines
	serving  bool   // serveReady is running (a resumed job's writes add ready keys)
	prev     *batch // the batch this one runs inside (afterWrite from a probe), if any
}

type message struct {
	channel, payload []byte
	mesh             bool // a PUBLISH: peer hubs deliver it to their subscribers too
}

// newBatch starts an owner step, reusing a finished batch's buffers.
func (n *Node) newBatch() *batch {
	s := &n.ev.blk
	var b *batch
	if k := len(s.free); k > 0 {
		b, s.free = s.free[k-1], s.free[:k-1]
	} else {
		b = &batch{}
	}
	b.now = n.now().UnixNano()
	b.prev, s.cur = s.cur, b
	return b
}

// release returns a finished batch for reuse.
func (n *Node) release(b *batch) {
	clear(b.done)
	clear(b.parked)
	clear(b.msgs)
	// The deltas slice is not reused: commit's callee may keep it.
	*b = batch{done: b.done[:0], parked: b.parked[:0], msgs: b.msgs[:0]}
	if cap(b.msgs) > 1024 || cap(b.done) > 1024 {
		return // a big step: let its buffers go
	}
	n.ev.blk.free = append(n.ev.blk.free, b)
}

// clientOf returns the client that owns a session, nil for internal
// requests (wake-ups, probes).
func clientOf(sess *engine.Session) *client {
	if h, ok := sess.Host.(connHost); ok {
		return h.c
	}
	return nil
}

// runJob runs a job's commands from the next one on, until it ends (it is
// then in b.done) or parks.
func (n *Node) runJob(b *batch, j *job) {
	sess := j.req.sess
	for j.next < len(j.req.cmds) {
		i := j.next
		args := j.req.cmds[i]
		if len(args) > 0 && !sess.InMulti() {
			if name, ok := ownerCommand(args[0]); ok {
				if n.runOwnerCommand(b, j, name, args) {
					return // parked
				}
				continue
			}
		}
		inMulti := sess.InMulti()
		var pre *evPre
		if n.notifying() && !inMulti {
			pre = n.notifyPre(b.now, args)
		}
		rep, d := n.replica.Run(sess, b.now, args)
		j.replies[i] = rep
		j.next++
		queue := n.shadowTrack(sess, rep, args, inMulti)
		n.noteWrite(b, d)
		if n.notifying() {
			n.notifyCommand(b, args, rep, d, inMulti, pre, queue)
		}
		for _, g := range b.txGroups { // EXEC's host commands not placed by notifyExec
			b.msgs = append(b.msgs, g...)
		}
		b.txGroups = nil
		if len(n.ev.blk.ready) > 0 {
			n.serveReady(b)
		}
	}
	b.done = append(b.done, j)
}

// noteWrite adds a delta to the batch and marks its keys ready for the
// clients blocked on them.
func (n *Node) noteWrite(b *batch, d *engine.Delta) {
	if d == nil {
		return
	}
	b.deltas = append(b.deltas, d)
	n.ev.blk.markReady(d)
}

// finish commits the batch's deltas, then sends the replies of its
// finished jobs and publishes its messages. A failed commit answers MISCONF
// for every job that wrote in the batch, parked ones included (at the
// end of their pipelines).
func (n *Node) finish(b *batch) {
	n.ev.blk.cur = b.prev
	if err := n.commit(b.deltas); err != nil && len(b.deltas) > 0 {
		for _, j := range b.done {
			j.failed = err
		}
		for _, j := range b.parked {
			j.failed = err
		}
	}
	for _, m := range b.msgs {
		n.publish(m.channel, m.payload)
		if m.mesh {
			n.mesh.Publish(m.channel, m.payload)
		}
	}
	for _, j := range b.done {
		replies := j.replies
		if j.failed != nil {
			replies = refuseWrites(replies, j.failed)
		}
		if j.w != nil {
			j.w.deliver(replies)
		} else {
			j.req.done <- replies
		}
	}
	n.release(b)
}

// afterWrite runs on the owner goroutine after deltas that do not come
// from a local command were applied and committed (merged peer deltas):
// it raises their keyspace notifications (notifyMerged) and serves the
// clients blocked on their keys, exactly as a local write would.
func (n *Node) afterWrite(ds []*engine.Delta) {
	b := n.newBatch()
	for _, d := range ds {
		if d == nil {
			continue
		}
		n.ev.blk.markReady(d)
		if n.notifying() {
			n.notifyMerged(b, d)
		}
	}
	n.serveReady(b)
	n.finish(b)
}

// afterExpire raises the "expired" notifications of the owner's expiry
// delta, which is already committed. Deletions wake nobody.
func (n *Node) afterExpire(d *engine.Delta) {
	if d == nil || !n.notifying() {
		return
	}
	b := n.newBatch()
	keys := make([]string, 0, len(d.Keys))
	for k := range d.Keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n.notifyKey(b, nfExpired, "expired", k)
	}
	n.finish(b)
}

// shadowTrack keeps the commands a session queues inside MULTI, while
// notifications are on, and returns them when the session leaves MULTI
// (EXEC, DISCARD), for EXEC's notifications (notifyExec).
func (n *Node) shadowTrack(sess *engine.Session, rep engine.Reply, args [][]byte, inMulti bool) [][][]byte {
	ev := &n.ev
	nowMulti := sess.InMulti()
	switch {
	case inMulti && nowMulti:
		if rep.Kind != engine.KindSimple || string(rep.Str) != "QUEUED" || !n.notifying() {
			return nil
		}
		ev.shadowMu.Lock()
		if ev.shadow == nil {
			ev.shadow = map[*engine.Session][][][]byte{}
		}
		q := make([][]byte, len(args)) // args live in the client's read buffer
		for i, a := range args {
			q[i] = append([]byte(nil), a...)
		}
		ev.shadow[sess] = append(ev.shadow[sess], q)
		ev.shadowMu.Unlock()
	case inMulti && ev.shadow != nil:
		return n.shadowTake(sess)
	case nowMulti && ev.shadow != nil:
		n.shadowTake(sess) // a new transaction: forget a stale one (RESET)
	}
	return nil
}

// shadowTake returns and forgets what sess queued (EXEC).
func (n *Node) shadowTake(sess *engine.Session) [][][]byte {
	ev := &n.ev
	ev.shadowMu.Lock()
	defer ev.shadowMu.Unlock()
	q := ev.shadow[sess]
	delete(ev.shadow, sess)
	return q
}

// clientGone forgets a closed client: its subscriptions and its queued
// MULTI commands. Called on the client's goroutine as it ends.
func (n *Node) clientGone(c *client) {
	n.pubsubDrop(c)
	ev := &n.ev
	ev.shadowMu.Lock()
	delete(ev.shadow, c.sess)
	ev.shadowMu.Unlock()
}
