package simtest

import (
	"bytes"
	"fmt"
	"hash"
	"hash/fnv"
	"math/rand/v2"

	"lattice/shared/causal"
	"lattice/shared/engine"
)

// FailKind classifies a Failure, so that shrinking keeps the same bug.
type FailKind string

// Failure kinds.
const (
	FailPanic     FailKind = "panic"     // the engine panicked
	FailError     FailKind = "error"     // Do, Exec or encoding returned a Go error
	FailDecode    FailKind = "decode"    // a delta did not decode, or did not re-encode to the same bytes
	FailMerge     FailKind = "merge"     // Merge refused a delta (clock offset or validation)
	FailState     FailKind = "state"     // snapshots differ after full delivery
	FailSnapshots FailKind = "snapshots" // joining snapshots disagrees with delivering deltas
	FailReads     FailKind = "reads"     // a read answers differently on two replicas, or wrote
	FailRestore   FailKind = "restore"   // a replica restored from a snapshot differs
	FailSettling  FailKind = "settling"  // Expire keeps producing deltas after full delivery
)

// Failure reports a history that breaks a guarantee of the engine.
type Failure struct {
	Kind  FailKind
	Seed  uint64
	Event int // ID of the event at fault; -1 for the final checks
	Msg   string
}

func (f *Failure) Error() string {
	where := "final checks"
	if f.Event >= 0 {
		where = "event #" + fmt.Sprint(f.Event)
	}
	return fmt.Sprintf("simtest: seed %d, %s: %s: %s", f.Seed, where, f.Kind, f.Msg)
}

// Result is what a run leaves: its history, a digest of every reply and
// message (equal digests for equal seeds prove determinism), and the
// converged snapshot.
type Result struct {
	Script   *Script
	Digest   uint64
	Snapshot []byte
}

// exec applies a script's events to its replicas. Generation (Sim) and
// Replay share it, so a recorded script replays exactly.
type exec struct {
	s        *Script
	reps     []*engine.Replica
	payloads map[int][]byte // encoded messages by producing event ID
	origin   map[int]int    // producing replica by event ID
	order    []int          // event IDs of messages, in production order
	digest   hash.Hash64
	have     map[string]bool // commands the engine runs
}

func newExec(s *Script) (*exec, error) {
	x := &exec{s: s, payloads: map[int][]byte{}, origin: map[int]int{}, digest: fnv.New64a(), have: map[string]bool{}}
	for i, id := range s.IDs {
		cfg := engine.DefaultConfig()
		cfg.MaxOffset = s.MaxOffset
		cfg.Rand = rand.NewPCG(s.Seed, uint64(i))
		r, err := engine.New(id, cfg)
		if err != nil {
			return nil, fmt.Errorf("simtest: new replica %d: %w", i, err)
		}
		x.reps = append(x.reps, r)
	}
	for _, c := range engine.Commands() {
		x.have[c.Name] = true
	}
	return x, nil
}

func (x *exec) fail(kind FailKind, ev *Event, format string, args ...any) *Failure {
	id := -1
	if ev != nil && ev.ID >= 0 {
		id = ev.ID
	}
	return &Failure{Kind: kind, Seed: x.s.Seed, Event: id, Msg: fmt.Sprintf(format, args...)}
}

// apply runs one event. Engine panics become a FailPanic Failure unless
// the script asks for them to propagate.
func (x *exec) apply(ev *Event) (err error) {
	if !x.s.PropagatePanics {
		defer func() {
			if p := recover(); p != nil {
				err = x.fail(FailPanic, ev, "%s: %v", ev.format(x.s.Start), p)
			}
		}()
	}
	r := x.reps[ev.Replica]
	switch ev.Kind {
	case EvDo:
		reply, d, err := r.Do(ev.Now, ev.Cmds[0])
		if err != nil {
			return x.fail(FailError, ev, "%s: %v", ev.format(x.s.Start), err)
		}
		hashReply(x.digest, reply)
		return x.produce(ev, d)
	case EvExec:
		replies, d, err := r.Exec(ev.Now, ev.Cmds)
		if err != nil {
			return x.fail(FailError, ev, "%s: %v", ev.format(x.s.Start), err)
		}
		for _, reply := range replies {
			hashReply(x.digest, reply)
		}
		return x.produce(ev, d)
	case EvExpire:
		return x.produce(ev, r.Expire(ev.Now))
	case EvSnapshot:
		return x.produce(ev, r.Snapshot())
	case EvDeliver:
		return x.deliver(ev, ev.Replica, ev.From, ev.Now)
	case EvCheck:
		return x.checkReplica(ev)
	}
	return nil
}

// produce encodes a replica's delta as a message (the wire path) and
// checks that it decodes and re-encodes to the same bytes.
func (x *exec) produce(ev *Event, d *engine.Delta) error {
	if d == nil {
		return nil
	}
	b, err := engine.EncodeDelta(d)
	if err != nil {
		return x.fail(FailError, ev, "encode delta of %s: %v", ev.format(x.s.Start), err)
	}
	back, err := engine.DecodeDelta(b)
	if err != nil {
		return x.fail(FailDecode, ev, "delta of %s does not decode: %v\n%s", ev.format(x.s.Start), err, diag(b))
	}
	if b2, err := engine.EncodeDelta(back); err != nil || !bytes.Equal(b, b2) {
		return x.fail(FailDecode, ev, "delta of %s does not re-encode to its bytes (%v)\nsent    %s\nre-sent %s",
			ev.format(x.s.Start), err, diag(b), diag(b2))
	}
	x.payloads[ev.ID] = b
	x.origin[ev.ID] = ev.Replica
	x.order = append(x.order, ev.ID)
	x.digest.Write(b)
	return nil
}

// deliver decodes message from (if it exists: shrinking may have removed
// its producer) and merges it into replica to at time now.
func (x *exec) deliver(ev *Event, to, from int, now int64) error {
	b, ok := x.payloads[from]
	if !ok {
		return nil
	}
	d, err := engine.DecodeDelta(b)
	if err != nil {
		return x.fail(FailDecode, ev, "message #%d does not decode on r%d: %v", from, to, err)
	}
	if err := x.reps[to].Merge(now, d); err != nil {
		return x.fail(FailMerge, ev, "r%d refuses message #%d from r%d: %v", to, from, x.origin[from], err)
	}
	return nil
}

// finish is the end of every run: heal, deliver every message ever
// produced to every replica in a random order (anti-entropy, including the
// dropped ones); require one state everywhere, equal to the join of the
// replicas' snapshots from before the delivery; let the owners expire what
// is due; then compare states and reads again.
func (x *exec) finish() (*Result, error) {
	snaps := make([][]byte, len(x.reps))
	for i, r := range x.reps {
		var err error
		if snaps[i], err = engine.EncodeDelta(r.Snapshot()); err != nil {
			return nil, x.fail(FailError, nil, "encode snapshot of r%d: %v", i, err)
		}
	}
	for i := range x.reps {
		ids := append([]int(nil), x.order...)
		rand.New(rand.NewPCG(x.s.Seed, 0xf1a1+uint64(i))).Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
		for _, id := range ids {
			if err := x.deliver(nil, i, id, x.s.FinalNow[i]); err != nil {
				return nil, err
			}
		}
	}
	converged, err := x.compareStates()
	if err != nil {
		return nil, err
	}
	if err := x.compareStateBased(snaps, converged); err != nil {
		return nil, err
	}
	if err := x.settleExpiry(); err != nil {
		return nil, err
	}
	snap, err := x.compareStates()
	if err != nil {
		return nil, err
	}
	if err := x.compareReads(snap); err != nil {
		return nil, err
	}
	return &Result{Script: x.s, Digest: x.digest.Sum64(), Snapshot: snap}, nil
}

// settleExpiry runs Expire on every replica at its final time and delivers
// the deletes everywhere, until no replica expires anything more.
func (x *exec) settleExpiry() error {
	const rounds = 4
	id := -1 // final-phase messages get negative IDs, apart from the script's
	for range rounds {
		quiet := true
		for i, r := range x.reps {
			ev := &Event{ID: id, Kind: EvExpire, Replica: i, Now: x.s.FinalNow[i]}
			id--
			if err := x.produce(ev, r.Expire(ev.Now)); err != nil {
				return err
			}
			if _, ok := x.payloads[ev.ID]; !ok {
				continue
			}
			quiet = false
			for j := range x.reps {
				if err := x.deliver(ev, j, ev.ID, x.s.FinalNow[j]); err != nil {
					return err
				}
			}
		}
		if quiet {
			return nil
		}
	}
	return x.fail(FailSettling, nil, "Expire still produces deltas after %d rounds", rounds)
}

// compareStates requires byte-identical snapshots on every replica and
// returns them.
func (x *exec) compareStates() ([]byte, error) {
	var first []byte
	for i, r := range x.reps {
		b, err := engine.EncodeDelta(r.Snapshot())
		if err != nil {
			return nil, x.fail(FailError, nil, "encode snapshot of r%d: %v", i, err)
		}
		if i == 0 {
			first = b
			continue
		}
		if !bytes.Equal(first, b) {
			return nil, x.fail(FailState, nil, "snapshots of r0 and r%d differ:\n%s", i, diffSnapshots(first, b))
		}
	}
	return first, nil
}

// compareStateBased checks that state-based sync agrees with delta-based
// sync: a fresh replica that merges only the replicas' snapshots from
// before the final delivery (in a random order) must hold exactly the
// converged state. The final delivery alone would mask a faulty
// full-snapshot merge, since it also delivers every delta.
func (x *exec) compareStateBased(snaps [][]byte, converged []byte) error {
	r, err := engine.New(causal.ReplicaID{0: 0xfe, 15: 0xfe}, engine.DefaultConfig())
	if err != nil {
		return x.fail(FailError, nil, "new replica: %v", err)
	}
	order := rand.New(rand.NewPCG(x.s.Seed, 0x57a7e)).Perm(len(snaps))
	for _, i := range order {
		d, err := engine.DecodeDelta(snaps[i])
		if err != nil {
			return x.fail(FailDecode, nil, "snapshot of r%d does not decode: %v", i, err)
		}
		if err := r.Merge(x.s.ReadNow+int64(x.s.MaxOffset), d); err != nil {
			return x.fail(FailMerge, nil, "merging the snapshot of r%d: %v", i, err)
		}
	}
	b, err := engine.EncodeDelta(r.Snapshot())
	if err != nil {
		return x.fail(FailError, nil, "encode snapshot: %v", err)
	}
	if !bytes.Equal(b, converged) {
		return x.fail(FailSnapshots, nil, "the join of all replicas' snapshots (%v) differs from the state every delta converged to:\n%s",
			order, diffSnapshots(converged, b))
	}
	return nil
}

// The reads compared at the end: global ones, then one-key reads of every
// key.
var (
	globalReads = [][]string{{"DBSIZE"}, {"KEYS", "*"}, {"SCAN", "0", "COUNT", "1000"}}
	keyReads    = []string{"GET", "TYPE", "EXISTS", "PEXPIRETIME", "STRLEN", "HGETALL", "HLEN", "SMEMBERS", "SCARD", "ZCARD", "LLEN", "PFCOUNT"}
	// rangeReads read a whole collection in its order (the sorted-set
	// index and the list order, rebuilt by a restored replica).
	rangeReads = [][]string{{"ZRANGE", "", "0", "-1", "WITHSCORES"}, {"LRANGE", "", "0", "-1"}}
)

// battery returns the read commands the engine has, for the keys named in
// the converged snapshot plus one that never existed.
func (x *exec) battery(snap []byte) ([][]string, error) {
	d, err := engine.DecodeDelta(snap)
	if err != nil {
		return nil, err
	}
	names := append(sortedKeys(d.Keys), "never")
	var out [][]string
	for _, c := range globalReads {
		if x.have[lower(c[0])] {
			out = append(out, c)
		}
	}
	for _, name := range names {
		for _, c := range keyReads {
			if x.have[lower(c)] {
				out = append(out, []string{c, name})
			}
		}
		for _, c := range rangeReads {
			if x.have[lower(c[0])] {
				c = append([]string{c[0], name}, c[2:]...)
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// compareReads runs the battery on every replica and on a replica
// restored from the snapshot, at one common time; all must answer alike
// and no read may write.
func (x *exec) compareReads(snap []byte) error {
	cmds, err := x.battery(snap)
	if err != nil {
		return x.fail(FailDecode, nil, "converged snapshot does not decode: %v", err)
	}
	restored, err := x.restore(nil, snap)
	if err != nil {
		return err
	}
	want, err := x.answers(nil, 0, x.reps[0], cmds, x.s.ReadNow)
	if err != nil {
		return err
	}
	for i := range x.reps[1:] {
		got, err := x.answers(nil, i+1, x.reps[i+1], cmds, x.s.ReadNow)
		if err != nil {
			return err
		}
		if j := firstDiff(want, got); j >= 0 {
			return x.fail(FailReads, nil, "%s: r0 answers %s, r%d answers %s", formatArgs(toArgs(cmds[j])), want[j], i+1, got[j])
		}
	}
	return x.compareRestored(nil, want, restored, cmds, x.s.ReadNow)
}

// checkReplica is EvCheck: replica ev.Replica must read exactly like a
// fresh replica restored from its snapshot, which catches derived state
// (counts, caches, schedules) drifting from the CRDT state mid-run.
func (x *exec) checkReplica(ev *Event) error {
	r := x.reps[ev.Replica]
	snap, err := engine.EncodeDelta(r.Snapshot())
	if err != nil {
		return x.fail(FailError, ev, "encode snapshot of r%d: %v", ev.Replica, err)
	}
	restored, err := x.restore(ev, snap)
	if err != nil {
		return err
	}
	cmds, err := x.battery(snap)
	if err != nil {
		return x.fail(FailDecode, ev, "snapshot of r%d does not decode: %v", ev.Replica, err)
	}
	want, err := x.answers(ev, ev.Replica, r, cmds, ev.Now)
	if err != nil {
		return err
	}
	return x.compareRestored(ev, want, restored, cmds, ev.Now)
}

func (x *exec) compareRestored(ev *Event, want []string, restored *engine.Replica, cmds [][]string, now int64) error {
	got, err := x.answers(ev, -1, restored, cmds, now)
	if err != nil {
		return err
	}
	if j := firstDiff(want, got); j >= 0 {
		return x.fail(FailRestore, ev, "%s: the replica answers %s, a replica restored from its snapshot answers %s",
			formatArgs(toArgs(cmds[j])), want[j], got[j])
	}
	return nil
}

// answers runs read commands on replica r (index i, -1 for a restored
// one) at time now and returns the formatted replies. A read must not
// produce a delta.
func (x *exec) answers(ev *Event, i int, r *engine.Replica, cmds [][]string, now int64) ([]string, error) {
	out := make([]string, len(cmds))
	for j, c := range cmds {
		reply, d, err := r.Do(now, toArgs(c))
		if err != nil || d != nil {
			return nil, x.fail(FailReads, ev, "read %s on r%d wrote a delta or failed (%v)", formatArgs(toArgs(c)), i, err)
		}
		out[j] = formatReply(reply)
	}
	return out, nil
}

func firstDiff(a, b []string) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// restore loads the snapshot into a fresh replica and checks that it
// snapshots back to the same bytes.
func (x *exec) restore(ev *Event, snap []byte) (*engine.Replica, error) {
	r, err := engine.New(causal.ReplicaID{0: 0xff, 15: 0xff}, engine.DefaultConfig())
	if err != nil {
		return nil, x.fail(FailError, ev, "new replica: %v", err)
	}
	d, err := engine.DecodeDelta(snap)
	if err != nil {
		return nil, x.fail(FailDecode, ev, "snapshot does not decode: %v", err)
	}
	if err := r.Restore(d); err != nil {
		return nil, x.fail(FailRestore, ev, "restore: %v", err)
	}
	b, err := engine.EncodeDelta(r.Snapshot())
	if err != nil || !bytes.Equal(b, snap) {
		return nil, x.fail(FailRestore, ev, "restored replica snapshots differently (%v):\n%s", err, diffSnapshots(snap, b))
	}
	return r, nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
