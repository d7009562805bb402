package engine

import (
	"slices"
	"time"

	"lattice/shared/causal"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
)

// call is one command being run: its arguments, its time, and the delta it
// builds. Every write primitive applies its fragment to the replica at once
// (so later steps of the same command see it) and adds it to the command's
// delta, so local and remote application share one code path: the join.
type call struct {
	r    *Replica
	args [][]byte
	name string // the command's name, from the command table
	now  int64  // Unix ns
	ms   int64  // Unix ms

	ts     hlc.Timestamp // minted on first write
	hasTS  bool
	d      *Delta
	marked []string // keys whose type mark this command wrote (few per command)
}

func (r *Replica) newCall(now int64, args [][]byte) *call {
	return &call{r: r, args: args, now: now, ms: now / int64(time.Millisecond)}
}

// delta returns the command's delta, nil if it wrote nothing.
func (c *call) delta() *Delta {
	if c.d == nil || c.d.Empty() {
		return nil
	}
	return c.d
}

// lookup returns the key if it exists and is not logically expired.
func (c *call) lookup(name string) *Key {
	k := c.r.keys[name]
	if k == nil || k.Type() == TypeNone {
		return nil
	}
	if at, _, ok := k.Expiry(); ok && at <= c.ms {
		return nil
	}
	return k
}

// lookupType returns the key if it exists with type t; wrong is true when
// it exists with another type (the caller answers WRONGTYPE).
func (c *call) lookupType(name string, t Type) (k *Key, wrong bool) {
	k = c.lookup(name)
	if k == nil {
		return nil, false
	}
	if k.Type() != t {
		return nil, true
	}
	return k, false
}

// stamp returns the command's HLC timestamp, minting it on first use.
func (c *call) stamp() hlc.Timestamp {
	if !c.hasTS {
		c.ts = c.r.clock.Now(c.now)
		c.hasTS = true
	}
	return c.ts
}

// dot mints a new dot of this replica. The replica's own dots are
// contiguous in its context, and every minted dot enters the context when
// its fragment is applied, so Max+1 is always fresh.
func (c *call) dot() causal.Dot {
	return causal.Dot{Replica: c.r.id, Seq: c.r.cc.Max(c.r.id) + 1}
}

// apply joins a one-key fragment into the replica and into the command's
// delta. rm are the dots the fragment removes; added are the dots it mints.
//
// A fragment that mints nothing (a pure remove) gets a fresh event dot in
// its context anyway, so every delta carries at least one dot of its own:
// the sync layer names and acknowledges deltas by it. (A receiver whose
// context holds all of a delta's dots may still lack its removals: a later
// remove of the delta's entries puts them in the context. So Merge never
// skips a delta on context dominance.)
func (c *call) apply(name string, frag *Key, rm, added []causal.Dot) {
	if len(added) == 0 {
		added = []causal.Dot{c.dot()}
	}
	cc := causal.Context{Cloud: make([]causal.Dot, 0, len(rm)+len(added))}
	for _, d := range rm {
		cc.Add(d)
	}
	for _, d := range added {
		cc.Add(d)
	}
	c.r.joinKey(name, frag, &cc, false)
	c.r.cc.Join(&cc)
	if c.d == nil {
		// The first fragment is the delta: the replica's join copied what
		// it kept, so nothing aliases frag or cc.
		c.d = &Delta{Keys: map[string]*Key{name: frag}, CC: cc}
	} else if dk, ok := c.d.Keys[name]; ok {
		dk.join(&c.d.CC, frag, &cc, false, true)
		c.d.CC.Join(&cc)
	} else {
		c.d.Keys[name] = frag
		c.d.CC.Join(&cc)
	}
	if c.d.TS.Less(c.ts) {
		c.d.TS = c.ts
	}
	c.d.Keys[name].Ev = c.event()
}

// event is the command's name for Key.Ev.
func (c *call) event() string {
	if c.name == "" && len(c.args) == 0 {
		return "expired" // Replica.Expire's calls have no arguments
	}
	return c.name
}

// maxEvent bounds Key.Ev in a delta from the wire (command names are
// shorter).
const maxEvent = 32

// del removes everything of key name that this replica has observed
// (DEL, and every write that empties a collection).
func (c *call) del(name string) {
	k := c.r.keys[name]
	if k == nil {
		return
	}
	c.stamp()
	frag := &Key{}
	rm := k.dots(nil)
	if k.Str != nil {
		v, _ := k.Str.Remove(nil)
		frag.Str = &v
	}
	if len(k.Hash) > 0 {
		frag.Hash = crdt.ORMap{}
		for f, v := range k.Hash {
			fv, _ := v.Remove(nil)
			frag.Hash[f] = &fv
		}
	}
	if len(k.Set) > 0 {
		frag.Set = crdt.ORSet{}
		for m := range k.Set {
			frag.Set[m] = nil
		}
	}
	if len(k.ZSet) > 0 {
		frag.ZSet = crdt.ORMap{}
		for m, v := range k.ZSet {
			fv, _ := v.Remove(nil)
			frag.ZSet[m] = &fv
		}
	}
	var added []causal.Dot
	rm = c.clearList(k, frag, rm)
	rm, added = c.killHLL(k, frag, rm, added)
	c.unmark(name)
	c.apply(name, frag, rm, added)
}

// clearList removes the observed elements of k's list into frag.
func (c *call) clearList(k *Key, frag *Key, rm []causal.Dot) []causal.Dot {
	if k.List.Seq().Len() == 0 {
		return rm
	}
	d, ids := k.List.seq.Clear()
	frag.List = &List{flat: d}
	return append(rm, ids...)
}

// killHLL writes a delete tombstone over k's HyperLogLog into frag (DEL
// wins, SEMANTICS.md A9), when it holds any entry.
func (c *call) killHLL(k *Key, frag *Key, rm, added []causal.Dot) ([]causal.Dot, []causal.Dot) {
	if k.HLL == nil || len(k.HLL.Entries) == 0 {
		return rm, added
	}
	d := c.mint(added)
	h, rm := k.HLL.Delete(d, rm)
	frag.HLL = &h
	return rm, append(added, d)
}

// prepare readies key name for a write of type t and returns the fragment
// to fill plus the dots it already removes and mints. A logically expired
// key is deleted first (SEMANTICS.md A10: a write on an expired key expires
// it, replicating the delete). The first write of a key in a command
// replaces the type marks it observed with its own and discards the
// observed contents of other types (B4).
func (c *call) prepare(name string, t Type) (frag *Key, rm, added []causal.Dot) {
	c.stamp()
	if k := c.r.keys[name]; k != nil {
		at, _, hasTTL := k.Expiry()
		switch {
		case k.Type() == TypeNone && (len(k.TTL) > 0 || len(k.Types) > 0):
			// Leftovers of a key deleted concurrently with an EXPIRE or a
			// write (B5): a new write starts clean of what it observed.
			c.del(name)
		case k.Type() != TypeNone && hasTTL && at <= c.ms:
			c.del(name)
		}
	}
	frag = &Key{}
	if slices.Contains(c.marked, name) {
		return frag, nil, nil
	}
	c.marked = append(c.marked, name)
	k := c.r.keys[name]
	d := c.dot()
	frag.Types = crdt.Marks{{Dot: d, TS: c.ts, N: int64(t)}}
	added = append(added, d)
	if k == nil {
		return frag, nil, added
	}
	rm = k.Types.Dots(rm)
	if t != TypeString && k.Str != nil {
		v, r2 := k.Str.Remove(rm)
		frag.Str, rm = &v, r2
	}
	if t != TypeHash && len(k.Hash) > 0 {
		frag.Hash = crdt.ORMap{}
		for f, v := range k.Hash {
			fv, r2 := v.Remove(rm)
			frag.Hash[f], rm = &fv, r2
		}
	}
	if t != TypeSet && len(k.Set) > 0 {
		frag.Set = crdt.ORSet{}
		for m, ds := range k.Set {
			frag.Set[m] = nil
			rm = append(rm, ds...)
		}
	}
	if t != TypeZSet && len(k.ZSet) > 0 {
		frag.ZSet = crdt.ORMap{}
		for m, v := range k.ZSet {
			fv, r2 := v.Remove(rm)
			frag.ZSet[m], rm = &fv, r2
		}
	}
	if t != TypeList {
		rm = c.clearList(k, frag, rm)
	}
	if t != TypeHLL {
		rm, added = c.killHLL(k, frag, rm, added)
	}
	return frag, rm, added
}

// mint returns a fresh dot beyond those already in added.
func (c *call) mint(added []causal.Dot) causal.Dot {
	d := c.dot()
	for _, a := range added {
		if a.Replica == d.Replica && a.Seq >= d.Seq {
			d.Seq = a.Seq + 1
		}
	}
	return d
}

// setString assigns the whole string value of name. Unless keepTTL, it
// removes the TTL marks it observed (B5: an unseen EXPIRE survives).
func (c *call) setString(name string, val []byte, keepTTL bool) {
	frag, rm, added := c.prepare(name, TypeString)
	k := c.r.keys[name]
	cur := &crdt.Value{}
	if k != nil && k.Str != nil {
		cur = k.Str
	}
	d := c.mint(added)
	v, rm := cur.Assign(d, c.ts, slices.Clone(val), rm)
	frag.Str = mergeValue(frag.Str, &v)
	added = append(added, d)
	if !keepTTL && k != nil {
		rm = k.TTL.Dots(rm)
	}
	c.apply(name, frag, rm, added)
}

// incrString adds n (and the exact decimal f) to the counter of name.
func (c *call) incrString(name string, n int64, f crdt.Decimal) {
	frag, rm, added := c.prepare(name, TypeString)
	k := c.r.keys[name]
	cur := &crdt.Value{}
	if k != nil && k.Str != nil {
		cur = k.Str
	}
	d := c.mint(added)
	v, rm := cur.Increment(d, n, f, rm)
	frag.Str = mergeValue(frag.Str, &v)
	c.apply(name, frag, rm, append(added, d))
}

// setTTL writes an expiry time (Unix ms) for name, or PERSIST when at is 0,
// replacing the TTL marks observed.
func (c *call) setTTL(name string, at int64) {
	k := c.r.keys[name]
	if k == nil {
		return
	}
	c.stamp()
	d := c.dot()
	frag := &Key{TTL: crdt.Marks{{Dot: d, TS: c.ts, N: at}}}
	c.apply(name, frag, k.TTL.Dots(nil), []causal.Dot{d})
}

// hset assigns field of hash name.
func (c *call) hset(name, field string, val []byte) {
	frag, rm, added := c.prepare(name, TypeHash)
	cur := c.field(name, field)
	d := c.mint(added)
	v, rm := cur.Assign(d, c.ts, slices.Clone(val), rm)
	frag.Hash = crdt.ORMap{field: &v}
	c.apply(name, frag, rm, append(added, d))
}

// hincr adds n (and f) to the counter in field of hash name.
func (c *call) hincr(name, field string, n int64, f crdt.Decimal) {
	frag, rm, added := c.prepare(name, TypeHash)
	cur := c.field(name, field)
	d := c.mint(added)
	v, rm := cur.Increment(d, n, f, rm)
	frag.Hash = crdt.ORMap{field: &v}
	c.apply(name, frag, rm, append(added, d))
}

// hdel removes field; removing the last field deletes the key.
func (c *call) hdel(name, field string) {
	k := c.r.keys[name]
	if k == nil || k.Hash[field] == nil || k.Hash[field].Empty() {
		return
	}
	if k.hashLive == 1 {
		c.del(name)
		return
	}
	c.stamp()
	v, rm := k.Hash[field].Remove(nil)
	c.apply(name, &Key{Hash: crdt.ORMap{field: &v}}, rm, nil)
}

func (c *call) field(name, field string) *crdt.Value {
	if k := c.r.keys[name]; k != nil {
		if v := k.Hash[field]; v != nil {
			return v
		}
	}
	return &crdt.Value{}
}

// sadd adds member to set name (a new dot even when present: add wins).
func (c *call) sadd(name, member string) {
	frag, rm, added := c.prepare(name, TypeSet)
	k := c.r.keys[name]
	d := c.mint(added)
	if k != nil {
		rm = k.Set.Remove(member, rm)
	}
	frag.Set = crdt.ORSet{member: {d}}
	c.apply(name, frag, rm, append(added, d))
}

// srem removes member; removing the last member deletes the key.
func (c *call) srem(name, member string) {
	k := c.r.keys[name]
	if k == nil || len(k.Set[member]) == 0 {
		return
	}
	if len(k.Set) == 1 {
		c.del(name)
		return
	}
	c.stamp()
	c.apply(name, &Key{Set: crdt.ORSet{member: nil}}, k.Set.Remove(member, nil), nil)
}

// mergeValue combines a removal fragment from prepare with a new value.
func mergeValue(a, b *crdt.Value) *crdt.Value {
	if a == nil {
		return b
	}
	a.Assigns = append(a.Assigns, b.Assigns...)
	a.Counts = append(a.Counts, b.Counts...)
	a.Resets = append(a.Resets, b.Resets...)
	return a
}

func (c *call) unmark(name string) {
	if i := slices.Index(c.marked, name); i >= 0 {
		c.marked = slices.Delete(c.marked, i, i+1)
	}
}
