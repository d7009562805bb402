package compat

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// gen draws random commands over a small key, field and member space, so
// that commands collide: the same key is written as a string and read as a
// hash (WRONGTYPE), counters overflow, sets intersect.
type gen struct {
	r    *rand.Rand
	base int64 // Unix seconds at the start of the run: absolute expiries are base + offset
}

func newGen(seed uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), base: time.Now().Unix()}
}

// pick returns one of the choices, uniformly.
func pick[T any](g *gen, choices ...T) T { return choices[g.r.IntN(len(choices))] }

// chance is true with probability p.
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// Keys: mostly a handful of short names, sometimes the empty name or one
// with bytes that need escaping.
func (g *gen) key() string {
	if g.chance(0.03) {
		return pick(g, "", "bin\x00\r\n\xff", "k:1 x", "{a}")
	}
	return pick(g, "a", "b", "c", "d", "e")
}

func (g *gen) keys(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.key()
	}
	return out
}

func (g *gen) field() string {
	if g.chance(0.03) {
		return pick(g, "", "f\x00\n", "F1")
	}
	return pick(g, "f1", "f2", "f3", "f4", "10")
}

func (g *gen) member() string {
	if g.chance(0.03) {
		return pick(g, "", "m\x00\r\n", "M1")
	}
	// Numeric members make Redis use an intset; only the order differs.
	return pick(g, "m1", "m2", "m3", "m4", "1", "2", "-3", "100")
}

// value is a string value: often numeric, so that INCR and friends apply.
func (g *gen) value() string {
	switch g.r.IntN(10) {
	case 0, 1, 2:
		return pick(g, "v", "hello", "", "abc", " 1", "01", "0x10", "+1", "1 ", "x y")
	case 3, 4, 5:
		return pick(g, "0", "1", "-1", "10", "42", "-100", "3.5", "1e3", "-0",
			"9223372036854775807", "-9223372036854775808", "9223372036854775806", "18446744073709551616")
	case 6:
		return g.binary()
	case 7:
		return strings.Repeat(pick(g, "a", "xy", "0"), 1+g.r.IntN(200))
	default:
		return strconv.Itoa(g.r.IntN(2000) - 1000)
	}
}

func (g *gen) binary() string {
	b := make([]byte, g.r.IntN(12))
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return string(b)
}

// integer is an INCRBY-style argument: small, near the int64 limits, or
// not an integer at all.
func (g *gen) integer() string {
	switch g.r.IntN(8) {
	case 0:
		return pick(g, "9223372036854775807", "-9223372036854775808", "9223372036854775806",
			"-9223372036854775807", "9223372036854775808", "4611686018427387904")
	case 1:
		return pick(g, "abc", "", "1.5", " 1", "1 ", "+1", "01", "0x1", "-0", "1e3")
	default:
		return strconv.Itoa(g.r.IntN(200) - 100)
	}
}

// float is an INCRBYFLOAT-style argument.
func (g *gen) float() string {
	switch g.r.IntN(6) {
	case 0:
		return pick(g, "inf", "-inf", "nan", "abc", "", "1e400", "0x1p3", " 1", "1.5x", "1e308", "-1e308", "5e-324")
	case 1:
		return strconv.Itoa(g.r.IntN(200) - 100)
	default:
		return strconv.FormatFloat((g.r.Float64()-0.5)*1000, 'f', g.r.IntN(6), 64)
	}
}

// index is a range or position argument (GETRANGE, SETRANGE offsets).
func (g *gen) index() string {
	switch g.r.IntN(8) {
	case 0:
		return pick(g, "abc", "", "1.5", "9223372036854775807", "-9223372036854775808", "9223372036854775808")
	case 1:
		return strconv.Itoa(g.r.IntN(400) - 200)
	default:
		return strconv.Itoa(g.r.IntN(20) - 8)
	}
}

// count is a COUNT-like argument for SPOP, SRANDMEMBER and HRANDFIELD.
// Large negative counts are left out: redis-server 7.0 builds a reply of
// that many elements until memory runs out, where the engine refuses.
func (g *gen) count() string {
	switch g.r.IntN(8) {
	case 0:
		return pick(g, "abc", "", "1.5", "-9223372036854775808", "9223372036854775807", "-0")
	default:
		return strconv.Itoa(g.r.IntN(14) - 5)
	}
}

// seconds is a relative TTL: at least 100 s ahead, so nothing expires
// during a run, or in the past (which deletes at once), or invalid. Future
// values are spread widely so that two of them are rarely equal, which
// keeps GT/LT comparisons away from the millisecond the two sides may read
// differently.
func (g *gen) seconds() string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "0", "-1", "-100")
	case 1:
		return pick(g, "abc", "", "1.5", "9223372036854775807", "9223372036854775", "-9223372036854775808")
	default:
		return strconv.Itoa(100 + g.r.IntN(1_000_000))
	}
}

func (g *gen) millis() string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "0", "-1", "-100000")
	case 1:
		return pick(g, "abc", "", "1.5", "9223372036854775807", "9223372036854775806", "-9223372036854775808")
	default:
		return strconv.Itoa(100_000 + g.r.IntN(1_000_000_000))
	}
}

// unixSeconds is an absolute expiry: in the future, in the past, or odd.
func (g *gen) unixSeconds() string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "0", "1", "-1", strconv.FormatInt(g.base-1000, 10))
	case 1:
		return pick(g, "abc", "", "9223372036854775807", "9223372036854775")
	default:
		return strconv.FormatInt(g.base+100+int64(g.r.IntN(1_000_000)), 10)
	}
}

func (g *gen) unixMillis() string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "0", "1", "-1", strconv.FormatInt((g.base-1000)*1000, 10))
	case 1:
		return pick(g, "abc", "", "9223372036854775807", "9223372036854775806")
	default:
		return strconv.FormatInt((g.base+100)*1000+int64(g.r.IntN(1_000_000_000)), 10)
	}
}

// pattern is a KEYS or MATCH glob.
func (g *gen) pattern() string {
	return pick(g, "*", "*", "a", "?", "[a-c]", "[^a]", "*[bd]*", "k:*", "\\*", "b*", "[", "[a-", "*\x00*", "", "{a}", "[!a]", "a\\")
}

// scanType is SCAN's TYPE filter.
func (g *gen) scanType() string {
	return pick(g, "string", "hash", "set", "list", "zset", "none", "STRING", "foo")
}

// cursor is 0 (compared by iterating to the end) or something Redis
// rejects, with now and then a valid non-zero cursor (shape only).
func (g *gen) cursor() string {
	if g.chance(0.85) {
		return "0"
	}
	return pick(g, "abc", "", "1.5", "18446744073709551616", "-1", "7", " 0")
}

// expireOpts draws the NX/XX/GT/LT options of the EXPIRE family, sometimes
// conflicting or unknown.
func (g *gen) expireOpts() []string {
	switch g.r.IntN(10) {
	case 0, 1, 2, 3, 4:
		return nil
	case 5:
		return []string{pick(g, "NX", "XX", "GT", "LT", "nx", "gt", "foo")}
	case 6:
		return []string{pick(g, "NX", "XX", "GT", "LT"), pick(g, "NX", "XX", "GT", "LT")}
	default:
		return []string{pick(g, "NX", "XX", "GT", "LT")}
	}
}

// setOpts draws SET's options: mostly valid, sometimes conflicting.
func (g *gen) setOpts() []string {
	var out []string
	if g.chance(0.3) {
		out = append(out, pick(g, "NX", "XX", "nx", "xx"))
	}
	if g.chance(0.2) {
		out = append(out, pick(g, "GET", "get"))
	}
	if g.chance(0.4) {
		out = append(out, g.expiry(false)...)
	}
	if g.chance(0.05) {
		g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		out = append(out, pick(g, "NX", "XX", "EX", "KEEPTTL", "PX", "foo", "GET", "PERSIST"))
	}
	return out
}

// expiry is one expiry option of SET (persist false) or GETEX (true).
func (g *gen) expiry(persist bool) []string {
	switch g.r.IntN(6) {
	case 0:
		return []string{pick(g, "EX", "ex"), g.seconds()}
	case 1:
		return []string{"PX", g.millis()}
	case 2:
		return []string{"EXAT", g.unixSeconds()}
	case 3:
		return []string{"PXAT", g.unixMillis()}
	}
	if persist {
		return []string{"PERSIST"}
	}
	return []string{"KEEPTTL"}
}

// fieldValues returns n field-value pairs, flattened.
func (g *gen) fieldValues(n int) []string {
	var out []string
	for range n {
		out = append(out, g.field(), g.value())
	}
	return out
}

func (g *gen) members(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.member()
	}
	return out
}

func flat(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		}
	}
	return out
}

// generators makes the arguments after the command name, per command. The
// compat test fails if the engine's table has a command missing here.
var generators = map[string]func(g *gen) []string{
	// Strings and counters.
	"get":         func(g *gen) []string { return flat(g.key()) },
	"set":         func(g *gen) []string { return flat(g.key(), g.value(), g.setOpts()) },
	"setnx":       func(g *gen) []string { return flat(g.key(), g.value()) },
	"setex":       func(g *gen) []string { return flat(g.key(), g.seconds(), g.value()) },
	"psetex":      func(g *gen) []string { return flat(g.key(), g.millis(), g.value()) },
	"mget":        func(g *gen) []string { return flat(g.keys(1, 4)) },
	"mset":        func(g *gen) []string { return g.keyValues() },
	"msetnx":      func(g *gen) []string { return g.keyValues() },
	"getset":      func(g *gen) []string { return flat(g.key(), g.value()) },
	"getdel":      func(g *gen) []string { return flat(g.key()) },
	"getex":       func(g *gen) []string { return flat(g.key(), g.getexOpts()) },
	"append":      func(g *gen) []string { return flat(g.key(), g.value()) },
	"strlen":      func(g *gen) []string { return flat(g.key()) },
	"getrange":    func(g *gen) []string { return flat(g.key(), g.index(), g.index()) },
	"substr":      func(g *gen) []string { return flat(g.key(), g.index(), g.index()) },
	"setrange":    func(g *gen) []string { return flat(g.key(), g.offset(), g.value()) },
	"incr":        func(g *gen) []string { return flat(g.key()) },
	"decr":        func(g *gen) []string { return flat(g.key()) },
	"incrby":      func(g *gen) []string { return flat(g.key(), g.integer()) },
	"decrby":      func(g *gen) []string { return flat(g.key(), g.integer()) },
	"incrbyfloat": func(g *gen) []string { return flat(g.key(), g.float()) },
	"lcs":         func(g *gen) []string { return flat(g.key(), g.key(), g.lcsOpts()) },

	// Keys and expiry.
	"del":         func(g *gen) []string { return flat(g.keys(1, 3)) },
	"unlink":      func(g *gen) []string { return flat(g.keys(1, 3)) },
	"exists":      func(g *gen) []string { return flat(g.keys(1, 4)) },
	"touch":       func(g *gen) []string { return flat(g.keys(1, 3)) },
	"type":        func(g *gen) []string { return flat(g.key()) },
	"keys":        func(g *gen) []string { return flat(g.pattern()) },
	"scan":        func(g *gen) []string { return flat(g.cursor(), g.scanOpts(true)) },
	"rename":      func(g *gen) []string { return flat(g.key(), g.key()) },
	"renamenx":    func(g *gen) []string { return flat(g.key(), g.key()) },
	"copy":        func(g *gen) []string { return flat(g.key(), g.key(), g.copyOpts()) },
	"dbsize":      func(g *gen) []string { return nil },
	"flushall":    func(g *gen) []string { return g.flushOpts() },
	"flushdb":     func(g *gen) []string { return g.flushOpts() },
	"randomkey":   func(g *gen) []string { return nil },
	"expire":      func(g *gen) []string { return flat(g.key(), g.seconds(), g.expireOpts()) },
	"pexpire":     func(g *gen) []string { return flat(g.key(), g.millis(), g.expireOpts()) },
	"expireat":    func(g *gen) []string { return flat(g.key(), g.unixSeconds(), g.expireOpts()) },
	"pexpireat":   func(g *gen) []string { return flat(g.key(), g.unixMillis(), g.expireOpts()) },
	"ttl":         func(g *gen) []string { return flat(g.key()) },
	"pttl":        func(g *gen) []string { return flat(g.key()) },
	"expiretime":  func(g *gen) []string { return flat(g.key()) },
	"pexpiretime": func(g *gen) []string { return flat(g.key()) },
	"persist":     func(g *gen) []string { return flat(g.key()) },

	// Hashes.
	"hset":         func(g *gen) []string { return flat(g.key(), g.fieldValues(1+g.r.IntN(3))) },
	"hmset":        func(g *gen) []string { return flat(g.key(), g.fieldValues(1+g.r.IntN(3))) },
	"hsetnx":       func(g *gen) []string { return flat(g.key(), g.field(), g.value()) },
	"hget":         func(g *gen) []string { return flat(g.key(), g.field()) },
	"hmget":        func(g *gen) []string { return flat(g.key(), g.fields(1, 4)) },
	"hgetall":      func(g *gen) []string { return flat(g.key()) },
	"hdel":         func(g *gen) []string { return flat(g.key(), g.fields(1, 3)) },
	"hexists":      func(g *gen) []string { return flat(g.key(), g.field()) },
	"hlen":         func(g *gen) []string { return flat(g.key()) },
	"hstrlen":      func(g *gen) []string { return flat(g.key(), g.field()) },
	"hkeys":        func(g *gen) []string { return flat(g.key()) },
	"hvals":        func(g *gen) []string { return flat(g.key()) },
	"hincrby":      func(g *gen) []string { return flat(g.key(), g.field(), g.integer()) },
	"hincrbyfloat": func(g *gen) []string { return flat(g.key(), g.field(), g.float()) },
	"hrandfield":   func(g *gen) []string { return flat(g.key(), g.randOpts(true)) },
	"hscan":        func(g *gen) []string { return flat(g.key(), g.cursor(), g.scanOpts(false)) },

	// Sets.
	"sadd":        func(g *gen) []string { return flat(g.key(), g.members(1, 4)) },
	"srem":        func(g *gen) []string { return flat(g.key(), g.members(1, 3)) },
	"smembers":    func(g *gen) []string { return flat(g.key()) },
	"sismember":   func(g *gen) []string { return flat(g.key(), g.member()) },
	"smismember":  func(g *gen) []string { return flat(g.key(), g.members(1, 4)) },
	"scard":       func(g *gen) []string { return flat(g.key()) },
	"spop":        func(g *gen) []string { return flat(g.key(), g.randOpts(false)) },
	"srandmember": func(g *gen) []string { return flat(g.key(), g.randOpts(false)) },
	"smove":       func(g *gen) []string { return flat(g.key(), g.key(), g.member()) },
	"sunion":      func(g *gen) []string { return flat(g.keys(1, 3)) },
	"sinter":      func(g *gen) []string { return flat(g.keys(1, 3)) },
	"sdiff":       func(g *gen) []string { return flat(g.keys(1, 3)) },
	"sunionstore": func(g *gen) []string { return flat(g.key(), g.keys(1, 3)) },
	"sinterstore": func(g *gen) []string { return flat(g.key(), g.keys(1, 3)) },
	"sdiffstore":  func(g *gen) []string { return flat(g.key(), g.keys(1, 3)) },
	"sintercard":  func(g *gen) []string { return g.sintercard() },
	"sscan":       func(g *gen) []string { return flat(g.key(), g.cursor(), g.scanOpts(false)) },
}

// weights makes some commands rarer than the default weight of 10.
var weights = map[string]int{
	"flushall": 1, "flushdb": 1, "keys": 4, "scan": 4, "dbsize": 4, "randomkey": 4,
	"set": 30, "sadd": 25, "hset": 25, "incrby": 15, "expire": 15,
}

func (g *gen) keyValues() []string {
	var out []string
	for range 1 + g.r.IntN(3) {
		out = append(out, g.key(), g.value())
	}
	if g.chance(0.05) {
		out = out[:len(out)-1] // odd count: wrong number of arguments
	}
	return out
}

func (g *gen) fields(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.field()
	}
	return out
}

func (g *gen) getexOpts() []string {
	if g.chance(0.3) {
		return nil
	}
	out := g.expiry(true)
	if g.chance(0.05) {
		out = append(out, pick(g, "PERSIST", "EX", "NX", "foo"))
	}
	return out
}

// offset is a SETRANGE offset. Large offsets are kept to ones Redis
// rejects: an accepted one would make both sides allocate 512 MB.
func (g *gen) offset() string {
	switch g.r.IntN(8) {
	case 0:
		return pick(g, "-1", "abc", "", "536870912", "9223372036854775807", "1.5")
	default:
		return strconv.Itoa(g.r.IntN(40))
	}
}

func (g *gen) lcsOpts() []string {
	return pick(g, nil, []string{"LEN"}, []string{"IDX"}, []string{"IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"})
}

func (g *gen) copyOpts() []string {
	return pick(g, nil, nil, []string{"REPLACE"}, []string{"DB", "0"}, []string{"DB", "0", "REPLACE"},
		[]string{"replace", "replace"}, []string{"DB"}, []string{"DB", "abc"}, []string{"foo"})
}

func (g *gen) flushOpts() []string {
	return pick(g, nil, nil, []string{"SYNC"}, []string{"ASYNC"}, []string{"async"}, []string{"foo"}, []string{"SYNC", "ASYNC"})
}

// scanOpts draws MATCH, COUNT and (for SCAN) TYPE, sometimes invalid.
func (g *gen) scanOpts(withType bool) []string {
	var out []string
	if g.chance(0.4) {
		out = append(out, pick(g, "MATCH", "match"), g.pattern())
	}
	if g.chance(0.4) {
		out = append(out, "COUNT", pick(g, "1", "2", "3", "10", "1000", "0", "-1", "abc"))
	}
	if withType && g.chance(0.3) {
		out = append(out, "TYPE", g.scanType())
	}
	if g.chance(0.03) {
		out = append(out, pick(g, "COUNT", "MATCH", "foo", "NOVALUES"))
	}
	return out
}

// randOpts draws the count of SPOP/SRANDMEMBER, or HRANDFIELD's count and
// WITHVALUES.
func (g *gen) randOpts(hash bool) []string {
	if g.chance(0.4) {
		return nil
	}
	out := []string{g.count()}
	if hash && g.chance(0.4) {
		out = append(out, pick(g, "WITHVALUES", "withvalues", "foo"))
	}
	return out
}

func (g *gen) sintercard() []string {
	keys := g.keys(1, 3)
	numkeys := strconv.Itoa(len(keys))
	if g.chance(0.1) {
		numkeys = pick(g, "0", "-1", "abc", "5")
	}
	out := flat(numkeys, keys)
	if g.chance(0.3) {
		out = append(out, "LIMIT", pick(g, "0", "1", "2", "-1", "abc"))
	}
	return out
}

// unknownCommand is a command redis-server does not know, sometimes with
// long or binary arguments (the error quotes them, cut at 128 bytes).
func (g *gen) unknownCommand() []string {
	name := pick(g, "foo", "GETT", "hset2", "lattice", "x\x00y", "\r\n", strings.Repeat("z", 140))
	out := []string{name}
	for range g.r.IntN(4) {
		out = append(out, pick(g, g.value(), g.key(), strings.Repeat("w", 100), "a\r\nb", "q\x00r"))
	}
	return out
}

// mixCase spells a command name in a random case, as clients may.
func (g *gen) mixCase(name string) string {
	switch g.r.IntN(4) {
	case 0:
		return strings.ToUpper(name)
	case 1:
		b := []byte(name)
		for i := range b {
			if g.chance(0.5) {
				b[i] = strings.ToUpper(string(b[i]))[0]
			}
		}
		return string(b)
	}
	return name
}

// wrongArity cuts or extends a command's arguments, so that arity and
// syntax errors are compared too.
func (g *gen) wrongArity(cmd []string) []string {
	if len(cmd) > 1 && g.chance(0.5) {
		return cmd[:1+g.r.IntN(len(cmd)-1)]
	}
	for range 1 + g.r.IntN(3) {
		cmd = append(cmd, pick(g, g.key(), g.value(), "NX", "COUNT", "1"))
	}
	return cmd
}
