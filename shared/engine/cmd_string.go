package engine

import (
	"bytes"
	"math"

	"lattice/shared/crdt"
)

// stringCommands: strings and counters (SEMANTICS.md A2, A3, B2, B3, B5,
// B7, B11). Arity, flags and key positions are those of redis-server 7.0's
// COMMAND INFO.
var stringCommands = []command{
	{name: "get", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdGet},
	{name: "set", arity: -3, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdSet},
	{name: "setnx", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdSetNX},
	{name: "setex", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdSetEX},
	{name: "psetex", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdPSetEX},
	{name: "mget", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: -1, step: 1, run: cmdMGet},
	{name: "mset", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -1, step: 2, run: cmdMSet},
	{name: "msetnx", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -1, step: 2, run: cmdMSetNX},
	{name: "getset", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdGetSet},
	{name: "getdel", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdGetDel},
	{name: "getex", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdGetEx},
	{name: "append", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdAppend},
	{name: "strlen", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdStrlen},
	{name: "getrange", arity: 4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdGetRange},
	{name: "setrange", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdSetRange},
	{name: "incr", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdIncr},
	{name: "decr", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdDecr},
	{name: "incrby", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdIncrBy},
	{name: "decrby", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdDecrBy},
	{name: "incrbyfloat", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdIncrByFloat},
}

// maxStringLen is redis-server's default proto-max-bulk-len (512 MiB), the
// largest string APPEND and SETRANGE may build.
const maxStringLen = 512 << 20

// stringLenOK reports whether a string of size+add bytes is allowed, as
// t_string.c checkStringLength does, treating int64 overflow as too long.
func stringLenOK(size, add int64) bool {
	total := size + add
	return total <= maxStringLen && total >= size && total >= add
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
// conflicting one is a syntax error. Redis compares options as C strings,
// so an option is read only up to its first NUL byte ("nx\x00junk" is NX).
func parseSetFlags(args [][]byte, from int, isGetEx bool) (setFlags, Reply, bool) {
	var f setFlags
	for j := from; j < len(args); j++ {
		arg := args[j]
		if i := bytes.IndexByte(arg, 0); i >= 0 {
			arg = arg[:i]
		}
		opt := lowerASCIIBytes(arg)
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
// (t_string.c getExpireMillisecondsOrReply). The error names cmd.
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
	f, errR, valid := parseSetFlags(c.args, 3, false)
	if !valid {
		return errR
	}
	return c.setGeneric(string(c.args[1]), c.args[2], f, "set", ok, null)
}

// cmdSetNX is SET NX answering 1 or 0. It may succeed on two replicas at
// once; LWW then picks one value (SEMANTICS.md B7).
func cmdSetNX(c *call) Reply {
	return c.setGeneric(string(c.args[1]), c.args[2], setFlags{nx: true}, "setnx", one, zero)
}

func cmdSetEX(c *call) Reply {
	f := setFlags{unit: "ex", expire: c.args[2]}
	return c.setGeneric(string(c.args[1]), c.args[3], f, "setex", ok, null)
}

func cmdPSetEX(c *call) Reply {
	f := setFlags{unit: "px", expire: c.args[2]}
	return c.setGeneric(string(c.args[1]), c.args[3], f, "psetex", ok, null)
}

// setGeneric is SET with parsed options (t_string.c setGenericCommand):
// the expiry is validated before the type check of GET, and done or abort
// is the reply when the value was or was not written without GET. An
// expiry already past deletes the key (replicated as an observed remove)
// instead of writing a value that is born expired.
func (c *call) setGeneric(name string, val []byte, f setFlags, cmd string, done, abort Reply) Reply {
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
		return abort
	}
	switch {
	case f.unit != "" && at <= c.ms:
		c.del(name)
	default:
		// KEEPTTL keeps only the TTL of a live key: marks left on a
		// deleted or missing key must not attach to the new value.
		c.setString(name, val, f.keepTTL && exists)
		if at != 0 {
			c.setTTL(name, at)
		}
	}
	if f.get {
		return old
	}
	return done
}

// cmdMGet answers nil for a missing key and for a key of another type.
func cmdMGet(c *call) Reply {
	out := make([]Reply, 0, len(c.args)-1)
	for _, name := range c.args[1:] {
		val, found, _ := c.getString(string(name))
		if found {
			out = append(out, bulk(val))
		} else {
			out = append(out, null)
		}
	}
	return array(out)
}

// cmdMSet writes every pair in one command, hence one delta. Each
// setString applies at once, so a repeated key's later value removes the
// earlier one: the last value wins, as in Redis, also after a merge.
func cmdMSet(c *call) Reply {
	if len(c.args)%2 == 0 {
		return errArity("mset")
	}
	c.msetAll()
	return ok
}

// cmdMSetNX writes nothing when any key exists (SEMANTICS.md B7: it may
// succeed on two replicas at once; LWW picks each value).
func cmdMSetNX(c *call) Reply {
	if len(c.args)%2 == 0 {
		return errArity("msetnx")
	}
	for j := 1; j < len(c.args); j += 2 {
		if c.lookup(string(c.args[j])) != nil {
			return zero
		}
	}
	c.msetAll()
	return one
}

func (c *call) msetAll() {
	for j := 1; j < len(c.args); j += 2 {
		c.setString(string(c.args[j]), c.args[j+1], false)
	}
}

// cmdGetSet writes the whole value and clears the TTL it observed (A2, B5).
func cmdGetSet(c *call) Reply {
	name := string(c.args[1])
	val, found, wrong := c.getString(name)
	if wrong {
		return errWrongType
	}
	c.setString(name, c.args[2], false)
	if !found {
		return null
	}
	return bulk(val)
}

// cmdGetDel reads, then removes what it observed (B3: a concurrent write
// survives).
func cmdGetDel(c *call) Reply {
	name := string(c.args[1])
	val, found, wrong := c.getString(name)
	switch {
	case wrong:
		return errWrongType
	case !found:
		return null
	}
	c.del(name)
	return bulk(val)
}

// cmdGetEx follows t_string.c getexCommand's order: syntax, then a missing
// key answers nil, then the type, then the expiry value. PERSIST always
// writes a mark (it beats concurrent EXPIREs, A10); an EXAT or PXAT already
// past deletes the key.
func cmdGetEx(c *call) Reply {
	f, errR, valid := parseSetFlags(c.args, 2, true)
	if !valid {
		return errR
	}
	name := string(c.args[1])
	val, found, wrong := c.getString(name)
	switch {
	case wrong:
		return errWrongType
	case !found:
		return null
	}
	switch {
	case f.unit != "":
		at, errR, valid := c.expireAt(f, "getex")
		if !valid {
			return errR
		}
		if at <= c.ms {
			c.del(name)
		} else {
			c.setTTL(name, at)
		}
	case f.persist:
		c.setTTL(name, 0) // beats concurrent EXPIREs, seen or not (A10)
	}
	return bulk(val)
}

// cmdAppend writes the whole new value (A2: concurrent APPENDs are LWW on
// the value, not merged) and keeps the TTL, as Redis modifies in place.
// APPEND of "" to a missing key creates an empty string, as in Redis.
func cmdAppend(c *call) Reply {
	name, add := string(c.args[1]), c.args[2]
	val, found, wrong := c.getString(name)
	if wrong {
		return errWrongType
	}
	if found && !stringLenOK(int64(len(val)), int64(len(add))) {
		return errMaxString
	}
	next := make([]byte, 0, len(val)+len(add))
	next = append(append(next, val...), add...)
	c.setString(name, next, found)
	return integer(int64(len(next)))
}

func cmdStrlen(c *call) Reply {
	val, _, wrong := c.getString(string(c.args[1]))
	if wrong {
		return errWrongType
	}
	return integer(int64(len(val)))
}

// cmdGetRange is GETRANGE (t_string.c getrangeCommand): both
// indexes are parsed before the key is looked up, a missing key is the
// empty string, negative indexes count from the end and are clamped.
func cmdGetRange(c *call) Reply {
	start, ok := crdt.ParseInt(c.args[2])
	if !ok {
		return errNotInt
	}
	end, ok := crdt.ParseInt(c.args[3])
	if !ok {
		return errNotInt
	}
	val, found, wrong := c.getString(string(c.args[1]))
	switch {
	case wrong:
		return errWrongType
	case !found:
		return bulk([]byte{})
	}
	n := int64(len(val))
	if start < 0 && end < 0 && start > end {
		return bulk([]byte{})
	}
	if start < 0 {
		start = max(n+start, 0)
	}
	if end < 0 {
		end = max(n+end, 0)
	}
	end = min(end, n-1)
	if start > end || n == 0 {
		return bulk([]byte{})
	}
	return bulk(val[start : end+1])
}

// cmdSetRange (t_string.c setrangeCommand) checks the offset before the
// key, answers the length without writing when the patch is empty, and pads
// with zero bytes. It writes the whole value (A2) and keeps the TTL.
func cmdSetRange(c *call) Reply {
	offset, ok := crdt.ParseInt(c.args[2])
	if !ok {
		return errNotInt
	}
	if offset < 0 {
		return errOffset
	}
	name, patch := string(c.args[1]), c.args[3]
	val, found, wrong := c.getString(name)
	switch {
	case wrong:
		return errWrongType
	case len(patch) == 0:
		return integer(int64(len(val)))
	case !stringLenOK(offset, int64(len(patch))):
		return errMaxString
	}
	next := make([]byte, max(int64(len(val)), offset+int64(len(patch))))
	copy(next, val)
	copy(next[offset:], patch)
	c.setString(name, next, found)
	return integer(int64(len(next)))
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
// merged counter beyond int64 answers the overflow error (B11); a plain
// SET of a big number is just not an integer, as in Redis.
func (c *call) incrBy(name string, n int64) Reply {
	k, wrong := c.lookupType(name, TypeString)
	if wrong {
		return errWrongType
	}
	var cur int64
	if k != nil {
		val, _ := k.Str.Get()
		var ok bool
		if cur, ok = crdt.ParseInt(val); !ok {
			if mergedIntOverflow(k.Str, val) {
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
	k, wrong := c.lookupType(name, TypeString)
	if wrong {
		return errWrongType
	}
	incr, ok := crdt.ParseLongDouble(c.args[2])
	if !ok {
		return errNotFloat
	}
	var v *crdt.Value
	if k != nil {
		v = k.Str
	}
	text, delta, errR, ok := floatIncrement(v, incr, errNotFloat)
	if !ok {
		return errR
	}
	c.incrString(name, 0, delta)
	return bulkStr(text)
}

// floatIncrement is the arithmetic of INCRBYFLOAT and HINCRBYFLOAT on the
// visible value of v (nil or empty: 0): the sum in long double, printed as
// Redis prints it, and the exact decimal difference between that text and
// the visible value, which the caller records as this replica's
// contribution. notFloat is the reply for a visible value that is not a
// float.
func floatIncrement(v *crdt.Value, incr crdt.LongDouble, notFloat Reply) (string, crdt.Decimal, Reply, bool) {
	cur := crdt.LongDoubleZero()
	found := false
	if v != nil {
		var val []byte
		if val, found = v.Get(); found {
			var ok bool
			if cur, ok = crdt.ParseLongDouble(val); !ok {
				return "", crdt.Decimal{}, notFloat, false
			}
		}
	}
	sum, ok := crdt.AddLongDouble(cur, incr) // refuses "inf" values too
	if !ok {
		return "", crdt.Decimal{}, errNaNInf, false
	}
	text := crdt.FormatLongDouble(sum)
	next, ok := crdt.ParseDecimal(text)
	var prev crdt.Decimal
	if found && ok {
		prev, ok = v.Numeric()
	}
	if !ok {
		return "", crdt.Decimal{}, errInternal, false
	}
	return text, next.Sub(prev), Reply{}, true
}

// mergedIntOverflow reports whether val is an integer sum beyond int64 that
// only merging concurrent integer increments can produce (B11). A big value
// from INCRBYFLOAT or SET is "not an integer", as in Redis.
func mergedIntOverflow(v *crdt.Value, val []byte) bool {
	if len(v.Counts) == 0 || !isBigInt(val) {
		return false
	}
	for _, c := range v.Counts {
		if c.Float != "" {
			return false
		}
	}
	if b := v.Base(); b != nil {
		if _, ok := crdt.ParseInt(b.Val); !ok {
			return false
		}
	}
	return true
}
