package engine

// Transactions (multi.c): MULTI, EXEC, DISCARD, WATCH and UNWATCH run on a
// Session, one per client connection, so that every host (hub, edge,
// browser) answers them alike. EXEC runs the queued commands as one batch
// whose effects form one delta, merged all or nothing elsewhere
// (SEMANTICS.md B6).
//
// WATCH compares versions: every join into a key, local write or merged
// delta, takes the replica's next version and records it in the key name's
// touched slot, so a watched key changed by another client or by another
// replica aborts EXEC.

// Host runs the commands a host answers itself (connection commands such
// as PING, ECHO, CLIENT, HELLO), so that MULTI can queue them and EXEC run
// them in their place, as Redis does.
type Host interface {
	// Check says whether the host runs the command (known) and, if it does,
	// validates it as Redis does before queueing (arity, subcommand): an
	// error Reply rejects it and aborts the transaction; any other Reply
	// accepts it.
	Check(args [][]byte) (rejected Reply, known bool)
	// Run runs a command that Check accepted. Inside EXEC it is called on
	// the goroutine that called Replica.Run.
	Run(args [][]byte) Reply
}

// Session is one client's transaction state: whether it is inside MULTI,
// the commands queued since, whether one of them was rejected (EXEC then
// answers EXECABORT), and the keys it watches.
//
// A Session belongs to one Replica and, like it, is not safe for
// concurrent use: the host calls Run, Reset and InMulti from one goroutine
// at a time. The zero Session is ready to use.
type Session struct {
	// Host runs the host's own commands queued inside MULTI; nil when the
	// host has none (every command is an engine command).
	Host Host

	multi   bool
	dirty   bool       // a command was rejected while queueing
	queue   [][][]byte // commands queued since MULTI (copies)
	watches []watched
}

// watched is one WATCH: the key's entry and version at that moment, and
// whether the key was visible or only logically expired.
type watched struct {
	key     string
	since   uint64 // the replica's version at WATCH
	live    bool   // visible at WATCH
	expired bool   // present but logically expired at WATCH
}

// InMulti reports whether the session is inside MULTI: the next commands
// (except EXEC, DISCARD, MULTI and WATCH) are queued.
func (s *Session) InMulti() bool { return s.multi }

// Watching returns the number of keys watched.
func (s *Session) Watching() int { return len(s.watches) }

// Reset leaves MULTI, drops the queue and the watches (RESET, and a
// closed connection).
func (s *Session) Reset() {
	s.multi, s.dirty, s.queue = false, false, nil
	s.watches = nil
}

// txKind names the transaction commands, which run on the session even
// inside MULTI (except UNWATCH, which Redis queues).
type txKind int

const (
	txNone txKind = iota
	txMulti
	txExec
	txDiscard
	txWatch
	txUnwatch
)

var txNames = map[string]txKind{"multi": txMulti, "exec": txExec, "discard": txDiscard, "watch": txWatch, "unwatch": txUnwatch}

func txCommand(name []byte) txKind {
	if len(name) > len("discard") {
		return txNone
	}
	return txNames[lowerASCIIBytes(name)]
}

// Run runs one command of a client's session at time now (Unix ns): the
// transaction commands as redis-server 7.0 answers them, queueing inside
// MULTI, and every other command through Do (or the session's Host, for a
// host command). The delta is nil when nothing changed; EXEC's delta holds
// the whole transaction. s must not be nil, and belongs to this replica
// (its watches hold the replica's keys).
func (r *Replica) Run(s *Session, now int64, args [][]byte) (Reply, *Delta) {
	if len(args) == 0 {
		rep, d, _ := r.Do(now, args) // Do words the empty command's error
		return rep, d
	}
	switch txCommand(args[0]) {
	case txMulti:
		return s.multiCmd(args), nil
	case txExec:
		return r.exec(s, now, args)
	case txDiscard:
		return s.discardCmd(args), nil
	case txWatch:
		return r.watch(s, now, args), nil
	case txUnwatch:
		if !s.multi {
			if len(args) != 1 {
				return errArity("unwatch"), nil
			}
			s.watches = nil
			return ok, nil
		}
	}
	if s.multi {
		return r.enqueue(s, args), nil
	}
	if s.Host != nil && lookup(args[0]) == nil {
		if rej, known := s.Host.Check(args); known {
			if rej.IsError() {
				return rej, nil
			}
			return s.Host.Run(args), nil
		}
	}
	rep, d, _ := r.Do(now, args)
	return rep, d
}

// badArity answers a transaction command's arity error; inside MULTI it
// also aborts the transaction, as every command rejected before queueing
// does (server.c rejectCommand).
func (s *Session) badArity(name string) Reply {
	if s.multi {
		s.dirty = true
	}
	return errArity(name)
}

func (s *Session) multiCmd(args [][]byte) Reply {
	switch {
	case len(args) != 1:
		return s.badArity("multi")
	case s.multi:
		return errNestedMulti // not a rejection: the transaction goes on
	}
	s.multi, s.dirty, s.queue = true, false, nil
	return ok
}

func (s *Session) discardCmd(args [][]byte) Reply {
	switch {
	case len(args) != 1:
		return s.badArity("discard")
	case !s.multi:
		return errDiscardNoMul
	}
	s.Reset()
	return ok
}

// enqueue validates a command inside MULTI as Redis does before queueing
// it (name, arity, host subcommands) and queues a copy of it.
func (r *Replica) enqueue(s *Session, args [][]byte) Reply {
	if rej := r.check(s, args); rej.IsError() {
		s.dirty = true
		return rej
	}
	q := make([][]byte, len(args))
	for i, a := range args {
		q[i] = append([]byte(nil), a...)
	}
	s.queue = append(s.queue, q)
	return queued
}

// check validates a command for queueing; an error Reply rejects it.
func (r *Replica) check(s *Session, args [][]byte) Reply {
	if txCommand(args[0]) == txUnwatch {
		if len(args) != 1 {
			return errArity("unwatch")
		}
		return ok
	}
	if cmd := lookup(args[0]); cmd != nil {
		if !cmd.arityOK(len(args)) {
			return errArity(cmd.name)
		}
		return ok
	}
	if s.Host != nil {
		if rej, known := s.Host.Check(args); known {
			return rej
		}
	}
	return errUnknown(args)
}

// exec is EXEC (multi.c execCommand): EXECABORT after a rejected command,
// a null array when a watched key changed, else the queued commands' replies.
func (r *Replica) exec(s *Session, now int64, args [][]byte) (Reply, *Delta) {
	if len(args) != 1 {
		s.Reset() // Redis discards the transaction on EXEC's own arity error
		return errExecArity, nil
	}
	if !s.multi {
		return errExecNoMulti, nil
	}
	queue, dirty := s.queue, s.dirty
	changed := r.watchChanged(s, now)
	s.Reset()
	switch {
	case dirty:
		return errExecAbort, nil
	case changed:
		return nullArray, nil
	}
	replies := make([]Reply, len(queue))
	var acc *Delta
	for i, args := range queue {
		switch {
		case txCommand(args[0]) == txUnwatch:
			replies[i] = ok // EXEC has already dropped the watches
		case lookup(args[0]) == nil && s.Host != nil:
			replies[i] = s.Host.Run(args)
		default:
			c := r.newCall(now, args)
			replies[i] = r.run(c)
			acc = accumulate(acc, c.delta())
		}
	}
	return array(replies), acc
}

// watch is WATCH (multi.c watchCommand). A key watched twice keeps its
// first record, whose version is the older.
func (r *Replica) watch(s *Session, now int64, args [][]byte) Reply {
	switch {
	case len(args) < 2:
		return s.badArity("watch")
	case s.multi:
		return errWatchInMulti // not a rejection: the transaction goes on
	}
	c := r.newCall(now, nil)
next:
	for _, a := range args[1:] {
		name := string(a)
		for i := range s.watches {
			if s.watches[i].key == name {
				continue next
			}
		}
		if r.touched == nil {
			r.touched = make([]uint64, touchSlots)
		}
		w := watched{key: name, since: r.ver}
		w.live, w.expired = c.visibility(r.keys[name])
		s.watches = append(s.watches, w)
	}
	return ok
}

// visibility says whether k is visible at the call's time, or present but
// logically expired.
func (c *call) visibility(k *Key) (live, expired bool) {
	if k == nil || k.Type() == TypeNone {
		return false, false
	}
	if at, _, ok := k.Expiry(); ok && at <= c.ms {
		return false, true
	}
	return true, false
}

// watchChanged reports whether a watched key changed since WATCH, as
// Redis 7.0 decides it (multi.c touchWatchedKey, isWatchedKeyExpired):
//
//   - any join into the key's entry (a write here, a merged delta, the
//     owner's expiry delete) is a change;
//   - a key visible at WATCH that is logically expired at EXEC changed,
//     even when no expiry delete has run yet;
//   - a key already logically expired at WATCH changed only if it is
//     visible again: deleting it (expiry, or any delete) is no logical
//     change.
//
// Joins are found by the replica's touched slots, so a key created and
// wholly removed again between WATCH and EXEC counts, and so does a write
// to another key of the same slot (one in 16,384: a spurious abort, the
// safe direction). The last rule misses a write then a delete of a key
// already expired at WATCH, which Redis would see (listed in the README).
func (r *Replica) watchChanged(s *Session, now int64) bool {
	c := r.newCall(now, nil)
	for i := range s.watches {
		w := &s.watches[i]
		joined := r.touchedSince(w.key, w.since)
		live, _ := c.visibility(r.keys[w.key])
		switch {
		case w.expired && joined && live:
			return true
		case w.expired:
		case joined, w.live && !live:
			return true
		}
	}
	return false
}
