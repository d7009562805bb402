package node

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"lattice/hub/store"
	"lattice/shared/causal"
	"lattice/shared/engine"
)

// persister connects the node to its store (package hub/store): the owner
// goroutine appends every pipeline's deltas (commit) and takes snapshots;
// SAVE and BGSAVE, which arrive on connection goroutines, ask the owner
// for a snapshot through want/waiters and a wake-up request.
type persister struct {
	st  *store.Store
	log *slog.Logger

	mu      sync.Mutex
	waiters []chan error  // SAVE callers waiting for a snapshot
	bg      bool          // a BGSAVE is wanted
	stopped bool          // the node has stopped: answer waiters at once
	stopCh  chan struct{} // closed when the node stops
	pending atomic.Bool   // waiters or bg is set: the owner has work

	retryAt time.Time // owner only: next attempt to repair a failed log
}

// openPersist opens the store in cfg.Dir and loads it into r.
func openPersist(cfg Config, log *slog.Logger, r *engine.Replica, replay func(*engine.Delta, []byte),
	applied func() *causal.Context) (*persister, error) {
	pol, err := store.ParsePolicy(cfg.AppendFsync)
	if err != nil {
		return nil, err
	}
	sc := store.DefaultConfig()
	sc.Dir, sc.Fsync, sc.Logger = cfg.Dir, pol, log
	sc.Replay, sc.Applied = replay, applied
	return openPersistStore(sc, log, r)
}

func openPersistStore(sc store.Config, log *slog.Logger, r *engine.Replica) (*persister, error) {
	st, err := store.Open(sc, r)
	if err != nil {
		return nil, err
	}
	return &persister{st: st, log: log, stopCh: make(chan struct{})}, nil
}

// commit makes a pipeline's deltas durable as --appendfsync says, on the
// owner goroutine, before their replies are sent. It is called for every
// request, even one without deltas (a wake-up from SAVE or BGSAVE), and
// runs the snapshots that SAVE, BGSAVE and the log's growth ask for.
//
// A non-nil error means the deltas are not durable: the log could not be
// written and a repair snapshot failed too; the caller must not
// acknowledge them (refuseWrites).
//
// The deltas are this hub's own: each gets its origin, this hub and the
// next number of its own deltas (engine.Delta.Origin), before encoding.
func (n *Node) commit(ds []*engine.Delta) error {
	if len(ds) == 0 {
		return n.commitEncoded(nil, nil)
	}
	ps := make([][]byte, len(ds))
	origins := make([]causal.Dot, len(ds))
	first := n.mesh.NextOwn(len(ds))
	for i, d := range ds {
		origins[i] = causal.Dot{Replica: n.replica.ID(), Seq: first + uint64(i)}
		d.Origin = &origins[i]
		b, err := engine.EncodeDelta(d)
		if err != nil {
			// Unreachable for deltas the engine made.
			return fmt.Errorf("encode delta: %w", err)
		}
		ps[i] = b
	}
	return n.commitEncoded(ps, origins)
}

// commitEncoded is commit for deltas already encoded: this hub's own
// (commit) or a peer's, logged as received (meshHost.Apply). Each joins
// the mesh's backlog with its origin, to be forwarded to every peer, even
// when the write failed, since the replica holds it already. A full sync
// has no origin (nil origins): the mesh records it itself.
func (n *Node) commitEncoded(ps [][]byte, origins []causal.Dot) error {
	p := n.persist
	err := p.st.AppendEncoded(ps)
	if err != nil && len(ps) > 0 {
		err = p.repair(n.replica, err)
	}
	n.mesh.Applied(origins, ps)
	switch {
	case p.pending.Load():
		p.runPending(n, n.replica)
	case err == nil && p.st.WantsRewrite():
		if serr := p.st.Snapshot(n.replica, func(error) { p.afterSnapshot(n) }); serr == nil {
			p.log.Info("persistence: log rewrite started (snapshot)")
		}
	}
	return err
}

// repair tries, at most once a second, to get past a failed log with a
// full snapshot into a new generation (which holds ds too).
func (p *persister) repair(r *engine.Replica, err error) error {
	if time.Now().Before(p.retryAt) {
		return err
	}
	p.retryAt = time.Now().Add(time.Second)
	if serr := p.st.SaveNow(r); serr != nil {
		return err
	}
	return nil
}

// refuseWrites replaces a pipeline's replies with Redis's MISCONF error
// when its deltas could not be made durable: nothing is acknowledged. (The
// writes stay in memory and reach the disk with the next snapshot that
// succeeds.)
func refuseWrites(replies []engine.Reply, err error) []engine.Reply {
	msg := "MISCONF Errors writing to the AOF file: " + strerror(err)
	for i := range replies {
		replies[i] = engine.Reply{Kind: engine.KindError, Str: []byte(msg)}
	}
	return replies
}

// strerror words an I/O error as C's strerror does ("No space left on
// device"), as Redis's MISCONF reply carries it.
func strerror(err error) string {
	var errno syscall.Errno
	s := err.Error()
	if errors.As(err, &errno) {
		s = errno.Error()
	}
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// runPending starts the snapshot SAVE or BGSAVE asked for. While one is
// being written, the work stays pending: its completion wakes the owner
// (afterSnapshot), which then comes back here.
func (p *persister) runPending(n *Node, r *engine.Replica) {
	if p.st.Saving() {
		return
	}
	p.mu.Lock()
	waiters, bg := p.waiters, p.bg
	p.waiters, p.bg = nil, false
	p.pending.Store(false)
	p.mu.Unlock()
	if len(waiters) == 0 && !bg {
		return
	}
	err := p.st.Snapshot(r, func(err error) {
		for _, w := range waiters {
			w <- err
		}
		p.afterSnapshot(n)
	})
	if err != nil {
		for _, w := range waiters {
			w <- err
		}
	}
}

// afterSnapshot runs on the snapshot writer's goroutine when a background
// snapshot ends: if SAVE or BGSAVE asked for one meanwhile, it wakes the
// owner to start it.
func (p *persister) afterSnapshot(n *Node) {
	if p.pending.Load() {
		n.wakeOwner()
	}
}

// wakeOwner sends the owner an empty request, so that it calls commit and
// runs pending persistence work. It returns at once if the node stopped.
func (n *Node) wakeOwner() {
	req := request{sess: &engine.Session{}, done: make(chan []engine.Reply, 1)}
	select {
	case n.reqs <- req:
	case <-n.persist.stopCh:
	}
}

// ask registers a SAVE waiter (w non-nil) or a BGSAVE and wakes the owner.
func (n *Node) askSnapshot(w chan error) bool {
	p := n.persist
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return false
	}
	if w != nil {
		p.waiters = append(p.waiters, w)
	} else {
		p.bg = true
	}
	p.pending.Store(true)
	p.mu.Unlock()
	n.wakeOwner()
	return true
}

// persistCommand answers SAVE, BGSAVE, BGREWRITEAOF and LASTSAVE; ok is
// false for any other command. It runs on a connection goroutine, never on
// the owner (SAVE waits for the owner), so SAVE must not be queued in
// MULTI (Redis refuses it there too: "ERR Command not allowed inside a
// transaction"). A snapshot also compacts the log, so BGREWRITEAOF is
// BGSAVE under another name.
func (n *Node) persistCommand(args [][]byte) (engine.Reply, bool) {
	if len(args) == 0 {
		return engine.Reply{}, false
	}
	name := strings.ToLower(string(args[0]))
	switch name {
	case "save", "lastsave", "bgrewriteaof":
		if len(args) != 1 {
			return arityErr(name), true
		}
	case "bgsave":
		if len(args) > 2 || len(args) == 2 && !strings.EqualFold(string(args[1]), "schedule") {
			return errR("ERR syntax error"), true
		}
	default:
		return engine.Reply{}, false
	}
	st := n.persist.st
	switch name {
	case "lastsave":
		return engine.Reply{Kind: engine.KindInt, Int: st.Stats().LastSave.Unix()}, true
	case "save":
		if st.Saving() {
			return errR("ERR Background save already in progress"), true
		}
		w := make(chan error, 1)
		if !n.askSnapshot(w) {
			return errR("ERR server shutting down"), true
		}
		if err := <-w; err != nil {
			return errR("ERR"), true // Redis's reply to a failed SAVE
		}
		return simple("OK"), true
	case "bgrewriteaof":
		if st.Saving() {
			n.askSnapshot(nil)
			return simple("Background append only file rewriting scheduled"), true
		}
		n.askSnapshot(nil)
		return simple("Background append only file rewriting started"), true
	}
	if st.Saving() {
		if len(args) == 2 {
			n.askSnapshot(nil)
			return simple("Background saving scheduled"), true
		}
		return errR("ERR Background save already in progress"), true
	}
	n.askSnapshot(nil)
	return simple("Background saving started"), true
}

// persistenceInfo returns the fields of INFO's persistence section, in
// order: Redis's names where Redis has the figure (the log is the AOF, a
// snapshot is both an RDB save and an AOF rewrite), plus the hub's own.
// Safe on any goroutine.
func (n *Node) persistenceInfo() [][2]string {
	s := n.persist.st.Stats()
	now := time.Now()
	itoa := func(v int64) string { return strconv.FormatInt(v, 10) }
	status := func(err error) string {
		if err != nil {
			return "err"
		}
		return "ok"
	}
	inProgress, current := "0", "-1"
	if !s.SaveStarted.IsZero() {
		inProgress, current = "1", itoa(int64(now.Sub(s.SaveStarted).Seconds()))
	}
	last := "-1"
	if s.Saves > 0 || s.LastSaveErr != nil {
		last = itoa(int64(s.LastSaveDuration.Seconds()))
	}
	rec := s.Recovery
	return [][2]string{
		{"loading", "0"},
		{"async_loading", "0"},
		{"rdb_changes_since_last_save", itoa(s.Changes)},
		{"rdb_bgsave_in_progress", inProgress},
		{"rdb_last_save_time", itoa(s.LastSave.Unix())},
		{"rdb_last_bgsave_status", status(s.LastSaveErr)},
		{"rdb_last_bgsave_time_sec", last},
		{"rdb_current_bgsave_time_sec", current},
		{"rdb_saves", itoa(s.Saves)},
		{"aof_enabled", "1"},
		{"aof_rewrite_in_progress", inProgress},
		{"aof_rewrite_scheduled", "0"},
		{"aof_last_rewrite_time_sec", last},
		{"aof_current_rewrite_time_sec", current},
		{"aof_last_bgrewrite_status", status(s.LastSaveErr)},
		{"aof_rewrites", itoa(s.Saves)},
		{"aof_last_write_status", status(s.WriteErr)},
		{"aof_current_size", itoa(s.LogBytes + s.SnapshotBytes)},
		{"aof_base_size", itoa(s.SnapshotBytes)},
		{"aof_pending_bio_fsync", "0"},
		{"aof_delayed_fsync", "0"},
		{"appendfsync", s.Fsync.String()},
		{"aof_log_size", itoa(s.LogBytes)},
		{"aof_records_written", itoa(s.Records)},
		{"aof_fsyncs", itoa(s.Fsyncs)},
		{"aof_load_snapshot_bytes", itoa(rec.SnapshotBytes)},
		{"aof_load_records", itoa(rec.Records)},
		{"aof_load_time_ms", itoa(rec.Duration.Milliseconds())},
		{"aof_load_truncated_bytes", itoa(rec.TruncatedBytes)},
	}
}

// closePersist runs on Run's goroutine once the owner has stopped (so it
// may touch the replica): it answers SAVE callers still waiting, writes a
// final snapshot if anything changed since the last one (graceful
// shutdown: the next start loads one file), and closes the store.
func (n *Node) closePersist() {
	p := n.persist
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	waiters := p.waiters
	p.waiters = nil
	p.mu.Unlock()
	close(p.stopCh)
	for _, w := range waiters {
		w <- errors.New("server shutting down")
	}
	s := p.st.Stats()
	if n.ops.noSave.Load() && p.st.Failed() == nil {
		p.log.Info("persistence: SHUTDOWN NOSAVE: no shutdown snapshot; the log holds every write")
	} else if p.st.Failed() != nil || s.Changes > 0 || s.Recovery.Records > 0 {
		start := time.Now()
		if err := p.st.SaveNow(n.replica); err != nil {
			p.log.Error("persistence: shutdown snapshot failed; the log holds what was written", "err", err)
		} else {
			p.log.Info("persistence: shutdown snapshot written", "bytes", p.st.Stats().SnapshotBytes,
				"duration", time.Since(start))
		}
	}
	if err := p.st.Close(); err != nil {
		p.log.Error("persistence: close", "err", err)
	}
	if n.lock != nil {
		n.lock.Close()
	}
}
