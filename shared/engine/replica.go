package engine

import (
	"container/heap"
	"fmt"
	"time"

	"lattice/shared/causal"
	"lattice/shared/hlc"
)

// Source is a source of random numbers the host owns and seeds, shaped like
// math/rand/v2.Source so that shared/ imports no rand package.
type Source interface{ Uint64() uint64 }

// Config configures a Replica.
type Config struct {
	// MaxOffset is how far ahead of the local clock a remote timestamp may
	// be before Merge refuses it (SEMANTICS.md B1). Default: 500ms.
	MaxOffset time.Duration
	// Rand draws the random choices of SPOP, SRANDMEMBER, HRANDFIELD and
	// RANDOMKEY. Default: a SplitMix64 seeded from the replica id, so runs
	// are reproducible; hosts pass a seeded generator of their own.
	Rand Source
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{MaxOffset: hlc.DefaultMaxOffset} }

// Stats counts what the replica has done, for INFO and metrics.
type Stats struct {
	Commands      uint64 // commands run by Do and Exec
	DeltasMerged  uint64 // remote deltas merged
	DeltasRefused uint64 // remote deltas refused (malformed or clock offset)
	KeysExpired   uint64 // keys this replica expired as owner
	TombstoneKeys int    // keys that exist only as CRDT metadata (no visible type)
	Keys          int    // keys with a visible type (DBSIZE), logically expired ones included
	KeysWithTTL   int    // of those, the keys with an expiry time
	// ExpirySumMs is the sum of KeysWithTTL's expiry times (Unix ms), so
	// that hosts report the average TTL in O(1).
	ExpirySumMs float64
	// CollectibleKeys are the tombstones CollectTombstones may drop once
	// causally stable (keys holding nothing but counter reset records).
	CollectibleKeys     int
	TombstonesCollected uint64 // keys dropped by CollectTombstones
}

// Replica is one copy of the keyspace: a deterministic state machine that
// runs Redis commands and merges remote deltas. Time and randomness are
// arguments, so every host produces the same bytes for the same history.
//
// A Replica is not safe for concurrent use.
type Replica struct {
	id    causal.ReplicaID
	cfg   Config
	clock hlc.Clock
	keys  map[string]*Key
	cc    causal.Context
	live  int // keys whose shown type is not TypeNone
	// ttlKeys and ttlSum count the live keys with an expiry and add up
	// their expiry times (Unix ms); tombKeys counts the keys with no shown
	// type (Stats).
	ttlKeys  int
	ttlSum   int64 // of (expiry - ttlBase): exact, and cancels exactly as keys come and go
	tombKeys int
	exp      expiryHeap
	stats    Stats
	ver      uint64 // counts joins into keys, for WATCH
	// touched holds, per slot of key names (touchSlot), the version of the
	// latest join into any key of the slot, deleted keys included; nil
	// until the first WATCH.
	touched []uint64
	// keyOrder caches the keys in scan order; nil when stale.
	keyOrder []string
	// tombs holds the collectible tombstones (Key.resetsOnly), each with
	// the version (ver) at which it last became one.
	tombs map[string]uint64
}

// New returns an empty replica with the given id.
func New(id causal.ReplicaID, cfg Config) (*Replica, error) {
	if id == (causal.ReplicaID{}) {
		return nil, fmt.Errorf("%w: zero replica id", ErrConfig)
	}
	if cfg.MaxOffset < 0 {
		return nil, fmt.Errorf("%w: negative max offset", ErrConfig)
	}
	if cfg.Rand == nil {
		var seed uint64
		for _, b := range id {
			seed = seed<<8 | uint64(b)
		}
		cfg.Rand = &splitMix{state: seed}
	}
	r := &Replica{id: id, cfg: cfg, keys: map[string]*Key{}, tombs: map[string]uint64{}}
	r.clock.MaxOffset = cfg.MaxOffset
	return r, nil
}

// ID returns the replica id.
func (r *Replica) ID() causal.ReplicaID { return r.id }

// Stats returns counters, in O(1): joinKey keeps them current.
func (r *Replica) Stats() Stats {
	s := r.stats
	s.CollectibleKeys = len(r.tombs)
	s.Keys, s.KeysWithTTL, s.TombstoneKeys = r.live, r.ttlKeys, r.tombKeys
	s.ExpirySumMs = float64(r.ttlSum) + float64(r.ttlKeys)*ttlBase
	return s
}

// Context returns a copy of the replica's causal context.
func (r *Replica) Context() causal.Context { return r.cc.Clone() }

// Clock returns the latest HLC timestamp issued or observed.
func (r *Replica) Clock() hlc.Timestamp { return r.clock.Last() }

// Do runs one command at physical time now (Unix nanoseconds). Bad input
// yields an error Reply worded as Redis words it. The delta is nil when the
// command changed nothing; otherwise the host must persist and ship it.
// err is reserved for a replica that can no longer be used.
func (r *Replica) Do(now int64, args [][]byte) (Reply, *Delta, error) {
	c := r.newCall(now, args)
	reply := r.run(c)
	return reply, c.delta(), nil
}

// Exec runs a batch of commands atomically (MULTI/EXEC): later commands see
// earlier ones, and their effects form one delta, which a remote replica
// merges all or nothing (SEMANTICS.md B6).
func (r *Replica) Exec(now int64, cmds [][][]byte) ([]Reply, *Delta, error) {
	replies := make([]Reply, len(cmds))
	var acc *Delta
	for i, args := range cmds {
		c := r.newCall(now, args)
		replies[i] = r.run(c)
		acc = accumulate(acc, c.delta())
	}
	return replies, acc, nil
}

// Check validates a command's name and arity without running it, for
// MULTI queueing. It returns an error reply, or a zero Reply when valid.
func (r *Replica) Check(args [][]byte) (Reply, bool) {
	if len(args) == 0 {
		return errReply("ERR empty command"), false
	}
	cmd := lookup(args[0])
	if cmd == nil {
		return errUnknown(args), false
	}
	if !cmd.arityOK(len(args)) {
		return errArity(cmd.name), false
	}
	return Reply{}, true
}

func (r *Replica) run(c *call) Reply {
	r.stats.Commands++
	if len(c.args) == 0 {
		return errReply("ERR empty command")
	}
	cmd := lookup(c.args[0])
	if cmd == nil {
		return errUnknown(c.args)
	}
	if !cmd.arityOK(len(c.args)) {
		return errArity(cmd.name)
	}
	c.name = cmd.name
	return cmd.run(c)
}

// lookup finds a command by case-insensitive name.
func lookup(name []byte) *command {
	if cmd, ok := commandTable[string(name)]; ok {
		return cmd
	}
	if len(name) > 32 {
		return nil
	}
	return commandTable[lowerASCIIBytes(name)]
}

// Merge joins a remote delta. It is commutative, associative and
// idempotent. A delta that is malformed, or that carries a timestamp more
// than MaxOffset ahead of now, is refused whole: nothing of it is merged.
func (r *Replica) Merge(now int64, d *Delta) error {
	if d == nil {
		return nil
	}
	if err := validate(d); err != nil {
		r.stats.DeltasRefused++
		return err
	}
	if err := r.clock.Update(d.TS, now); err != nil {
		r.stats.DeltasRefused++
		return fmt.Errorf("merge delta: %w", err)
	}
	r.stats.DeltasMerged++
	r.merge(d)
	return nil
}

// merge joins d into the state; d is trusted.
func (r *Replica) merge(d *Delta) {
	for name, dk := range d.Keys {
		r.joinKey(name, dk, &d.CC, d.Full)
	}
	if d.Full {
		var empty Key
		for name := range r.keys {
			if _, ok := d.Keys[name]; !ok {
				r.joinKey(name, &empty, &d.CC, true)
			}
		}
	}
	r.cc.Join(&d.CC)
}

// joinKey joins one key of a delta (or state) into the replica, keeping the
// live count, the scan order and the expiry schedule current. The replica's
// context must not yet include co.
func (r *Replica) joinKey(name string, dk *Key, co *causal.Context, full bool) {
	k, had := r.keys[name]
	before := false
	if had {
		before = k.Type() != TypeNone
		r.countKey(k, before, -1)
	} else {
		k = &Key{}
	}
	k.join(&r.cc, dk, co, full, false)
	r.ver++
	if r.touched != nil {
		r.touched[touchSlot(name)] = r.ver
	}
	after := k.Type() != TypeNone
	switch {
	case before && !after:
		r.live--
	case !before && after:
		r.live++
	}
	if k.empty() {
		if had {
			delete(r.keys, name)
			delete(r.tombs, name)
			r.keyOrder = nil
		}
		return
	}
	r.countKey(k, after, +1)
	if k.resetsOnly() {
		if _, ok := r.tombs[name]; !ok {
			r.tombs[name] = r.ver
		}
	} else if len(r.tombs) > 0 {
		delete(r.tombs, name)
	}
	if !had {
		r.keys[name] = k
		r.keyOrder = nil
	}
	// One heap entry per key at most: a later expiry keeps the earlier
	// entry, which Expire re-pushes at the real time when it pops it.
	if at, owner, ok := k.Expiry(); ok && after && owner == r.id && (k.scheduled == 0 || at < k.scheduled) {
		k.scheduled = at
		heap.Push(&r.exp, expiryItem{at: at, key: name})
	}
}

// countKey adds (sign +1) or takes away (-1) a stored key's share of the
// TTL and tombstone counts; shown is whether it has a visible type.
func (r *Replica) countKey(k *Key, shown bool, sign int) {
	if !shown {
		r.tombKeys += sign
		return
	}
	if at, _, ok := k.Expiry(); ok {
		r.ttlKeys += sign
		r.ttlSum += int64(sign) * (at - ttlBase)
	}
}

// ttlBase (2020-01-01, Unix ms) keeps the terms of ttlSum small.
const ttlBase = 1_577_836_800_000

// Collectible is the number of collectible tombstones (Stats.CollectibleKeys,
// in O(1)).
func (r *Replica) Collectible() int { return len(r.tombs) }

// Version counts the joins into keys so far. A host notes it with its
// stability bookkeeping; CollectTombstones takes it back.
func (r *Replica) Version() uint64 { return r.ver }

// CollectTombstones drops the collectible tombstones (keys holding nothing
// but counter reset records) that were already tombstones at version upTo
// and still are, and returns how many. The host calls it once the deletes
// behind them are causally stable: every replica has merged everything
// this replica had merged at upTo, and this replica has merged everything
// each of them had merged when it said so (SEMANTICS.md A11). Replicas
// collect at different moments; what they show never changes.
func (r *Replica) CollectTombstones(upTo uint64) int {
	n := 0
	for name, since := range r.tombs {
		if since > upTo {
			continue
		}
		delete(r.tombs, name)
		delete(r.keys, name)
		n++
	}
	r.tombKeys -= n
	if n > 0 {
		r.keyOrder = nil
		r.stats.TombstonesCollected += uint64(n)
	}
	return n
}

// Snapshot returns the whole state as a full Delta. It shares memory with
// the replica: encode it before the next call.
func (r *Replica) Snapshot() *Delta {
	return &Delta{Keys: r.keys, CC: r.cc, TS: r.clock.Last(), Full: true}
}

// Restore loads a snapshot into an empty replica (recovery). The snapshot
// is merged, so Restore on a non-empty replica is a plain join.
func (r *Replica) Restore(d *Delta) error {
	if err := validate(d); err != nil {
		return err
	}
	r.clock.Restore(d.TS)
	r.merge(d)
	return nil
}

// Expire deletes the keys this replica owns whose expiry time has passed
// (SEMANTICS.md A10: one replica owns each expiry and replicates the
// delete). The host calls it periodically; the delta is nil when nothing
// expired.
func (r *Replica) Expire(now int64) *Delta {
	ms := now / int64(time.Millisecond)
	var acc *Delta
	for r.exp.Len() > 0 && r.exp[0].at <= ms {
		it := heap.Pop(&r.exp).(expiryItem)
		k := r.keys[it.key]
		if k == nil || k.scheduled != it.at {
			continue // stale: the key was deleted or is scheduled elsewhere
		}
		k.scheduled = 0
		if k.Type() == TypeNone {
			continue
		}
		at, owner, ok := k.Expiry()
		if !ok || owner != r.id {
			continue
		}
		if at > ms { // the expiry moved later since this entry was pushed
			k.scheduled = at
			heap.Push(&r.exp, expiryItem{at: at, key: it.key})
			continue
		}
		c := r.newCall(now, nil)
		c.del(it.key)
		r.stats.KeysExpired++
		acc = accumulate(acc, c.delta())
	}
	return acc
}

// NextExpiry returns the earliest expiry time (Unix ms) this replica owns,
// or false; hosts use it to schedule Expire.
func (r *Replica) NextExpiry() (int64, bool) {
	if r.exp.Len() == 0 {
		return 0, false
	}
	return r.exp[0].at, true
}

// accumulate joins delta d into acc, keeping emptied entries so that the
// accumulated delta still names everything it removes.
func accumulate(acc, d *Delta) *Delta {
	if d == nil {
		return acc
	}
	if acc == nil {
		return d
	}
	for name, dk := range d.Keys {
		ak, ok := acc.Keys[name]
		if !ok {
			ak = &Key{}
			if acc.Keys == nil {
				acc.Keys = map[string]*Key{}
			}
			acc.Keys[name] = ak
		}
		ak.join(&acc.CC, dk, &d.CC, false, true)
		if dk.Ev != "" {
			ak.Ev = dk.Ev
		}
	}
	acc.CC.Join(&d.CC)
	if acc.TS.Less(d.TS) {
		acc.TS = d.TS
	}
	return acc
}

type expiryItem struct {
	at  int64
	key string
}

// expiryHeap orders keys by expiry time, then name; entries are checked
// when popped, so stale ones are harmless.
type expiryHeap []expiryItem

func (h expiryHeap) Len() int { return len(h) }
func (h expiryHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].key < h[j].key
}
func (h expiryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)   { *h = append(*h, x.(expiryItem)) }
func (h *expiryHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// splitMix is SplitMix64 (Steele et al. 2014), the default Source.
type splitMix struct{ state uint64 }

func (s *splitMix) Uint64() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// touchSlots is the number of slots of Replica.touched: 128 KiB, so that a
// watched key shares its slot with one key in 16,384 (a write to one of
// those aborts the transaction too: the safe direction).
const touchSlots = 1 << 14

// touchSlot hashes a key name to its slot (FNV-1a).
func touchSlot(name string) int {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h ^= uint32(name[i])
		h *= 16777619
	}
	return int(h % touchSlots)
}

// touchedSince reports whether any join into key name (a write, a merged
// delta, a delete) happened after version since.
func (r *Replica) touchedSince(name string, since uint64) bool {
	return r.touched != nil && r.touched[touchSlot(name)] > since
}
