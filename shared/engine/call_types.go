package engine

import (
	"slices"

	"lattice/shared/causal"
	"lattice/shared/crdt"
)

// Write primitives of sorted sets, lists and HyperLogLogs; see call.go for
// the pattern: prepare the key, build a fragment, apply it.

// zmember returns the score Value of member, empty when absent.
func (c *call) zmember(name, member string) *crdt.Value {
	if k := c.r.keys[name]; k != nil {
		if v := k.ZSet[member]; v != nil {
			return v
		}
	}
	return &crdt.Value{}
}

// zadd assigns member's score (ZADD): LWW against concurrent ZADDs, and
// it resets the increments it observed (SEMANTICS.md A6).
func (c *call) zadd(name, member string, score float64) {
	frag, rm, added := c.prepare(name, TypeZSet)
	d := c.mint(added)
	v, rm := c.zmember(name, member).Assign(d, c.ts, crdt.ScoreBytes(score), rm)
	frag.ZSet = crdt.ORMap{member: &v}
	c.apply(name, frag, rm, append(added, d))
}

// zincr moves member's score from cur (its visible score, 0 when absent)
// to next = cur + increment, already checked not NaN (ZINCRBY, ZADD INCR):
// a counter contribution, so concurrent increments add up.
func (c *call) zincr(name, member string, cur, next float64) {
	frag, rm, added := c.prepare(name, TypeZSet)
	d := c.mint(added)
	v, rm := c.zmember(name, member).IncrScore(d, c.ts, cur, next, rm)
	frag.ZSet = crdt.ORMap{member: &v}
	c.apply(name, frag, rm, append(added, d))
}

// zrem removes member (observed remove: unseen increments survive);
// removing the last member deletes the key.
func (c *call) zrem(name, member string) {
	k := c.r.keys[name]
	if k == nil || k.ZSet[member] == nil || k.ZSet[member].Empty() {
		return
	}
	if k.zidx.Len() == 1 {
		c.del(name)
		return
	}
	c.stamp()
	v, rm := k.ZSet[member].Remove(nil)
	c.apply(name, &Key{ZSet: crdt.ORMap{member: &v}}, rm, nil)
}

// seq returns the Sequence of list name, empty when absent.
func (c *call) seq(name string) *crdt.Sequence {
	if s := c.r.keys[name].listSeq(); s != nil {
		return s
	}
	return crdt.NewSequence()
}

func (k *Key) listSeq() *crdt.Sequence {
	if k == nil {
		return nil
	}
	return k.List.Seq()
}

// push adds val at the head (LPUSH) or the tail (RPUSH) of list name, as a
// new element; it returns the element's id.
func (c *call) push(name string, back bool, val []byte) causal.Dot {
	frag, rm, added := c.prepare(name, TypeList)
	d := c.mint(added)
	frag.List = &List{flat: c.seq(name).Push(back, d, c.ts, slices.Clone(val))}
	c.apply(name, frag, rm, append(added, d))
	return d
}

// insert adds val right after (or before) live element pivot (LINSERT);
// it reports false when pivot is not live.
func (c *call) insert(name string, pivot causal.Dot, after bool, val []byte) bool {
	frag, rm, added := c.prepare(name, TypeList)
	d := c.mint(added)
	delta, ok := c.seq(name).Insert(pivot, after, d, c.ts, slices.Clone(val))
	if !ok {
		return false
	}
	frag.List = &List{flat: delta}
	c.apply(name, frag, rm, append(added, d))
	return true
}

// lset sets the value of live element id (LSET, LWW against concurrent
// LSETs of it); it reports false when id is not live.
func (c *call) lset(name string, id causal.Dot, val []byte) bool {
	frag, rm, added := c.prepare(name, TypeList)
	d := c.mint(added)
	delta, rm, ok := c.seq(name).Set(id, d, c.ts, slices.Clone(val), rm)
	if !ok {
		return false
	}
	frag.List = &List{flat: delta}
	c.apply(name, frag, rm, append(added, d))
	return true
}

// lremove removes live element id (pops, LREM, LTRIM); removing the last
// element deletes the key.
func (c *call) lremove(name string, id causal.Dot) {
	s := c.r.keys[name].listSeq()
	if s == nil {
		return
	}
	if _, ok := s.Find(id); !ok {
		return
	}
	if s.Len() == 1 {
		c.del(name)
		return
	}
	c.stamp()
	delta, _ := s.Remove(id)
	c.apply(name, &Key{List: &List{flat: delta}}, []causal.Dot{id}, nil)
}

// pfwrite raises registers of HyperLogLog name to regs (PFADD, PFMERGE),
// creating it when absent; regs is kept.
func (c *call) pfwrite(name string, regs crdt.HLL) {
	frag, rm, added := c.prepare(name, TypeHLL)
	cur := &crdt.HLLKey{}
	if k := c.r.keys[name]; k != nil && k.HLL != nil {
		cur = k.HLL
	}
	h := cur.Write(regs, &c.r.cc)
	frag.HLL = &h
	c.apply(name, frag, rm, added)
}
