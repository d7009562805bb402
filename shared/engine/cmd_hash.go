package engine

import (
	"math"

	"lattice/shared/crdt"
)

// hashCommands: hashes (SEMANTICS.md A5). The field set is add-wins
// observed-remove; a field's value is a crdt.Value, an LWW string that
// HINCRBY and HINCRBYFLOAT turn into a counter. Replies list fields in
// byte order, not in Redis's insertion or hash-table order: the order must
// be the same on every replica, whatever order the writes arrived in.
var hashCommands = []command{
	{name: "hset", arity: -4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHSet},
	{name: "hsetnx", arity: 4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHSetNX},
	{name: "hmset", arity: -4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHMSet},
	{name: "hget", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHGet},
	{name: "hmget", arity: -3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHMGet},
	{name: "hdel", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHDel},
	{name: "hexists", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHExists},
	{name: "hlen", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHLen},
	{name: "hkeys", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdHKeys},
	{name: "hvals", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdHVals},
	{name: "hgetall", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdHGetAll},
	{name: "hincrby", arity: 4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHIncrBy},
	{name: "hincrbyfloat", arity: 4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHIncrByFloat},
	{name: "hstrlen", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdHStrLen},
	{name: "hrandfield", arity: -2, flags: flagReadonly | flagRandom, firstKey: 1, lastKey: 1, step: 1, run: cmdHRandField},
}

// hashValue returns the visible value of field in hash k; a nil k is an
// empty hash.
func hashValue(k *Key, field string) ([]byte, bool) {
	if k == nil {
		return nil, false
	}
	v := k.Hash[field]
	if v == nil {
		return nil, false
	}
	return v.Get()
}

// hashFields returns the present fields of k in byte order (reset-only
// tombstones left out).
func hashFields(k *Key) []string {
	if k == nil {
		return nil
	}
	out := make([]string, 0, len(k.Hash))
	for _, f := range sortedKeys(k.Hash) {
		if !k.Hash[f].Empty() {
			out = append(out, f)
		}
	}
	return out
}

// hashHas reports whether hash name has field now: commands that write
// several fields ask again before each one, so a field repeated in one
// command counts once, as in Redis.
func (c *call) hashHas(name, field string) bool {
	_, found := hashValue(c.lookup(name), field)
	return found
}

func cmdHSet(c *call) Reply {
	n, errR, ok := c.hsetPairs("hset")
	if !ok {
		return errR
	}
	return integer(n)
}

func cmdHMSet(c *call) Reply {
	if _, errR, valid := c.hsetPairs("hmset"); !valid {
		return errR
	}
	return ok
}

// hsetPairs assigns the field/value pairs of HSET and HMSET in order, so
// the last of duplicate fields wins, and counts the fields it created.
// Each assignment is a new write that replaces the values it observed
// (A5); a concurrent HSET of the same field is settled LWW.
func (c *call) hsetPairs(cmd string) (int64, Reply, bool) {
	if len(c.args)%2 != 0 {
		return 0, errArity(cmd), false
	}
	name := string(c.args[1])
	if _, wrong := c.lookupType(name, TypeHash); wrong {
		return 0, errWrongType, false
	}
	var created int64
	for i := 2; i < len(c.args); i += 2 {
		field := string(c.args[i])
		if !c.hashHas(name, field) {
			created++
		}
		c.hset(name, field, c.args[i+1])
	}
	return created, Reply{}, true
}

// cmdHSetNX writes only when this replica sees no such field; two replicas
// may both succeed, and LWW then picks one value (B7).
func cmdHSetNX(c *call) Reply {
	name, field := string(c.args[1]), string(c.args[2])
	k, wrong := c.lookupType(name, TypeHash)
	if wrong {
		return errWrongType
	}
	if _, found := hashValue(k, field); found {
		return zero
	}
	c.hset(name, field, c.args[3])
	return one
}

func cmdHGet(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeHash)
	if wrong {
		return errWrongType
	}
	val, found := hashValue(k, string(c.args[2]))
	if !found {
		return null
	}
	return bulk(val)
}

func cmdHMGet(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeHash)
	if wrong {
		return errWrongType
	}
	out := make([]Reply, 0, len(c.args)-2)
	for _, f := range c.args[2:] {
		if val, found := hashValue(k, string(f)); found {
			out = append(out, bulk(val))
		} else {
			out = append(out, null)
		}
	}
	return array(out)
}

// cmdHDel removes the fields this replica sees, with all the writes and
// increments it observed; a concurrent HSET or HINCRBY of the field
// survives (A5). Removing the last field deletes the key.
func cmdHDel(c *call) Reply {
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeHash)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	var n int64
	for _, f := range c.args[2:] {
		if c.hashHas(name, string(f)) {
			c.hdel(name, string(f))
			n++
		}
	}
	return integer(n)
}

func cmdHExists(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeHash)
	if wrong {
		return errWrongType
	}
	_, found := hashValue(k, string(c.args[2]))
	return boolInt(found)
}

func cmdHLen(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeHash)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	return integer(int64(k.hashLive))
}

func cmdHStrLen(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeHash)
	if wrong {
		return errWrongType
	}
	val, _ := hashValue(k, string(c.args[2]))
	return integer(int64(len(val)))
}

func cmdHKeys(c *call) Reply { return c.hashAll(true, false, KindArray) }
func cmdHVals(c *call) Reply { return c.hashAll(false, true, KindArray) }

// cmdHGetAll answers a map, so RESP3 clients get "%n" as from Redis.
func cmdHGetAll(c *call) Reply { return c.hashAll(true, true, KindMap) }

// hashAll lists the fields and/or values of a hash in field order.
func (c *call) hashAll(fields, values bool, kind Kind) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeHash)
	if wrong {
		return errWrongType
	}
	names := hashFields(k)
	out := make([]Reply, 0, 2*len(names))
	for _, f := range names {
		if fields {
			out = append(out, bulkStr(f))
		}
		if values {
			val, _ := hashValue(k, f)
			out = append(out, bulk(val))
		}
	}
	return Reply{Kind: kind, Elems: out}
}

// cmdHIncrBy adds to a field's counter (A5: concurrent increments add up).
// A field whose merged total left int64 answers the overflow error (B11).
func cmdHIncrBy(c *call) Reply {
	n, ok := crdt.ParseInt(c.args[3])
	if !ok {
		return errNotInt
	}
	name, field := string(c.args[1]), string(c.args[2])
	k, wrong := c.lookupType(name, TypeHash)
	if wrong {
		return errWrongType
	}
	var cur int64
	if val, found := hashValue(k, field); found {
		if cur, ok = crdt.ParseInt(val); !ok {
			if intOverflow(k.Hash[field], val) {
				return errOverflow
			}
			return errHashNotInt
		}
	}
	if n < 0 && cur < 0 && n < math.MinInt64-cur || n > 0 && cur > 0 && n > math.MaxInt64-cur {
		return errOverflow
	}
	c.hincr(name, field, n, crdt.Decimal{})
	return integer(cur + n)
}

// intOverflow reports whether visible value val of v is an integer beyond
// int64 reached only by integer increments, which merged concurrent
// HINCRBYs can do (B11: that answers the overflow error). A big value that
// an assignment or HINCRBYFLOAT produced is, as in Redis, not an integer.
func intOverflow(v *crdt.Value, val []byte) bool {
	if len(v.Counts) == 0 || !isBigInt(val) {
		return false
	}
	if base := v.Base(); base != nil {
		if _, ok := crdt.ParseInt(base.Val); !ok {
			return false
		}
	}
	for i := range v.Counts {
		if v.Counts[i].Float != "" {
			return false
		}
	}
	return true
}

// cmdHIncrByFloat computes the new value in long-double arithmetic exactly
// as Redis does, then records the exact decimal difference from the
// visible value as this replica's contribution, as INCRBYFLOAT does: a
// lone replica prints Redis's digits, concurrent increments add up.
func cmdHIncrByFloat(c *call) Reply {
	incr, ok := crdt.ParseLongDouble(c.args[3])
	if !ok {
		return errNotFloat
	}
	if incr.IsInf() {
		return errValueNaNInf
	}
	name, field := string(c.args[1]), string(c.args[2])
	k, wrong := c.lookupType(name, TypeHash)
	if wrong {
		return errWrongType
	}
	var v *crdt.Value
	if k != nil {
		v = k.Hash[field]
	}
	text, delta, errR, ok := floatIncrement(v, incr, errHashNotFloat)
	if !ok {
		return errR
	}
	c.hincr(name, field, 0, delta)
	return bulkStr(text)
}

// cmdHRandField draws from the fields this replica sees, with the
// replica's random source (never map order), so a run is reproducible.
// WITHVALUES pairs are flat in RESP2 and two-element arrays in RESP3.
func cmdHRandField(c *call) Reply {
	name := string(c.args[1])
	if len(c.args) == 2 {
		k, wrong := c.lookupType(name, TypeHash)
		if wrong {
			return errWrongType
		}
		if k == nil {
			return null
		}
		fields := hashFields(k)
		return bulkStr(fields[c.randIndex(len(fields))])
	}
	n, errR, ok := parseRandCount(c.args[2])
	if !ok {
		return errR
	}
	if len(c.args) > 4 || len(c.args) == 4 && !isOpt(c.args[3], "withvalues") {
		return errSyntax
	}
	withValues := len(c.args) == 4
	if withValues && (n < -math.MaxInt64/2 || n > math.MaxInt64/2) {
		return errOutOfRange
	}
	k, wrong := c.lookupType(name, TypeHash)
	if wrong {
		return errWrongType
	}
	if k == nil || n == 0 {
		return emptyArr
	}
	picked, errR, ok := c.randomPick(hashFields(k), n)
	if !ok {
		return errR
	}
	out := make([]Reply, 0, 2*len(picked))
	for _, f := range picked {
		out = append(out, bulkStr(f))
		if withValues {
			val, _ := hashValue(k, f)
			out = append(out, bulk(val))
		}
	}
	if withValues {
		return pairs(out)
	}
	return array(out)
}
