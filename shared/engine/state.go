package engine

import (
	"lattice/shared/causal"
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
	typeMax    Type = 3
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
	Types crdt.Marks  `cbor:"1,keyasint,omitempty"`
	TTL   crdt.Marks  `cbor:"2,keyasint,omitempty"`
	Str   *crdt.Value `cbor:"3,keyasint,omitempty"`
	Hash  crdt.ORMap  `cbor:"4,keyasint,omitempty"`
	Set   crdt.ORSet  `cbor:"5,keyasint,omitempty"`

	hashLive  int   // present fields in Hash; not encoded, rebuilt by fix
	scheduled int64 // expiry time last pushed on the replica's heap
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
	}
	return false
}

// Type returns the key's shown type, TypeNone when it does not exist.
func (k *Key) Type() Type {
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
	if best >= 0 {
		return Type(k.Types[best].N)
	}
	for t := TypeString; t <= typeMax; t++ { // contents whose mark was removed
		if k.has(t) {
			return t
		}
	}
	return TypeNone
}

// Expiry returns the expiry time in Unix ms and its owner; ok is false when
// the key has no TTL (no marks, or a PERSIST among them).
func (k *Key) Expiry() (at int64, owner causal.ReplicaID, ok bool) {
	best := -1
	for i := range k.TTL {
		m := &k.TTL[i]
		if m.N == 0 {
			return 0, owner, false
		}
		if best < 0 || m.N > k.TTL[best].N ||
			m.N == k.TTL[best].N && crdt.Later(m.TS, m.Dot.Replica, k.TTL[best].TS, k.TTL[best].Dot.Replica) {
			best = i
		}
	}
	if best < 0 {
		return 0, owner, false
	}
	return k.TTL[best].N, k.TTL[best].Dot.Replica, true
}

// empty reports whether k holds nothing at all, not even a tombstone.
func (k *Key) empty() bool {
	return len(k.Types) == 0 && len(k.TTL) == 0 && (k.Str == nil || (k.Str.Empty() && len(k.Str.Resets) == 0)) &&
		len(k.Hash) == 0 && len(k.Set) == 0
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
}

// Empty reports whether d carries nothing.
func (d *Delta) Empty() bool { return d == nil || (len(d.Keys) == 0 && d.CC.Size() == 0) }
