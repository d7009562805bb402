package engine

import (
	"math"
	"strings"

	"lattice/shared/crdt"
)

// stringCommands: strings and counters (SEMANTICS.md A2, A3, B2, B3, B11).
var stringCommands = []command{
	{name: "get", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdGet},
	{name: "set", arity: -3, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdSet},
	{name: "incr", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdIncr},
	{name: "decr", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdDecr},
	{name: "incrby", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdIncrBy},
	{name: "decrby", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdDecrBy},
	{name: "incrbyfloat", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdIncrByFloat},
}

// getString returns the visible value of a string key; wrong is true for a
// key of another type.
func (c *call) getString(name string) (val []byte, found, wrong bool) {
	k, wrong := c.lookupType(name, TypeString)
	if k == nil {
		return nil, false, wrong
	}
	val, found = k.Str.Get()
	return val, found, false
}

func cmdGet(c *call) Reply {
	val, found, wrong := c.getString(string(c.args[1]))
	switch {
	case wrong:
		return errWrongType
	case !found:
		return null
	}
	return bulk(val)
}

// setFlags are SET's and GETEX's options (t_string.c
// parseExtendedStringArgumentsOrReply).
type setFlags struct {
	nx, xx, get, keepTTL, persist bool
	unit                          string // "ex", "px", "exat", "pxat" or ""
	expire                        []byte
}

// parseSetFlags parses options from args[from:] as Redis does for SET
// (isGetEx false) or GETEX (isGetEx true): a repeated option overrides, a
// conflicting one is a syntax error.
func parseSetFlags(args [][]byte, from int, isGetEx bool) (setFlags, Reply, bool) {
	var f setFlags
	for j := from; j < len(args); j++ {
		opt := strings.ToLower(string(args[j]))
		hasNext := j+1 < len(args)
		expiring := f.unit != ""
		switch {
		case opt == "nx" && !f.xx && !isGetEx:
			f.nx = true
		case opt == "xx" && !f.nx && !isGetEx:
			f.xx = true
		case opt == "get" && !isGetEx:
			f.get = true
		case opt == "keepttl" && !f.persist && !expiring && !isGetEx:
			f.keepTTL = true
		case opt == "persist" && isGetEx && !expiring && !f.keepTTL:
			f.persist = true
		case (opt == "ex" || opt == "px" || opt == "exat" || opt == "pxat") &&
			!f.keepTTL && !f.persist && (f.unit == "" || f.unit == opt) && hasNext:
			f.unit = opt
			f.expire = args[j+1]
			j++
		default:
			return f, errSyntax, false
		}
	}
	return f, Reply{}, true
}

// expireAt converts SET/GETEX expiry options to an absolute Unix ms time
// (t_string.c getExpireMillisecondsOrReply).
func (c *call) expireAt(f setFlags, cmd string) (int64, Reply, bool) {
	n, ok := crdt.ParseInt(f.expire)
	if !ok {
		return 0, errNotInt, false
	}
	seconds := f.unit == "ex" || f.unit == "exat"
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		return 0, errInvalidExpire(cmd), false
	}
	if seconds {
		n *= 1000
	}
	if f.unit == "ex" || f.unit == "px" {
		if n > math.MaxInt64-c.ms {
			return 0, errInvalidExpire(cmd), false
		}
		n += c.ms
	}
	return n, Reply{}, true
}

func cmdSet(c *call) Reply {
	f, errR, ok := parseSetFlags(c.args, 3, false)
	if !ok {
		return errR
	}
	return c.setGeneric(string(c.args[1]), c.args[2], f, "set")
}

// setGeneric is SET with parsed options; SETNX, SETEX and PSETEX use it too.
func (c *call) setGeneric(name string, val []byte, f setFlags, cmd string) Reply {
	var at int64
	if f.unit != "" {
		var errR Reply
		var ok bool
		if at, errR, ok = c.expireAt(f, cmd); !ok {
			return errR
		}
	}
	var old Reply = null
	if f.get {
		v, found, wrong := c.getString(name)
		if wrong {
			return errWrongType
		}
		if found {
			old = bulk(v)
		}
	}
	exists := c.lookup(name) != nil
	if f.nx && exists || f.xx && !exists {
		if f.get {
			return old
		}
		return null
	}
	c.setString(name, val, f.keepTTL)
	if at != 0 {
		c.setTTL(name, at)
	}
	if f.get {
		return old
	}
	return ok
}

func cmdIncr(c *call) Reply { return c.incrBy(string(c.args[1]), 1) }
func cmdDecr(c *call) Reply { return c.incrBy(string(c.args[1]), -1) }

func cmdIncrBy(c *call) Reply {
	n, ok := crdt.ParseInt(c.args[2])
	if !ok {
		return errNotInt
	}
	return c.incrBy(string(c.args[1]), n)
}

func cmdDecrBy(c *call) Reply {
	n, ok := crdt.ParseInt(c.args[2])
	if !ok {
		return errNotInt
	}
	if n == math.MinInt64 {
		return errDecrOverflow
	}
	return c.incrBy(string(c.args[1]), -n)
}

// incrBy is INCRBY on the visible value (t_string.c incrDecrCommand). A
// merged value beyond int64 answers the overflow error (B11).
func (c *call) incrBy(name string, n int64) Reply {
	val, found, wrong := c.getString(name)
	if wrong {
		return errWrongType
	}
	var cur int64
	if found {
		var ok bool
		if cur, ok = crdt.ParseInt(val); !ok {
			if isBigInt(val) {
				return errOverflow
			}
			return errNotInt
		}
	}
	if n < 0 && cur < 0 && n < math.MinInt64-cur || n > 0 && cur > 0 && n > math.MaxInt64-cur {
		return errOverflow
	}
	c.incrString(name, n, crdt.Decimal{})
	return integer(cur + n)
}

// isBigInt reports whether b is an integer too large for int64, as merged
// counters can be.
func isBigInt(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) < 19 || b[0] == '0' {
		return false
	}
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return true
}

// cmdIncrByFloat computes the new value in long-double arithmetic exactly as
// Redis does, then records the exact decimal difference as this replica's
// float contribution, so concurrent increments add up (A3) while a lone
// replica prints Redis's digits.
func cmdIncrByFloat(c *call) Reply {
	name := string(c.args[1])
	val, found, wrong := c.getString(name)
	if wrong {
		return errWrongType
	}
	cur := crdt.LongDouble(nil)
	if found {
		var ok bool
		if cur, ok = crdt.ParseLongDouble(val); !ok {
			return errNotFloat
		}
	} else {
		cur, _ = crdt.ParseLongDouble([]byte("0"))
	}
	incr, ok := crdt.ParseLongDouble(c.args[2])
	if !ok {
		return errNotFloat
	}
	sum, ok := crdt.AddLongDouble(cur, incr)
	if !ok {
		return errNaNInf
	}
	text := crdt.FormatLongDouble(sum)
	next, _ := crdt.ParseDecimal(text)
	prev := crdt.Decimal{}
	if found {
		prev, _ = c.r.keys[name].Str.Numeric()
	}
	c.incrString(name, 0, next.Sub(prev))
	return bulkStr(text)
}
