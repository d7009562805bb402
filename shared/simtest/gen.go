package simtest

import (
	"math/rand/v2"
	"strconv"
	"time"

	"lattice/shared/engine"
)

// argGen draws command arguments from a small universe, so that writes to
// one key, field or member collide across replicas and keys change type.
type argGen struct {
	r    *rand.Rand
	keys int
	ms   int64 // global simulated time, Unix ms, for absolute expiry times
}

func (g *argGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }
func (g *argGen) key() string              { return "k" + strconv.Itoa(g.r.IntN(g.keys)) }
func (g *argGen) field() string            { return g.pick("f0", "f1", "f2", "f3") }
func (g *argGen) member() string           { return g.pick("m0", "m1", "m2", "m3", "m4") }
func (g *argGen) small(lo, hi int) string  { return strconv.Itoa(lo + g.r.IntN(hi-lo+1)) }

// value is a string value: numbers (to be incremented later), text,
// borderline numbers and the empty string.
func (g *argGen) value() string {
	return g.pick("1", "2", "10", "-5", "0", "1.5", "abc", "hello", "", "x y",
		"9223372036854775806", "007", "3e2")
}

func (g *argGen) incr() string {
	if g.r.IntN(20) == 0 {
		return g.pick("9223372036854775000", "-9223372036854775000", "abc", "1.5")
	}
	return g.small(-3, 5)
}

func (g *argGen) float() string {
	return g.pick("0.5", "-1.25", "0.1", "2", "1e2", "-0.003", "3", "abc")
}

// ttl returns a relative expiry in seconds or milliseconds, short enough
// that keys expire during a run.
func (g *argGen) ttl(unit time.Duration) string {
	if unit == time.Second {
		return g.small(1, 4)
	}
	return g.small(10, 3000)
}

// at returns an absolute expiry (seconds or ms), sometimes in the past.
func (g *argGen) at(unit time.Duration) string {
	ms := g.ms + int64(g.r.IntN(4000)) - 500
	if unit == time.Second {
		return strconv.FormatInt(ms/1000, 10)
	}
	return strconv.FormatInt(ms, 10)
}

// expiryOpt is SET/GETEX's expiry option, or nothing.
func (g *argGen) expiryOpt(args []string, getex bool) []string {
	switch g.r.IntN(8) {
	case 0:
		return append(args, "EX", g.ttl(time.Second))
	case 1:
		return append(args, "PX", g.ttl(time.Millisecond))
	case 2:
		return append(args, "EXAT", g.at(time.Second))
	case 3:
		return append(args, "PXAT", g.at(time.Millisecond))
	case 4:
		if getex {
			return append(args, "PERSIST")
		}
		return append(args, "KEEPTTL")
	}
	return args
}

// expireOpt is EXPIRE's NX/XX/GT/LT option, or nothing.
func (g *argGen) expireOpt(args []string) []string {
	if g.r.IntN(3) == 0 {
		return append(args, g.pick("NX", "XX", "GT", "LT"))
	}
	return args
}

// cmdGen generates one command; weight is its relative frequency.
type cmdGen struct {
	name   string
	weight int
	gen    func(g *argGen) []string
}

// allGens covers every command family; generators whose command the engine
// does not have are filtered out at run time (see available).
var allGens = []cmdGen{
	// Strings and counters (SEMANTICS.md A2, A3, B2, B3, B11).
	{name: "get", weight: 2, gen: func(g *argGen) []string { return []string{"GET", g.key()} }},
	{name: "set", weight: 10, gen: func(g *argGen) []string {
		args := []string{"SET", g.key(), g.value()}
		if g.r.IntN(4) == 0 {
			args = append(args, g.pick("NX", "XX"))
		}
		if g.r.IntN(5) == 0 {
			args = append(args, "GET")
		}
		return g.expiryOpt(args, false)
	}},
	{name: "setnx", weight: 2, gen: func(g *argGen) []string { return []string{"SETNX", g.key(), g.value()} }},
	{name: "setex", weight: 2, gen: func(g *argGen) []string {
		return []string{"SETEX", g.key(), g.ttl(time.Second), g.value()}
	}},
	{name: "psetex", weight: 2, gen: func(g *argGen) []string {
		return []string{"PSETEX", g.key(), g.ttl(time.Millisecond), g.value()}
	}},
	{name: "getset", weight: 2, gen: func(g *argGen) []string { return []string{"GETSET", g.key(), g.value()} }},
	{name: "getdel", weight: 2, gen: func(g *argGen) []string { return []string{"GETDEL", g.key()} }},
	{name: "getex", weight: 2, gen: func(g *argGen) []string { return g.expiryOpt([]string{"GETEX", g.key()}, true) }},
	{name: "mset", weight: 2, gen: func(g *argGen) []string {
		return []string{"MSET", g.key(), g.value(), g.key(), g.value()}
	}},
	{name: "msetnx", weight: 1, gen: func(g *argGen) []string {
		return []string{"MSETNX", g.key(), g.value(), g.key(), g.value()}
	}},
	{name: "mget", weight: 1, gen: func(g *argGen) []string { return []string{"MGET", g.key(), g.key()} }},
	{name: "append", weight: 3, gen: func(g *argGen) []string { return []string{"APPEND", g.key(), g.pick("a", "1", "xy")} }},
	{name: "setrange", weight: 2, gen: func(g *argGen) []string {
		return []string{"SETRANGE", g.key(), g.small(0, 6), g.pick("Z", "12", "")}
	}},
	{name: "getrange", weight: 1, gen: func(g *argGen) []string {
		return []string{"GETRANGE", g.key(), g.small(-3, 2), g.small(-2, 5)}
	}},
	{name: "strlen", weight: 1, gen: func(g *argGen) []string { return []string{"STRLEN", g.key()} }},
	{name: "incr", weight: 4, gen: func(g *argGen) []string { return []string{"INCR", g.key()} }},
	{name: "decr", weight: 2, gen: func(g *argGen) []string { return []string{"DECR", g.key()} }},
	{name: "incrby", weight: 4, gen: func(g *argGen) []string { return []string{"INCRBY", g.key(), g.incr()} }},
	{name: "decrby", weight: 2, gen: func(g *argGen) []string { return []string{"DECRBY", g.key(), g.incr()} }},
	{name: "incrbyfloat", weight: 4, gen: func(g *argGen) []string { return []string{"INCRBYFLOAT", g.key(), g.float()} }},

	// Keys and expiry (A8, A10, B5, B7, B8).
	{name: "del", weight: 4, gen: func(g *argGen) []string {
		if g.r.IntN(3) == 0 {
			return []string{"DEL", g.key(), g.key()}
		}
		return []string{"DEL", g.key()}
	}},
	{name: "unlink", weight: 1, gen: func(g *argGen) []string { return []string{"UNLINK", g.key()} }},
	{name: "exists", weight: 1, gen: func(g *argGen) []string { return []string{"EXISTS", g.key(), g.key()} }},
	{name: "touch", weight: 1, gen: func(g *argGen) []string { return []string{"TOUCH", g.key()} }},
	{name: "type", weight: 1, gen: func(g *argGen) []string { return []string{"TYPE", g.key()} }},
	{name: "keys", weight: 1, gen: func(g *argGen) []string { return []string{"KEYS", g.pick("*", "k[0-2]", "*1")} }},
	{name: "dbsize", weight: 1, gen: func(*argGen) []string { return []string{"DBSIZE"} }},
	{name: "randomkey", weight: 1, gen: func(*argGen) []string { return []string{"RANDOMKEY"} }},
	{name: "scan", weight: 1, gen: func(g *argGen) []string {
		return []string{"SCAN", "0", "COUNT", g.small(1, 10), "MATCH", g.pick("*", "k1*")}
	}},
	{name: "flushall", weight: 1, gen: func(g *argGen) []string {
		if g.r.IntN(2) == 0 {
			return []string{"FLUSHALL", g.pick("ASYNC", "SYNC")}
		}
		return []string{"FLUSHALL"}
	}},
	{name: "flushdb", weight: 1, gen: func(*argGen) []string { return []string{"FLUSHDB"} }},
	{name: "rename", weight: 2, gen: func(g *argGen) []string { return []string{"RENAME", g.key(), g.key()} }},
	{name: "renamenx", weight: 1, gen: func(g *argGen) []string { return []string{"RENAMENX", g.key(), g.key()} }},
	{name: "copy", weight: 2, gen: func(g *argGen) []string {
		args := []string{"COPY", g.key(), g.key()}
		if g.r.IntN(2) == 0 {
			args = append(args, "REPLACE")
		}
		return args
	}},
	{name: "expire", weight: 3, gen: func(g *argGen) []string {
		return g.expireOpt([]string{"EXPIRE", g.key(), g.ttl(time.Second)})
	}},
	{name: "pexpire", weight: 3, gen: func(g *argGen) []string {
		return g.expireOpt([]string{"PEXPIRE", g.key(), g.ttl(time.Millisecond)})
	}},
	{name: "expireat", weight: 1, gen: func(g *argGen) []string {
		return g.expireOpt([]string{"EXPIREAT", g.key(), g.at(time.Second)})
	}},
	{name: "pexpireat", weight: 2, gen: func(g *argGen) []string {
		return g.expireOpt([]string{"PEXPIREAT", g.key(), g.at(time.Millisecond)})
	}},
	{name: "ttl", weight: 1, gen: func(g *argGen) []string { return []string{"TTL", g.key()} }},
	{name: "pttl", weight: 1, gen: func(g *argGen) []string { return []string{"PTTL", g.key()} }},
	{name: "expiretime", weight: 1, gen: func(g *argGen) []string { return []string{"EXPIRETIME", g.key()} }},
	{name: "pexpiretime", weight: 1, gen: func(g *argGen) []string { return []string{"PEXPIRETIME", g.key()} }},
	{name: "persist", weight: 2, gen: func(g *argGen) []string { return []string{"PERSIST", g.key()} }},

	// Hashes (A5).
	{name: "hset", weight: 8, gen: func(g *argGen) []string {
		args := []string{"HSET", g.key(), g.field(), g.value()}
		if g.r.IntN(3) == 0 {
			args = append(args, g.field(), g.value())
		}
		return args
	}},
	{name: "hsetnx", weight: 2, gen: func(g *argGen) []string { return []string{"HSETNX", g.key(), g.field(), g.value()} }},
	{name: "hmset", weight: 1, gen: func(g *argGen) []string { return []string{"HMSET", g.key(), g.field(), g.value()} }},
	{name: "hget", weight: 1, gen: func(g *argGen) []string { return []string{"HGET", g.key(), g.field()} }},
	{name: "hmget", weight: 1, gen: func(g *argGen) []string { return []string{"HMGET", g.key(), g.field(), g.field()} }},
	{name: "hdel", weight: 4, gen: func(g *argGen) []string {
		if g.r.IntN(3) == 0 {
			return []string{"HDEL", g.key(), g.field(), g.field()}
		}
		return []string{"HDEL", g.key(), g.field()}
	}},
	{name: "hlen", weight: 1, gen: func(g *argGen) []string { return []string{"HLEN", g.key()} }},
	{name: "hstrlen", weight: 1, gen: func(g *argGen) []string { return []string{"HSTRLEN", g.key(), g.field()} }},
	{name: "hexists", weight: 1, gen: func(g *argGen) []string { return []string{"HEXISTS", g.key(), g.field()} }},
	{name: "hkeys", weight: 1, gen: func(g *argGen) []string { return []string{"HKEYS", g.key()} }},
	{name: "hvals", weight: 1, gen: func(g *argGen) []string { return []string{"HVALS", g.key()} }},
	{name: "hgetall", weight: 1, gen: func(g *argGen) []string { return []string{"HGETALL", g.key()} }},
	{name: "hincrby", weight: 5, gen: func(g *argGen) []string { return []string{"HINCRBY", g.key(), g.field(), g.incr()} }},
	{name: "hincrbyfloat", weight: 4, gen: func(g *argGen) []string {
		return []string{"HINCRBYFLOAT", g.key(), g.field(), g.float()}
	}},
	{name: "hrandfield", weight: 1, gen: func(g *argGen) []string {
		if g.r.IntN(2) == 0 {
			return []string{"HRANDFIELD", g.key(), g.small(-2, 3), "WITHVALUES"}
		}
		return []string{"HRANDFIELD", g.key()}
	}},
	{name: "hscan", weight: 1, gen: func(g *argGen) []string { return []string{"HSCAN", g.key(), "0"} }},

	// Sets (A4, B7).
	{name: "sadd", weight: 8, gen: func(g *argGen) []string {
		args := []string{"SADD", g.key(), g.member()}
		if g.r.IntN(3) == 0 {
			args = append(args, g.member())
		}
		return args
	}},
	{name: "srem", weight: 4, gen: func(g *argGen) []string {
		if g.r.IntN(3) == 0 {
			return []string{"SREM", g.key(), g.member(), g.member()}
		}
		return []string{"SREM", g.key(), g.member()}
	}},
	{name: "spop", weight: 2, gen: func(g *argGen) []string {
		if g.r.IntN(2) == 0 {
			return []string{"SPOP", g.key(), g.small(0, 3)}
		}
		return []string{"SPOP", g.key()}
	}},
	{name: "smove", weight: 2, gen: func(g *argGen) []string { return []string{"SMOVE", g.key(), g.key(), g.member()} }},
	{name: "sismember", weight: 1, gen: func(g *argGen) []string { return []string{"SISMEMBER", g.key(), g.member()} }},
	{name: "smismember", weight: 1, gen: func(g *argGen) []string {
		return []string{"SMISMEMBER", g.key(), g.member(), g.member()}
	}},
	{name: "scard", weight: 1, gen: func(g *argGen) []string { return []string{"SCARD", g.key()} }},
	{name: "smembers", weight: 1, gen: func(g *argGen) []string { return []string{"SMEMBERS", g.key()} }},
	{name: "srandmember", weight: 1, gen: func(g *argGen) []string {
		if g.r.IntN(2) == 0 {
			return []string{"SRANDMEMBER", g.key(), g.small(-3, 3)}
		}
		return []string{"SRANDMEMBER", g.key()}
	}},
	{name: "sinter", weight: 1, gen: func(g *argGen) []string { return []string{"SINTER", g.key(), g.key()} }},
	{name: "sunion", weight: 1, gen: func(g *argGen) []string { return []string{"SUNION", g.key(), g.key()} }},
	{name: "sdiff", weight: 1, gen: func(g *argGen) []string { return []string{"SDIFF", g.key(), g.key()} }},
	{name: "sinterstore", weight: 1, gen: func(g *argGen) []string {
		return []string{"SINTERSTORE", g.key(), g.key(), g.key()}
	}},
	{name: "sunionstore", weight: 2, gen: func(g *argGen) []string {
		return []string{"SUNIONSTORE", g.key(), g.key(), g.key()}
	}},
	{name: "sdiffstore", weight: 1, gen: func(g *argGen) []string {
		return []string{"SDIFFSTORE", g.key(), g.key(), g.key()}
	}},
	{name: "sintercard", weight: 1, gen: func(g *argGen) []string {
		return []string{"SINTERCARD", "2", g.key(), g.key()}
	}},
	{name: "sscan", weight: 1, gen: func(g *argGen) []string { return []string{"SSCAN", g.key(), "0"} }},
}

// available returns the generators whose command the engine runs, and the
// cumulative weights for drawing one.
func available() ([]cmdGen, []int) {
	have := map[string]bool{}
	for _, c := range engine.Commands() {
		have[c.Name] = true
	}
	var gens []cmdGen
	var cum []int
	total := 0
	for _, g := range allGens {
		if have[g.name] {
			total += g.weight
			gens = append(gens, g)
			cum = append(cum, total)
		}
	}
	return gens, cum
}

// Covered lists the engine's commands the simulator generates, and those
// it does not (read-only introspection and commands added after it).
func Covered() (generated, missing []string) {
	have := map[string]bool{}
	for _, g := range allGens {
		have[g.name] = true
	}
	for _, c := range engine.Commands() {
		if have[c.Name] {
			generated = append(generated, c.Name)
		} else {
			missing = append(missing, c.Name)
		}
	}
	return generated, missing
}

// toArgs converts words to a command's arguments.
func toArgs(words []string) [][]byte {
	out := make([][]byte, len(words))
	for i, w := range words {
		out[i] = []byte(w)
	}
	return out
}
