package engine

import (
	"math"
	"slices"

	"lattice/shared/crdt"
)

// setCommands: sets (SEMANTICS.md A4, B7). Membership is add-wins
// observed-remove. Replies list members in byte order, not in Redis's
// hash-table order: the order must be the same on every replica, whatever
// order the writes arrived in.
var setCommands = []command{
	{name: "sadd", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdSAdd},
	{name: "srem", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdSRem},
	{name: "smembers", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdSMembers},
	{name: "sismember", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdSIsMember},
	{name: "smismember", arity: -3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdSMIsMember},
	{name: "scard", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdSCard},
	{name: "spop", arity: -2, flags: flagWrite | flagFast | flagRandom, firstKey: 1, lastKey: 1, step: 1, run: cmdSPop},
	{name: "srandmember", arity: -2, flags: flagReadonly | flagRandom, firstKey: 1, lastKey: 1, step: 1, run: cmdSRandMember},
	{name: "smove", arity: 4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 2, step: 1, run: cmdSMove},
	{name: "sunion", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, step: 1, run: cmdSUnion},
	{name: "sinter", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, step: 1, run: cmdSInter},
	{name: "sdiff", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, step: 1, run: cmdSDiff},
	{name: "sunionstore", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, run: cmdSUnionStore},
	{name: "sinterstore", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, run: cmdSInterStore},
	{name: "sdiffstore", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, run: cmdSDiffStore},
	// SINTERCARD's keys follow a count (Redis: movablekeys, positions 0 0 0).
	{name: "sintercard", arity: -3, flags: flagReadonly, run: cmdSInterCard},
}

// maxRandomReply bounds the reply of SRANDMEMBER and HRANDFIELD with a
// negative count, the only replies whose length the client chooses freely.
// Redis has no bound and builds the reply until memory runs out; we answer
// Redis's "value is out of range" instead, at the size of the largest
// command a client may send (resp.DefaultMaxArgs).
const maxRandomReply = 1 << 20

// isMember reports whether set k (nil: empty) has member m.
func isMember(k *Key, m string) bool { return k != nil && len(k.Set[m]) > 0 }

// setMembers returns the members of set k in byte order.
func setMembers(k *Key) []string {
	if k == nil {
		return nil
	}
	return sortedKeys(k.Set)
}

func bulkStrs(items []string) []Reply {
	out := make([]Reply, len(items))
	for i, s := range items {
		out[i] = bulkStr(s)
	}
	return out
}

// cmdSAdd mints a new dot for every member, present or not, so the add
// wins over a concurrent SREM that could only remove the dots it saw (A4).
// The reply counts the members this replica did not see.
func cmdSAdd(c *call) Reply {
	name := string(c.args[1])
	if _, wrong := c.lookupType(name, TypeSet); wrong {
		return errWrongType
	}
	var added int64
	for _, m := range c.args[2:] {
		if !isMember(c.lookup(name), string(m)) {
			added++
		}
		c.sadd(name, string(m))
	}
	return integer(added)
}

// cmdSRem removes the dots of each member this replica sees; removing the
// last member deletes the key.
func cmdSRem(c *call) Reply {
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	var n int64
	for _, m := range c.args[2:] {
		if isMember(c.lookup(name), string(m)) {
			c.srem(name, string(m))
			n++
		}
	}
	return integer(n)
}

func cmdSMembers(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeSet)
	if wrong {
		return errWrongType
	}
	return setReply(bulkStrs(setMembers(k)))
}

func cmdSIsMember(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeSet)
	if wrong {
		return errWrongType
	}
	return boolInt(isMember(k, string(c.args[2])))
}

func cmdSMIsMember(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeSet)
	if wrong {
		return errWrongType
	}
	out := make([]Reply, 0, len(c.args)-2)
	for _, m := range c.args[2:] {
		out = append(out, boolInt(isMember(k, string(m))))
	}
	return array(out)
}

func cmdSCard(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	return integer(int64(len(k.Set)))
}

// cmdSPop removes members chosen among those this replica sees and
// replicates their removal (B7). Two replicas popping concurrently may
// return the same member (at-least-once); after sync it is gone from both,
// unless a concurrent SADD of it elsewhere wins.
func cmdSPop(c *call) Reply {
	switch {
	case len(c.args) > 3:
		return errSyntax
	case len(c.args) == 3:
		return c.spopCount()
	}
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return null
	}
	members := setMembers(k)
	m := members[c.randIndex(len(members))]
	c.srem(name, m)
	return bulkStr(m)
}

func (c *call) spopCount() Reply {
	n, ok := crdt.ParseInt(c.args[2])
	if !ok || n < 0 {
		return errNotPositive
	}
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeSet)
	if wrong {
		return errWrongType
	}
	if k == nil || n == 0 {
		return setReply(nil)
	}
	picked := c.randomDistinct(setMembers(k), n)
	for _, m := range picked {
		c.srem(name, m)
	}
	return setReply(bulkStrs(picked))
}

// cmdSRandMember draws from the members this replica sees. Redis answers
// an array even for a positive count (only SPOP answers a set).
func cmdSRandMember(c *call) Reply {
	if len(c.args) > 3 {
		return errSyntax
	}
	name := string(c.args[1])
	if len(c.args) == 2 {
		k, wrong := c.lookupType(name, TypeSet)
		if wrong {
			return errWrongType
		}
		if k == nil {
			return null
		}
		members := setMembers(k)
		return bulkStr(members[c.randIndex(len(members))])
	}
	n, errR, ok := parseRandCount(c.args[2])
	if !ok {
		return errR
	}
	k, wrong := c.lookupType(name, TypeSet)
	if wrong {
		return errWrongType
	}
	if k == nil || n == 0 {
		return emptyArr
	}
	picked, errR, ok := c.randomPick(setMembers(k), n)
	if !ok {
		return errR
	}
	return array(bulkStrs(picked))
}

// cmdSMove is SREM from the source and SADD to the destination, applied
// together in one delta (B7). The SADD mints a new dot even when the
// destination already holds the member, as SADD does.
func cmdSMove(c *call) Reply {
	src, dst, m := string(c.args[1]), string(c.args[2]), string(c.args[3])
	if c.lookup(src) == nil {
		return zero
	}
	sk, wrong := c.lookupType(src, TypeSet)
	if wrong {
		return errWrongType
	}
	if _, wrong := c.lookupType(dst, TypeSet); wrong {
		return errWrongType
	}
	has := isMember(sk, m)
	if src == dst || !has {
		return boolInt(has)
	}
	c.srem(src, m)
	c.sadd(dst, m)
	return one
}

// setOp is the algebra of SUNION, SINTER and SDIFF.
type setOp int

const (
	opUnion setOp = iota
	opInter
	opDiff
)

func cmdSUnion(c *call) Reply { return c.setAlgebra(opUnion) }
func cmdSInter(c *call) Reply { return c.setAlgebra(opInter) }
func cmdSDiff(c *call) Reply  { return c.setAlgebra(opDiff) }

func cmdSUnionStore(c *call) Reply { return c.setStore(opUnion) }
func cmdSInterStore(c *call) Reply { return c.setStore(opInter) }
func cmdSDiffStore(c *call) Reply  { return c.setStore(opDiff) }

func (c *call) setAlgebra(op setOp) Reply {
	ks, wrong := c.setsOf(c.args[1:])
	if wrong {
		return errWrongType
	}
	return setReply(bulkStrs(setCombine(op, ks)))
}

// setStore replaces the destination with the result (RENAME/COPY rule of
// B7): it removes what this replica saw of the destination, of any type,
// then adds each member as a new write, so a concurrent SADD to the
// destination elsewhere survives. The result is computed first, since the
// destination may be one of the sources; an empty result only deletes.
func (c *call) setStore(op setOp) Reply {
	ks, wrong := c.setsOf(c.args[2:])
	if wrong {
		return errWrongType
	}
	result := setCombine(op, ks)
	dst := string(c.args[1])
	c.del(dst)
	for _, m := range result {
		c.sadd(dst, m)
	}
	return integer(int64(len(result)))
}

// setsOf looks up every named key as a set, nil for a missing one. Like
// Redis it checks the type of every key before computing anything.
func (c *call) setsOf(names [][]byte) (ks []*Key, wrong bool) {
	ks = make([]*Key, len(names))
	for i, n := range names {
		if ks[i], wrong = c.lookupType(string(n), TypeSet); wrong {
			return nil, true
		}
	}
	return ks, false
}

// setCombine computes op over sets ks (nil: empty), in byte order.
func setCombine(op setOp, ks []*Key) []string {
	switch op {
	case opUnion:
		seen := map[string]bool{}
		for _, k := range ks {
			if k != nil {
				for m := range k.Set {
					seen[m] = true
				}
			}
		}
		return sortedKeys(seen)
	case opInter:
		return setInter(ks, 0)
	}
	var out []string
	for _, m := range setMembers(ks[0]) {
		if !slices.ContainsFunc(ks[1:], func(k *Key) bool { return isMember(k, m) }) {
			out = append(out, m)
		}
	}
	return out
}

// setInter returns the intersection of ks in byte order, stopping after
// limit members when limit is positive (SINTERCARD LIMIT).
func setInter(ks []*Key, limit int64) []string {
	if slices.Contains(ks, nil) {
		return nil
	}
	small := slices.MinFunc(ks, func(a, b *Key) int { return len(a.Set) - len(b.Set) })
	var out []string
	for _, m := range setMembers(small) {
		if !slices.ContainsFunc(ks, func(k *Key) bool { return !isMember(k, m) }) {
			out = append(out, m)
			if int64(len(out)) == limit {
				break
			}
		}
	}
	return out
}

// cmdSInterCard checks its arguments in Redis's order: numkeys, the count
// against the arguments, the options, then the keys' types.
func cmdSInterCard(c *call) Reply {
	numkeys, ok := crdt.ParseInt(c.args[1])
	if !ok || numkeys < 1 {
		return errNumkeys
	}
	if numkeys > int64(len(c.args)-2) {
		return errNumkeysArgs
	}
	var limit int64
	for j := 2 + int(numkeys); j < len(c.args); j++ {
		if !isOpt(c.args[j], "limit") || j+1 == len(c.args) {
			return errSyntax
		}
		j++
		if limit, ok = crdt.ParseInt(c.args[j]); !ok || limit < 0 {
			return errLimitNegative
		}
	}
	ks, wrong := c.setsOf(c.args[2 : 2+numkeys])
	if wrong {
		return errWrongType
	}
	return integer(int64(len(setInter(ks, limit))))
}

// parseRandCount parses the count of SRANDMEMBER and HRANDFIELD (Redis:
// a long in -LONG_MAX..LONG_MAX).
func parseRandCount(b []byte) (int64, Reply, bool) {
	n, ok := crdt.ParseInt(b)
	if !ok {
		return 0, errNotInt, false
	}
	if n == math.MinInt64 {
		return 0, errLongRange, false
	}
	return n, Reply{}, true
}

// randIndex draws an index below n from the replica's random source.
func (c *call) randIndex(n int) int {
	return int(c.r.cfg.Rand.Uint64() % uint64(n))
}

// randomPick draws n distinct items, or all of them when n is at least
// their number; a negative n draws -n items that may repeat.
func (c *call) randomPick(items []string, n int64) ([]string, Reply, bool) {
	if n >= 0 {
		return c.randomDistinct(items, n), Reply{}, true
	}
	if n < -maxRandomReply {
		return nil, errOutOfRange, false
	}
	out := make([]string, -n)
	for i := range out {
		out[i] = items[c.randIndex(len(items))]
	}
	return out, Reply{}, true
}

// randomDistinct draws min(n, len(items)) distinct items: a partial
// Fisher-Yates shuffle of the sorted items, so the choice depends only on
// the random source.
func (c *call) randomDistinct(items []string, n int64) []string {
	if n >= int64(len(items)) {
		return items
	}
	pool := slices.Clone(items)
	for i := range int(n) {
		j := i + c.randIndex(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	return pool[:n]
}
