package engine

import (
	"lattice/shared/causal"
	"lattice/shared/codec"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
)

// Type is a key's Redis type, as stored in its type register.
type Type int64

// Type codes. They are written to disk and the wire: never renumber.
const (
	TypeNone   Type = 0
	TypeString Type = 1
	TypeHash   Type = 2
	TypeSet    Type = 3
	TypeZSet   Type = 4
	TypeList   Type = 5
	TypeHLL    Type = 6 // a HyperLogLog: TYPE says "string", as in Redis
	typeMax    Type = 6
)

// Name returns the TYPE command's word for t.
func (t Type) Name() string {
	switch t {
	case TypeString:
		return "string"
	case TypeHash:
		return "hash"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	case TypeList:
		return "list"
	case TypeHLL:
		return "string"
	}
	return "none"
}

// Key is the CRDT state of one key: a composite of per-type contents, a type
// register and a TTL register, all dot stores under the replica's one causal
// context.
//
// Type (SEMANTICS.md B4): every write of a key replaces the type marks it
// observed with one of its own and discards the observed contents of other
// types. Concurrent writes of different types leave several marks; the key
// shows the type whose mark wins LWW (later HLC, then smaller replica id)
// among the types that still have contents. The losing contents stay hidden
// until the next write that observes them discards them everywhere.
//
// TTL (SEMANTICS.md A10, B5): EXPIRE and PERSIST replace the TTL marks they
// observed; SET without KEEPTTL removes them. Among concurrent marks PERSIST
// (N == 0) wins, else the latest expiry time; the replica that wrote the
// winning mark owns the expiry.
//
// Existence: a key exists while the contents of its shown type are
// non-empty. A key left with only reset records is a tombstone.
type Key struct {
	Types crdt.Marks   `cbor:"1,keyasint,omitempty"`
	TTL   crdt.Marks   `cbor:"2,keyasint,omitempty"`
	Str   *crdt.Value  `cbor:"3,keyasint,omitempty"`
	Hash  crdt.ORMap   `cbor:"4,keyasint,omitempty"`
	Set   crdt.ORSet   `cbor:"5,keyasint,omitempty"`
	ZSet  crdt.ORMap   `cbor:"6,keyasint,omitempty"` // member -> score (crdt.Value.Score)
	List  *List        `cbor:"7,keyasint,omitempty"`
	HLL   *crdt.HLLKey `cbor:"8,keyasint,omitempty"`

	// Ev, in a delta only, names the command that last wrote the key
	// there, lowercased ("expired" for the owner's expiry), so that the
	// replicas merging it raise the keyspace notification a local write
	// would (SEMANTICS.md B10). A state never holds it; Merge ignores it.
	Ev string `cbor:"9,keyasint,omitempty"`

	hashLive  int          // present fields in Hash; not encoded, rebuilt by fix
	zidx      *crdt.ZIndex // visible scores of ZSet in order; not encoded
	scheduled int64        // expiry time last pushed on the replica's heap
}

// List is a list key's contents: in a replica's state the Sequence, in a
// delta (or a decoded snapshot) the flat records. Both encode alike.
type List struct {
	seq   *crdt.Sequence
	flat  crdt.SeqDelta
	index map[causal.Dot]int // positions in flat, while accumulating
}

// MarshalCBOR encodes the Sequence's snapshot or the flat records.
func (l *List) MarshalCBOR() ([]byte, error) {
	if l.seq != nil {
		return l.seq.MarshalCBOR()
	}
	return codec.Marshal(&l.flat)
}

// UnmarshalCBOR decodes flat records (bounded by codec's limits).
func (l *List) UnmarshalCBOR(b []byte) error {
	*l = List{}
	return codec.Unmarshal(b, &l.flat)
}

// Seq returns the list's Sequence (state only; nil in a delta).
func (l *List) Seq() *crdt.Sequence {
	if l == nil {
		return nil
	}
	return l.seq
}

// records returns the flat form, for joining l into another key.
func (l *List) records() *crdt.SeqDelta {
	if l.seq != nil {
		d := l.seq.Snapshot()
		return &d
	}
	return &l.flat
}

// has reports whether the contents of type t are non-empty.
func (k *Key) has(t Type) bool {
	switch t {
	case TypeString:
		return k.Str != nil && !k.Str.Empty()
	case TypeHash:
		return k.hashLive > 0
	case TypeSet:
		return len(k.Set) > 0
	case TypeZSet:
		return k.zidx != nil && k.zidx.Len() > 0
	case TypeList:
		return k.List.Seq().Len() > 0
	case TypeHLL:
		return k.HLL.Visible() != nil
	}
	return false
}

// Type returns the key's shown type, TypeNone when it does not exist.
func (k *Key) Type() Type {
	if i := k.typeWinner(); i >= 0 {
		return Type(k.Types[i].N)
	}
	for t := TypeString; t <= typeMax; t++ { // contents whose mark was removed
		if k.has(t) {
			return t
		}
	}
	return TypeNone
}

// typeWinner is the index of the type mark that decides the shown type:
// the LWW winner (later HLC, then smaller replica id) among the marks whose
// type has contents; -1 when none has.
func (k *Key) typeWinner() int {
	best := -1
	for i := range k.Types {
		m := &k.Types[i]
		if !k.has(Type(m.N)) {
			continue
		}
		if best < 0 || crdt.Later(m.TS, m.Dot.Replica, k.Types[best].TS, k.Types[best].Dot.Replica) {
			best = i
		}
	}
	return best
}

// Expiry returns the expiry time in Unix ms and its owner; ok is false when
// the key has no TTL (no marks, or a PERSIST among them).
func (k *Key) Expiry() (at int64, owner causal.ReplicaID, ok bool) {
	i := k.ttlWinner()
	if i < 0 || k.TTL[i].N == 0 {
		return 0, owner, false
	}
	return k.TTL[i].N, k.TTL[i].Dot.Replica, true
}

// ttlWinner is the index of the TTL mark that decides the expiry: a
// PERSIST (N == 0) if there is one, else the latest time, a tie to the LWW
// winner; -1 when there is no mark.
func (k *Key) ttlWinner() int {
	best := -1
	for i := range k.TTL {
		m := &k.TTL[i]
		if m.N == 0 {
			return i
		}
		if best < 0 || m.N > k.TTL[best].N ||
			m.N == k.TTL[best].N && crdt.Later(m.TS, m.Dot.Replica, k.TTL[best].TS, k.TTL[best].Dot.Replica) {
			best = i
		}
	}
	return best
}

// empty reports whether k holds nothing at all, not even a tombstone.
func (k *Key) empty() bool {
	return len(k.Types) == 0 && len(k.TTL) == 0 && (k.Str == nil || (k.Str.Empty() && len(k.Str.Resets) == 0)) &&
		len(k.Hash) == 0 && len(k.Set) == 0 && len(k.ZSet) == 0 && k.List == nil && k.HLL.Empty()
}

// resetsOnly reports whether k holds nothing but counter reset records: a
// deleted counter, string, hash or sorted set. Such a tombstone is
// collectible once causally stable (Replica.CollectTombstones): a reset
// record only matters to increments concurrent with it, and once every
// replica has seen the delete and every write made before seeing it has
// arrived, none can come. HyperLogLog delete tombstones and list element
// tombstones are named by later writes, so they are not collected this way.
func (k *Key) resetsOnly() bool {
	if len(k.Types) > 0 || len(k.TTL) > 0 || len(k.Set) > 0 || k.List != nil || !k.HLL.Empty() {
		return false
	}
	resets := false
	only := func(v *crdt.Value) bool {
		if v == nil {
			return true
		}
		resets = resets || len(v.Resets) > 0
		return v.Empty()
	}
	if !only(k.Str) {
		return false
	}
	for _, m := range []crdt.ORMap{k.Hash, k.ZSet} {
		for _, v := range m {
			if !only(v) {
				return false
			}
		}
	}
	return resets
}

// join merges o (a key of a delta or state with context co) into k (context
// ck). full visits entries of k that o does not name; keep retains emptied
// entries (delta accumulation).
func (k *Key) join(ck *causal.Context, o *Key, co *causal.Context, full, keep bool) {
	k.Types = k.Types.Join(ck, o.Types, co)
	k.TTL = k.TTL.Join(ck, o.TTL, co)
	if o.Str != nil || (full && k.Str != nil) {
		if k.Str == nil {
			k.Str = &crdt.Value{}
		}
		os := o.Str
		if os == nil {
			os = &crdt.Value{}
		}
		k.Str.Join(ck, os, co)
		if !keep && k.Str.Empty() && len(k.Str.Resets) == 0 {
			k.Str = nil
		}
	}
	if o.Hash != nil || (full && k.Hash != nil) {
		if k.Hash == nil {
			k.Hash = crdt.ORMap{}
		}
		k.hashLive += k.Hash.Join(ck, o.Hash, co, full, keep)
		if len(k.Hash) == 0 {
			k.Hash = nil
		}
	}
	if o.Set != nil || (full && k.Set != nil) {
		if k.Set == nil {
			k.Set = crdt.ORSet{}
		}
		k.Set.Join(ck, o.Set, co, full, keep)
		if len(k.Set) == 0 && !keep {
			k.Set = nil
		}
	}
	if o.ZSet != nil || (full && k.ZSet != nil) {
		k.joinZSet(ck, o.ZSet, co, full, keep)
	}
	if o.List != nil || (full && k.List != nil) {
		k.joinList(ck, o.List, co, full, keep)
	}
	if o.HLL != nil || (full && k.HLL != nil) {
		if k.HLL == nil {
			k.HLL = &crdt.HLLKey{}
		}
		oh := o.HLL
		if oh == nil {
			oh = &crdt.HLLKey{}
		}
		k.HLL.Join(ck, oh, co)
		if k.HLL.Empty() && !keep {
			k.HLL = nil
		}
	}
}

// joinZSet joins member scores and mirrors the visible ones in zidx (not
// while accumulating a delta, which needs no index).
func (k *Key) joinZSet(ck *causal.Context, o crdt.ORMap, co *causal.Context, full, keep bool) {
	if k.ZSet == nil {
		k.ZSet = crdt.ORMap{}
	}
	k.ZSet.Join(ck, o, co, full, keep)
	switch {
	case keep:
	case full || k.zidx == nil:
		k.reindexZSet()
	default:
		for m := range o {
			if v := k.ZSet[m]; v != nil && !v.Empty() {
				f, _ := v.Score()
				k.zidx.Set(m, f)
			} else {
				k.zidx.Delete(m)
			}
		}
	}
	if len(k.ZSet) == 0 && !keep {
		k.ZSet, k.zidx = nil, nil
	}
}

func (k *Key) reindexZSet() {
	k.zidx = &crdt.ZIndex{}
	for m, v := range k.ZSet {
		if f, ok := v.Score(); ok {
			k.zidx.Set(m, f)
		}
	}
}

// joinList joins list records: into the Sequence in a state, into the
// flat records while accumulating a delta.
func (k *Key) joinList(ck *causal.Context, o *List, co *causal.Context, full, keep bool) {
	od := &crdt.SeqDelta{}
	if o != nil {
		od = o.records()
	}
	if k.List == nil {
		k.List = &List{}
	}
	if keep {
		k.List.index = k.List.flat.Accumulate(ck, od, co, k.List.index)
		return
	}
	if k.List.seq == nil {
		k.List.seq = crdt.NewSequence()
	}
	k.List.seq.Join(ck, od, co, full)
	if k.List.seq.Records() == 0 {
		k.List = nil
	}
}

// fix rebuilds the derived counters after decoding.
func (k *Key) fix() {
	k.hashLive = 0
	for _, v := range k.Hash {
		if !v.Empty() {
			k.hashLive++
		}
	}
}

// dots appends every live dot of k to dst (for observed removes).
func (k *Key) dots(dst []causal.Dot) []causal.Dot {
	dst = k.Types.Dots(dst)
	dst = k.TTL.Dots(dst)
	if k.Str != nil {
		dst = k.Str.Dots(dst)
	}
	for _, v := range k.Hash {
		dst = v.Dots(dst)
	}
	for _, ds := range k.Set {
		dst = append(dst, ds...)
	}
	for _, v := range k.ZSet {
		dst = v.Dots(dst)
	}
	// List elements are removed by Sequence.Clear, HyperLogLog tombstones
	// only by a new tombstone (killHLL): removing them alone would revive
	// the adds they killed.
	return dst
}

// Delta is a fragment of replica state: the keys one command or transaction
// touched, with a causal context holding exactly the dots it created and
// removed. A full snapshot is a Delta with Full set, whose context is the
// replica's whole context.
//
// Merge is the causal join, so deltas may be merged in any order, any number
// of times.
type Delta struct {
	Keys map[string]*Key `cbor:"1,keyasint,omitempty"`
	CC   causal.Context  `cbor:"2,keyasint"`
	TS   hlc.Timestamp   `cbor:"3,keyasint"` // the latest timestamp inside
	Full bool            `cbor:"4,keyasint,omitempty"`

	// Origin names the delta for replication: the replica that made it
	// and its number among that replica's deltas (1, 2, 3, ...), set by
	// the host; nil when the host does not number its deltas. Hosts drop
	// a delta whose origin they already hold. Merge ignores it.
	Origin *causal.Dot `cbor:"5,keyasint,omitempty"`
	// Applied, in a full state, holds the origins of every delta whose
	// effects the state includes, so hosts know what a snapshot brought.
	// Merge ignores it.
	Applied *causal.Context `cbor:"6,keyasint,omitempty"`
}

// Empty reports whether d carries nothing.
func (d *Delta) Empty() bool { return d == nil || (len(d.Keys) == 0 && d.CC.Size() == 0) }
