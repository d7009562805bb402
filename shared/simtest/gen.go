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

	// Sorted sets (A6, reference §6): LWW scores, counting ZINCRBY, OR
	// membership; pops and range removals are removes of what was seen.
	{name: "zadd", weight: 8, gen: func(g *argGen) []string {
		args := g.zaddOpts([]string{"ZADD", g.key()})
		args = append(args, g.score(), g.member())
		if g.r.IntN(3) == 0 {
			args = append(args, g.score(), g.member())
		}
		return args
	}},
	{name: "zincrby", weight: 5, gen: func(g *argGen) []string {
		return []string{"ZINCRBY", g.key(), g.pick("1", "1.0", "2", "-0.5", "0.1", "inf", "-inf"), g.member()}
	}},
	{name: "zrem", weight: 4, gen: func(g *argGen) []string {
		if g.r.IntN(3) == 0 {
			return []string{"ZREM", g.key(), g.member(), g.member()}
		}
		return []string{"ZREM", g.key(), g.member()}
	}},
	{name: "zscore", weight: 1, gen: func(g *argGen) []string { return []string{"ZSCORE", g.key(), g.member()} }},
	{name: "zmscore", weight: 1, gen: func(g *argGen) []string {
		return []string{"ZMSCORE", g.key(), g.member(), g.member()}
	}},
	{name: "zcard", weight: 1, gen: func(g *argGen) []string { return []string{"ZCARD", g.key()} }},
	{name: "zcount", weight: 1, gen: func(g *argGen) []string {
		return []string{"ZCOUNT", g.key(), g.scoreMin(), g.scoreMax()}
	}},
	{name: "zlexcount", weight: 1, gen: func(g *argGen) []string {
		return []string{"ZLEXCOUNT", g.key(), g.lexMin(), g.lexMax()}
	}},
	{name: "zrange", weight: 2, gen: func(g *argGen) []string { return g.zrange("ZRANGE", g.key(), true) }},
	{name: "zrangebyscore", weight: 1, gen: func(g *argGen) []string {
		return g.withScores([]string{"ZRANGEBYSCORE", g.key(), g.scoreMin(), g.scoreMax()})
	}},
	{name: "zrevrangebyscore", weight: 1, gen: func(g *argGen) []string {
		return g.withScores([]string{"ZREVRANGEBYSCORE", g.key(), g.scoreMax(), g.scoreMin()})
	}},
	{name: "zrangebylex", weight: 1, gen: func(g *argGen) []string {
		return []string{"ZRANGEBYLEX", g.key(), g.lexMin(), g.lexMax()}
	}},
	{name: "zrevrangebylex", weight: 1, gen: func(g *argGen) []string {
		return []string{"ZREVRANGEBYLEX", g.key(), g.lexMax(), g.lexMin()}
	}},
	{name: "zrevrange", weight: 1, gen: func(g *argGen) []string {
		return g.withScores([]string{"ZREVRANGE", g.key(), g.small(-3, 2), g.small(-2, 5)})
	}},
	{name: "zrank", weight: 1, gen: func(g *argGen) []string { return []string{"ZRANK", g.key(), g.member()} }},
	{name: "zrevrank", weight: 1, gen: func(g *argGen) []string { return []string{"ZREVRANK", g.key(), g.member()} }},
	{name: "zmpop", weight: 1, gen: func(g *argGen) []string {
		args := []string{"ZMPOP", "2", g.key(), g.key(), g.pick("MIN", "MAX")}
		if g.r.IntN(2) == 0 {
			args = append(args, "COUNT", g.small(1, 3))
		}
		return args
	}},
	{name: "zpopmin", weight: 2, gen: func(g *argGen) []string { return g.optCount([]string{"ZPOPMIN", g.key()}) }},
	{name: "zpopmax", weight: 2, gen: func(g *argGen) []string { return g.optCount([]string{"ZPOPMAX", g.key()}) }},
	{name: "zrangestore", weight: 2, gen: func(g *argGen) []string {
		return g.zrange("ZRANGESTORE", g.key(), false)
	}},
	{name: "zremrangebyrank", weight: 2, gen: func(g *argGen) []string {
		return []string{"ZREMRANGEBYRANK", g.key(), g.small(-3, 2), g.small(-2, 3)}
	}},
	{name: "zremrangebyscore", weight: 2, gen: func(g *argGen) []string {
		return []string{"ZREMRANGEBYSCORE", g.key(), g.scoreMin(), g.scoreMax()}
	}},
	{name: "zremrangebylex", weight: 2, gen: func(g *argGen) []string {
		return []string{"ZREMRANGEBYLEX", g.key(), g.lexMin(), g.lexMax()}
	}},
	{name: "zrandmember", weight: 1, gen: func(g *argGen) []string {
		switch g.r.IntN(3) {
		case 0:
			return []string{"ZRANDMEMBER", g.key(), g.small(-3, 3), "WITHSCORES"}
		case 1:
			return []string{"ZRANDMEMBER", g.key(), g.small(-3, 3)}
		}
		return []string{"ZRANDMEMBER", g.key()}
	}},
	{name: "zscan", weight: 1, gen: func(g *argGen) []string { return []string{"ZSCAN", g.key(), "0"} }},

	// Sorted-set algebra: multi-key reads, and stores that write the
	// destination as new writes of what the replica saw.
	{name: "zunionstore", weight: 2, gen: func(g *argGen) []string { return g.zstore("ZUNIONSTORE", true) }},
	{name: "zinterstore", weight: 2, gen: func(g *argGen) []string { return g.zstore("ZINTERSTORE", true) }},
	{name: "zdiffstore", weight: 1, gen: func(g *argGen) []string { return g.zstore("ZDIFFSTORE", false) }},
	{name: "zunion", weight: 1, gen: func(g *argGen) []string { return g.zread("ZUNION", true) }},
	{name: "zinter", weight: 1, gen: func(g *argGen) []string { return g.zread("ZINTER", true) }},
	{name: "zdiff", weight: 1, gen: func(g *argGen) []string { return g.zread("ZDIFF", false) }},
	{name: "zintercard", weight: 1, gen: func(g *argGen) []string {
		args := []string{"ZINTERCARD", "2", g.key(), g.key()}
		if g.r.IntN(2) == 0 {
			args = append(args, "LIMIT", g.small(0, 3))
		}
		return args
	}},

	// Lists (A7, B7, reference §7): every push is a distinct element,
	// pops are at-least-once, LSET is LWW, LREM and LTRIM remove what
	// they saw.
	{name: "lpush", weight: 6, gen: func(g *argGen) []string { return g.push("LPUSH") }},
	{name: "rpush", weight: 6, gen: func(g *argGen) []string { return g.push("RPUSH") }},
	{name: "lpushx", weight: 2, gen: func(g *argGen) []string { return g.push("LPUSHX") }},
	{name: "rpushx", weight: 2, gen: func(g *argGen) []string { return g.push("RPUSHX") }},
	{name: "lpop", weight: 3, gen: func(g *argGen) []string { return g.optCount([]string{"LPOP", g.key()}) }},
	{name: "rpop", weight: 3, gen: func(g *argGen) []string { return g.optCount([]string{"RPOP", g.key()}) }},
	{name: "llen", weight: 1, gen: func(g *argGen) []string { return []string{"LLEN", g.key()} }},
	{name: "lrange", weight: 1, gen: func(g *argGen) []string {
		return []string{"LRANGE", g.key(), g.small(-4, 2), g.small(-2, 5)}
	}},
	{name: "lindex", weight: 1, gen: func(g *argGen) []string { return []string{"LINDEX", g.key(), g.small(-3, 3)} }},
	{name: "lset", weight: 3, gen: func(g *argGen) []string {
		return []string{"LSET", g.key(), g.small(-2, 2), g.elem()}
	}},
	{name: "linsert", weight: 3, gen: func(g *argGen) []string {
		return []string{"LINSERT", g.key(), g.pick("BEFORE", "AFTER"), g.elem(), g.elem()}
	}},
	{name: "lrem", weight: 2, gen: func(g *argGen) []string {
		return []string{"LREM", g.key(), g.small(-2, 2), g.elem()}
	}},
	{name: "ltrim", weight: 2, gen: func(g *argGen) []string {
		return []string{"LTRIM", g.key(), g.small(-3, 2), g.small(-2, 4)}
	}},
	{name: "lpos", weight: 1, gen: func(g *argGen) []string {
		args := []string{"LPOS", g.key(), g.elem()}
		if g.r.IntN(2) == 0 {
			args = append(args, "RANK", g.pick("1", "-1", "2"))
		}
		if g.r.IntN(2) == 0 {
			args = append(args, "COUNT", g.small(0, 3))
		}
		return args
	}},
	{name: "lmove", weight: 2, gen: func(g *argGen) []string {
		return []string{"LMOVE", g.key(), g.key(), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT")}
	}},
	{name: "rpoplpush", weight: 1, gen: func(g *argGen) []string { return []string{"RPOPLPUSH", g.key(), g.key()} }},
	{name: "lmpop", weight: 1, gen: func(g *argGen) []string {
		args := []string{"LMPOP", "2", g.key(), g.key(), g.pick("LEFT", "RIGHT")}
		if g.r.IntN(2) == 0 {
			args = append(args, "COUNT", g.small(1, 3))
		}
		return args
	}},

	// Geo (reference §6 rule 1): sorted sets of geohash scores.
	{name: "geoadd", weight: 4, gen: func(g *argGen) []string {
		args := []string{"GEOADD", g.key()}
		if g.r.IntN(4) == 0 {
			args = append(args, g.pick("NX", "XX", "CH"))
		}
		return append(args, g.lonLat(), g.lat(), g.member())
	}},
	{name: "geodist", weight: 1, gen: func(g *argGen) []string {
		return []string{"GEODIST", g.key(), g.member(), g.member(), g.pick("m", "km")}
	}},
	{name: "geohash", weight: 1, gen: func(g *argGen) []string { return []string{"GEOHASH", g.key(), g.member()} }},
	{name: "geopos", weight: 1, gen: func(g *argGen) []string { return []string{"GEOPOS", g.key(), g.member(), g.member()} }},
	{name: "geosearch", weight: 1, gen: func(g *argGen) []string {
		return []string{"GEOSEARCH", g.key(), "FROMMEMBER", g.member(), "BYRADIUS", g.pick("10", "100", "500"), "km",
			g.pick("ASC", "DESC"), "WITHDIST"}
	}},
	{name: "geosearchstore", weight: 2, gen: func(g *argGen) []string {
		args := []string{"GEOSEARCHSTORE", g.key(), g.key(), "FROMLONLAT", g.lonLat(), g.lat(), "BYBOX", "400", "400", "km"}
		if g.r.IntN(2) == 0 {
			args = append(args, "STOREDIST")
		}
		return args
	}},

	// HyperLogLog (A9, reference §9): register max, DEL wins.
	{name: "pfadd", weight: 5, gen: func(g *argGen) []string {
		args := []string{"PFADD", g.key()}
		for range g.r.IntN(4) {
			args = append(args, g.hllElem())
		}
		return args
	}},
	{name: "pfcount", weight: 1, gen: func(g *argGen) []string {
		if g.r.IntN(3) == 0 {
			return []string{"PFCOUNT", g.key(), g.key()}
		}
		return []string{"PFCOUNT", g.key()}
	}},
	{name: "pfmerge", weight: 2, gen: func(g *argGen) []string {
		if g.r.IntN(3) == 0 {
			return []string{"PFMERGE", g.key()}
		}
		return []string{"PFMERGE", g.key(), g.key(), g.key()}
	}},

	// CRDT-only introspection (B12): a read, deterministic per replica.
	{name: "crdt.explain", weight: 1, gen: func(g *argGen) []string { return []string{"CRDT.EXPLAIN", g.key()} }},
}

// score is a ZADD score: small numbers that tie and cross, infinities.
func (g *argGen) score() string {
	return g.pick("1", "2", "1.1", "2.1", "-1", "0", "0.5", "10", "inf", "-inf", "3e2")
}

// scoreMin and scoreMax are ZRANGEBYSCORE-style bounds.
func (g *argGen) scoreMin() string { return g.pick("-inf", "0", "(1", "1", "-1", "(0.5") }
func (g *argGen) scoreMax() string { return g.pick("+inf", "2", "(2", "10", "1", "inf") }

// lexMin and lexMax are ZRANGEBYLEX-style bounds over the members.
func (g *argGen) lexMin() string { return g.pick("-", "[m1", "(m1", "[m0", "(m3") }
func (g *argGen) lexMax() string { return g.pick("+", "[m3", "(m3", "[m4", "(m1") }

// zaddOpts adds ZADD's options: NX/XX, GT/LT, CH, INCR (with one pair).
func (g *argGen) zaddOpts(args []string) []string {
	switch g.r.IntN(8) {
	case 0:
		args = append(args, g.pick("NX", "XX"))
	case 1:
		args = append(args, g.pick("GT", "LT"))
	case 2:
		args = append(args, "XX", g.pick("GT", "LT"))
	}
	if g.r.IntN(5) == 0 {
		args = append(args, "CH")
	}
	return args
}

// zrange is ZRANGE (or ZRANGESTORE, with dst the destination) by rank,
// score or lex, sometimes REV and LIMIT, and WITHSCORES where allowed.
func (g *argGen) zrange(name, dst string, scores bool) []string {
	args := []string{name, dst}
	if name == "ZRANGESTORE" {
		args = append(args, g.key())
	}
	rev := g.r.IntN(3) == 0
	kind := g.r.IntN(3)
	switch kind {
	case 0:
		args = append(args, g.small(-3, 2), g.small(-2, 5))
	case 1:
		lo, hi := g.scoreMin(), g.scoreMax()
		if rev {
			lo, hi = hi, lo
		}
		args = append(args, lo, hi, "BYSCORE")
	default:
		lo, hi := g.lexMin(), g.lexMax()
		if rev {
			lo, hi = hi, lo
		}
		args = append(args, lo, hi, "BYLEX")
		scores = false
	}
	if rev {
		args = append(args, "REV")
	}
	if kind > 0 && g.r.IntN(3) == 0 { // LIMIT needs BYSCORE or BYLEX
		args = append(args, "LIMIT", g.small(0, 2), g.small(-1, 3))
	}
	if scores {
		return g.withScores(args)
	}
	return args
}

// withScores sometimes asks for scores.
func (g *argGen) withScores(args []string) []string {
	if g.r.IntN(3) == 0 {
		return append(args, "WITHSCORES")
	}
	return args
}

// optCount sometimes adds a count (pops).
func (g *argGen) optCount(args []string) []string {
	if g.r.IntN(2) == 0 {
		return append(args, g.small(0, 3))
	}
	return args
}

// zstore is a ZUNIONSTORE-style command: destination, numkeys, keys, and
// for union and inter sometimes WEIGHTS and AGGREGATE.
func (g *argGen) zstore(name string, weighted bool) []string {
	args := []string{name, g.key()}
	return append(args, g.zsources(weighted)...)
}

// zread is ZINTER/ZDIFF: numkeys, keys, options, WITHSCORES.
func (g *argGen) zread(name string, weighted bool) []string {
	return g.withScores(append([]string{name}, g.zsources(weighted)...))
}

func (g *argGen) zsources(weighted bool) []string {
	n := 1 + g.r.IntN(3)
	args := []string{strconv.Itoa(n)}
	for range n {
		args = append(args, g.key())
	}
	if weighted && g.r.IntN(3) == 0 {
		args = append(args, "WEIGHTS")
		for range n {
			args = append(args, g.pick("1", "2", "0", "-1", "0.5"))
		}
	}
	if weighted && g.r.IntN(3) == 0 {
		args = append(args, "AGGREGATE", g.pick("SUM", "MIN", "MAX"))
	}
	return args
}

// elem is a list element: few values, so that LINSERT pivots and LREM
// and LPOS values are found.
func (g *argGen) elem() string { return g.pick("a", "b", "c", "1", "") }

func (g *argGen) push(name string) []string {
	args := []string{name, g.key(), g.elem()}
	for range g.r.IntN(3) {
		args = append(args, g.elem())
	}
	return args
}

// lonLat and lat are a point near a few others.
func (g *argGen) lonLat() string { return g.pick("13.361389", "15.087269", "13.5", "14") }
func (g *argGen) lat() string    { return g.pick("38.115556", "37.502669", "38", "37.9") }

// hllElem is a PFADD element: a few shared ones (concurrent adds raise the
// same registers) and many fresh ones (counts grow).
func (g *argGen) hllElem() string {
	if g.r.IntN(2) == 0 {
		return g.pick("a", "b", "c", "x", "")
	}
	return "e" + strconv.Itoa(g.r.IntN(500))
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
