package engine

import (
	"bytes"
	"math"

	"lattice/shared/crdt"
)

// keyCommands: the generic keyspace commands and expiry (A8, A10, B5, B7, B8).
var keyCommands = []command{
	{name: "del", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, run: cmdDel},
	{name: "unlink", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: -1, step: 1, run: cmdDel},
	{name: "exists", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: -1, step: 1, run: cmdExists},
	{name: "touch", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: -1, step: 1, run: cmdExists},
	{name: "type", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdType},
	{name: "keys", arity: 2, flags: flagReadonly, run: cmdKeys},
	{name: "dbsize", arity: 1, flags: flagReadonly | flagFast, run: cmdDBSize},
	{name: "randomkey", arity: 1, flags: flagReadonly | flagRandom, run: cmdRandomKey},
	{name: "flushall", arity: -1, flags: flagWrite, run: cmdFlush},
	{name: "flushdb", arity: -1, flags: flagWrite, run: cmdFlush},
	{name: "rename", arity: 3, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, run: cmdRename},
	{name: "renamenx", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 2, step: 1, run: cmdRenameNX},
	{name: "copy", arity: -3, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, run: cmdCopy},
	{name: "expire", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdExpire},
	{name: "pexpire", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdPExpire},
	{name: "expireat", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdExpireAt},
	{name: "pexpireat", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdPExpireAt},
	{name: "ttl", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdTTL},
	{name: "pttl", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdPTTL},
	{name: "expiretime", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdExpireTime},
	{name: "pexpiretime", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdPExpireTime},
	{name: "persist", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdPersist},
}

// cstr cuts b at its first NUL: Redis compares option words with
// strcasecmp and formats them with %s, both of which stop there.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// isOpt reports whether argument b is the option word opt, compared as
// Redis's strcasecmp does.
func isOpt(b []byte, opt string) bool { return equalFoldASCII(cstr(b), opt) }

// cmdDel is DEL and UNLINK: an observed remove of each live key (A8, B3).
// A logically expired key counts as missing and is left to its expiry
// owner, which replicates the delete (A10).
func cmdDel(c *call) Reply {
	var n int64
	for _, a := range c.args[1:] {
		name := string(a)
		if c.lookup(name) != nil {
			c.del(name)
			n++
		}
	}
	return integer(n)
}

// cmdExists is EXISTS and TOUCH: the number of arguments naming a live
// key, repeats counted (we keep no access times, so TOUCH only counts).
func cmdExists(c *call) Reply {
	var n int64
	for _, a := range c.args[1:] {
		if c.lookup(string(a)) != nil {
			n++
		}
	}
	return integer(n)
}

func cmdType(c *call) Reply {
	k := c.lookup(string(c.args[1]))
	if k == nil {
		return simple(TypeNone.Name())
	}
	return simple(k.Type().Name())
}

// cmdKeys lists the live keys matching the pattern, in scan order (not
// Redis's hash-table order). A lone "*" matches every key, the empty name
// included, before any matching, as in Redis.
func cmdKeys(c *call) Reply {
	pat := c.args[1]
	all := len(pat) == 1 && pat[0] == '*'
	var out []Reply
	for _, name := range c.r.scanOrder() {
		if c.lookup(name) == nil {
			continue
		}
		if all || globMatch(pat, []byte(name), false) {
			out = append(out, bulkStr(name))
		}
	}
	return array(out)
}

// cmdDBSize counts keys that exist, including logically expired ones not
// yet deleted, as Redis counts them until they are expired.
func cmdDBSize(c *call) Reply { return integer(int64(c.r.live)) }

// randomKeyTries is how many uniform draws RANDOMKEY makes over all stored
// names (tombstones and expired keys included) before it falls back to
// listing the live ones; either way the choice is uniform over live keys.
const randomKeyTries = 16

// cmdRandomKey picks a live key with the replica's random source, so a
// replayed history picks the same key.
func cmdRandomKey(c *call) Reply {
	order := c.r.scanOrder()
	if len(order) == 0 {
		return null
	}
	for range randomKeyTries {
		name := order[c.r.cfg.Rand.Uint64()%uint64(len(order))]
		if c.lookup(name) != nil {
			return bulkStr(name)
		}
	}
	var live []string
	for _, name := range order {
		if c.lookup(name) != nil {
			live = append(live, name)
		}
	}
	if len(live) == 0 {
		return null
	}
	return bulkStr(live[c.r.cfg.Rand.Uint64()%uint64(len(live))])
}

// cmdFlush is FLUSHALL and FLUSHDB (there is one database): an observed
// remove of every key the replica holds, logically expired ones included,
// in name order so the delta is the same on every run (B8). ASYNC and SYNC
// are accepted and mean the same.
func cmdFlush(c *call) Reply {
	switch {
	case len(c.args) == 2 && (isOpt(c.args[1], "sync") || isOpt(c.args[1], "async")):
	case len(c.args) != 1:
		return errSyntax
	}
	for _, name := range sortedKeys(c.r.keys) {
		if k := c.r.keys[name]; k != nil && k.Type() != TypeNone {
			c.del(name)
		}
	}
	return ok
}

func cmdRename(c *call) Reply   { return c.rename(false) }
func cmdRenameNX(c *call) Reply { return c.rename(true) }

// rename is RENAME and RENAMENX (db.c renameGenericCommand): the source's
// visible contents and TTL are written to the destination as new writes,
// then the source is deleted (B7). Writes to the source that this replica
// has not seen stay at the source.
func (c *call) rename(nx bool) Reply {
	src, dst := string(c.args[1]), string(c.args[2])
	k := c.lookup(src)
	if k == nil {
		return errNoSuchKey
	}
	if src == dst {
		if nx {
			return zero
		}
		return ok
	}
	if nx && c.lookup(dst) != nil {
		return zero
	}
	c.writeCopy(k, dst)
	c.del(src)
	if nx {
		return one
	}
	return ok
}

// cmdCopy is COPY (db.c copyCommand). Only database 0 exists, so DB
// answers as a server started with "databases 1" does.
func cmdCopy(c *call) Reply {
	replace := false
	for j := 3; j < len(c.args); j++ {
		switch {
		case isOpt(c.args[j], "replace"):
			replace = true
		case isOpt(c.args[j], "db") && j+1 < len(c.args):
			db, errR, ok := parseInt32(c.args[j+1])
			if !ok {
				return errR
			}
			if db != 0 {
				return errDBIndex
			}
			j++
		default:
			return errSyntax
		}
	}
	src, dst := string(c.args[1]), string(c.args[2])
	if src == dst {
		return errSameObject
	}
	k := c.lookup(src)
	if k == nil {
		return zero
	}
	if !replace && c.lookup(dst) != nil {
		return zero
	}
	c.writeCopy(k, dst)
	return one
}

// parseInt32 is getIntFromObjectOrReply: the value, or the error reply
// Redis gives.
func parseInt32(b []byte) (int64, Reply, bool) {
	n, ok := crdt.ParseInt(b)
	if !ok {
		return 0, errNotInt, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, errIntRange, false
	}
	return n, Reply{}, true
}

// writeCopy overwrites dst with the visible contents and TTL of k, as new
// writes of this replica (B7): strings by their visible value, hashes field
// by field, sets member by member, in sorted order so the dots minted are
// the same on every run.
func (c *call) writeCopy(k *Key, dst string) {
	if c.r.keys[dst] != nil {
		c.del(dst)
	}
	switch k.Type() {
	case TypeString:
		val, _ := k.Str.Get()
		c.setString(dst, val, false)
	case TypeHash:
		for _, f := range sortedKeys(k.Hash) {
			if val, ok := k.Hash[f].Get(); ok {
				c.hset(dst, f, val)
			}
		}
	case TypeSet:
		for _, m := range sortedKeys(k.Set) {
			c.sadd(dst, m)
		}
	case TypeZSet:
		for _, e := range k.zidx.RangeByRank(nil, 0, -1, false) {
			c.zadd(dst, e.Member, e.Score)
		}
	case TypeList:
		for _, val := range k.List.seq.Range(0, k.List.seq.Len()) {
			c.push(dst, true, val)
		}
	case TypeHLL:
		c.pfwrite(dst, *k.HLL.Visible().Clone())
	}
	if at, _, ok := k.Expiry(); ok {
		c.setTTL(dst, at)
	}
}

func cmdExpire(c *call) Reply    { return c.expire(c.ms, true, "expire") }
func cmdPExpire(c *call) Reply   { return c.expire(c.ms, false, "pexpire") }
func cmdExpireAt(c *call) Reply  { return c.expire(0, true, "expireat") }
func cmdPExpireAt(c *call) Reply { return c.expire(0, false, "pexpireat") }

// Expire options (expire.c parseExtendedExpireArgumentsOrReply).
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

// parseExpireFlags parses NX, XX, GT and LT from args[3:]. An unknown word
// is reported before any incompatible combination.
func parseExpireFlags(args [][]byte) (int, Reply, bool) {
	flags := 0
	for _, a := range args[3:] {
		switch {
		case isOpt(a, "nx"):
			flags |= expireNX
		case isOpt(a, "xx"):
			flags |= expireXX
		case isOpt(a, "gt"):
			flags |= expireGT
		case isOpt(a, "lt"):
			flags |= expireLT
		default:
			return 0, errUnsupportedOption(a), false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		return 0, errNXXX, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		return 0, errGTLT, false
	}
	return flags, Reply{}, true
}

// expire is EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT (expire.c
// expireGenericCommand). base is added to the argument (now for the
// relative forms, 0 for the absolute ones). A time at or before now
// deletes the key and answers 1; otherwise the expiry is written as a TTL
// mark (A10, B5).
func (c *call) expire(base int64, seconds bool, cmd string) Reply {
	flags, errR, ok := parseExpireFlags(c.args)
	if !ok {
		return errR
	}
	when, ok := crdt.ParseInt(c.args[2])
	if !ok {
		return errNotInt
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			return errInvalidExpire(cmd)
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		return errInvalidExpire(cmd)
	}
	when += base
	name := string(c.args[1])
	k := c.lookup(name)
	if k == nil {
		return zero
	}
	if !expireAllowed(k, flags, when) {
		return zero
	}
	if when <= c.ms {
		c.del(name)
		return one
	}
	c.setTTL(name, when)
	return one
}

// expireAllowed applies NX, XX, GT and LT to the key's current expiry; no
// expiry counts as an infinite TTL, so GT always fails on it and LT always
// passes.
func expireAllowed(k *Key, flags int, when int64) bool {
	cur, _, has := k.Expiry()
	switch {
	case flags&expireNX != 0 && has,
		flags&expireXX != 0 && !has,
		flags&expireGT != 0 && (!has || when <= cur),
		flags&expireLT != 0 && has && when >= cur:
		return false
	}
	return true
}

func cmdTTL(c *call) Reply         { return c.ttl(false, false) }
func cmdPTTL(c *call) Reply        { return c.ttl(true, false) }
func cmdExpireTime(c *call) Reply  { return c.ttl(false, true) }
func cmdPExpireTime(c *call) Reply { return c.ttl(true, true) }

// ttl is TTL, PTTL, EXPIRETIME and PEXPIRETIME (expire.c ttlGenericCommand):
// -2 for a missing key, -1 without expiry, else the remaining time (or the
// absolute time), never negative, seconds rounded to nearest as Redis's
// (ttl+500)/1000 does.
func (c *call) ttl(ms, abs bool) Reply {
	k := c.lookup(string(c.args[1]))
	if k == nil {
		return integer(-2)
	}
	at, _, has := k.Expiry()
	if !has {
		return integer(-1)
	}
	t := at
	if !abs {
		t -= c.ms
	}
	t = max(t, 0)
	if ms {
		return integer(t)
	}
	// (t+500)/1000 without overflowing near MaxInt64.
	secs := t / 1000
	if t%1000 >= 500 {
		secs++
	}
	return integer(secs)
}

// cmdPersist answers as Redis does (1 only if the key had an expiry) but
// always writes a PERSIST mark on an existing key: PERSIST beats any
// concurrent EXPIRE (A10), including one this replica has not seen yet
// (reference §17 scenario 11).
func cmdPersist(c *call) Reply {
	name := string(c.args[1])
	k := c.lookup(name)
	if k == nil {
		return zero
	}
	_, _, had := k.Expiry()
	c.setTTL(name, 0)
	return boolInt(had)
}
