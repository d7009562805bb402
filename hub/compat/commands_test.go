package compat

import (
	"strconv"
	"strings"
)

// generators makes the arguments after the command name, per command.
// TestCompat fails if the engine's table has a command missing here;
// TestCompatSelf runs them all against two redis-servers.
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
	"del":         func(g *gen) []string { return flat(g.anyKeys(1, 3)) },
	"unlink":      func(g *gen) []string { return flat(g.anyKeys(1, 3)) },
	"exists":      func(g *gen) []string { return flat(g.anyKeys(1, 4)) },
	"touch":       func(g *gen) []string { return flat(g.anyKeys(1, 3)) },
	"type":        func(g *gen) []string { return flat(g.anyKey()) },
	"keys":        func(g *gen) []string { return flat(g.pattern()) },
	"scan":        func(g *gen) []string { return flat(g.cursor(), g.scanOpts(true)) },
	"rename":      func(g *gen) []string { return g.keyPair() },
	"renamenx":    func(g *gen) []string { return g.keyPair() },
	"copy":        func(g *gen) []string { return flat(g.keyPair(), g.copyOpts()) },
	"dbsize":      func(g *gen) []string { return nil },
	"flushall":    func(g *gen) []string { return g.flushOpts() },
	"flushdb":     func(g *gen) []string { return g.flushOpts() },
	"randomkey":   func(g *gen) []string { return nil },
	"expire":      func(g *gen) []string { return flat(g.anyKey(), g.seconds(), g.expireOpts()) },
	"pexpire":     func(g *gen) []string { return flat(g.anyKey(), g.millis(), g.expireOpts()) },
	"expireat":    func(g *gen) []string { return flat(g.anyKey(), g.unixSeconds(), g.expireOpts()) },
	"pexpireat":   func(g *gen) []string { return flat(g.anyKey(), g.unixMillis(), g.expireOpts()) },
	"ttl":         func(g *gen) []string { return flat(g.anyKey()) },
	"pttl":        func(g *gen) []string { return flat(g.anyKey()) },
	"expiretime":  func(g *gen) []string { return flat(g.anyKey()) },
	"pexpiretime": func(g *gen) []string { return flat(g.anyKey()) },
	"persist":     func(g *gen) []string { return flat(g.anyKey()) },

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

	// Sorted sets (cmd_zset.go), in the shared keys.
	"zadd":             func(g *gen) []string { return g.zadd() },
	"zincrby":          func(g *gen) []string { return flat(g.zkey(), g.score(), g.member()) },
	"zrem":             func(g *gen) []string { return flat(g.zkey(), g.members(1, 3)) },
	"zscore":           func(g *gen) []string { return flat(g.zkey(), g.member()) },
	"zmscore":          func(g *gen) []string { return flat(g.zkey(), g.members(1, 4)) },
	"zcard":            func(g *gen) []string { return flat(g.zkey()) },
	"zcount":           func(g *gen) []string { return flat(g.zkey(), g.scoreBound(true), g.scoreBound(false)) },
	"zlexcount":        func(g *gen) []string { return flat(g.zkey(), g.lexBound(true), g.lexBound(false)) },
	"zrange":           func(g *gen) []string { return flat(g.zkey(), g.zrange(false)) },
	"zrangebyscore":    func(g *gen) []string { return flat(g.zkey(), g.scoreBound(true), g.scoreBound(false), g.byScoreOpts()) },
	"zrevrangebyscore": func(g *gen) []string { return flat(g.zkey(), g.scoreBound(false), g.scoreBound(true), g.byScoreOpts()) },
	"zrangebylex":      func(g *gen) []string { return flat(g.zkey(), g.lexBound(true), g.lexBound(false), g.byLexOpts()) },
	"zrevrangebylex":   func(g *gen) []string { return flat(g.zkey(), g.lexBound(false), g.lexBound(true), g.byLexOpts()) },
	"zrevrange":        func(g *gen) []string { return flat(g.zkey(), g.index(), g.index(), g.withScores()) },
	"zrank":            func(g *gen) []string { return flat(g.zkey(), g.member()) },
	"zrevrank":         func(g *gen) []string { return flat(g.zkey(), g.member()) },
	"zpopmin":          func(g *gen) []string { return flat(g.zkey(), g.popCount()) },
	"zpopmax":          func(g *gen) []string { return flat(g.zkey(), g.popCount()) },
	"zmpop": func(g *gen) []string { // ZMPOP numkeys key... MIN|MAX [COUNT n], as LMPOP's
		keys := g.zkeys(1, 3)
		numkeys := strconv.Itoa(len(keys))
		if g.chance(0.08) {
			numkeys = pick(g, "0", "-1", "abc", "5")
		}
		out := flat(numkeys, keys, pick(g, "MIN", "MAX", "min", "max", "LEFT"))
		if g.chance(0.4) {
			out = append(out, pick(g, "COUNT", "count"), pick(g, "1", "2", "3", "10", "0", "-1", "abc"))
		}
		return out
	},
	"zrangestore":      func(g *gen) []string { return flat(g.zkey(), g.zkey(), g.zrange(true)) },
	"zremrangebyrank":  func(g *gen) []string { return flat(g.zkey(), g.index(), g.index()) },
	"zremrangebyscore": func(g *gen) []string { return flat(g.zkey(), g.scoreBound(true), g.scoreBound(false)) },
	"zremrangebylex":   func(g *gen) []string { return flat(g.zkey(), g.lexBound(true), g.lexBound(false)) },
	"zrandmember":      func(g *gen) []string { return flat(g.zkey(), g.zrandOpts()) },
	"zscan":            func(g *gen) []string { return flat(g.zkey(), g.cursor(), g.scanOpts(false)) },

	// Sorted-set algebra (cmd_zsetops.go): sources may be sets too.
	"zunionstore": func(g *gen) []string { return g.zalgebra(true, true) },
	"zinterstore": func(g *gen) []string { return g.zalgebra(true, true) },
	"zdiffstore":  func(g *gen) []string { return g.zalgebra(true, false) },
	"zunion":      func(g *gen) []string { return g.zalgebra(false, true) },
	"zinter":      func(g *gen) []string { return g.zalgebra(false, true) },
	"zdiff":       func(g *gen) []string { return g.zalgebra(false, false) },
	"zintercard":  func(g *gen) []string { return g.zintercard() },

	// Lists (cmd_list.go), in the shared keys.
	"lpush":     func(g *gen) []string { return flat(g.lkey(), g.elems(1, 4)) },
	"rpush":     func(g *gen) []string { return flat(g.lkey(), g.elems(1, 4)) },
	"lpushx":    func(g *gen) []string { return flat(g.lkey(), g.elems(1, 3)) },
	"rpushx":    func(g *gen) []string { return flat(g.lkey(), g.elems(1, 3)) },
	"lpop":      func(g *gen) []string { return flat(g.lkey(), g.popCount()) },
	"rpop":      func(g *gen) []string { return flat(g.lkey(), g.popCount()) },
	"llen":      func(g *gen) []string { return flat(g.lkey()) },
	"lrange":    func(g *gen) []string { return flat(g.lkey(), g.index(), g.index()) },
	"lindex":    func(g *gen) []string { return flat(g.lkey(), g.index()) },
	"lset":      func(g *gen) []string { return flat(g.lkey(), g.index(), g.elem()) },
	"linsert":   func(g *gen) []string { return flat(g.lkey(), g.insertWhere(), g.elem(), g.elem()) },
	"lrem":      func(g *gen) []string { return flat(g.lkey(), g.index(), g.elem()) },
	"ltrim":     func(g *gen) []string { return flat(g.lkey(), g.index(), g.index()) },
	"lpos":      func(g *gen) []string { return g.lpos() },
	"lmove":     func(g *gen) []string { return flat(g.lkey(), g.lkey(), g.side(), g.side()) },
	"rpoplpush": func(g *gen) []string { return flat(g.lkey(), g.lkey()) },
	"lmpop":     func(g *gen) []string { return g.lmpop() },

	// Geo (cmd_geo.go), in the sorted-set keys.
	"geoadd":         func(g *gen) []string { return g.geoadd() },
	"geodist":        func(g *gen) []string { return g.geodist() },
	"geohash":        func(g *gen) []string { return flat(g.zkey(), g.geoMembers(0, 3)) },
	"geopos":         func(g *gen) []string { return flat(g.zkey(), g.geoMembers(0, 3)) },
	"geosearch":      func(g *gen) []string { return flat(g.zkey(), g.geosearch(false)) },
	"geosearchstore": func(g *gen) []string { return flat(g.zkey(), g.zkey(), g.geosearch(true)) },

	// HyperLogLog (cmd_hll.go): written only in hllKeys, see isHLLKey.
	"pfadd":   func(g *gen) []string { return flat(g.hllKey(), g.hllElems()) },
	"pfcount": func(g *gen) []string { return flat(g.hllSources(1, 3)) },
	"pfmerge": func(g *gen) []string { return flat(g.hllKey(), g.hllSources(0, 3)) },
}

// crdtOnly are the engine's CRDT-specific commands, which redis-server
// does not have: they are exempt from the comparison (engineCommands
// skips them, by this list only) and tested in shared/engine.
var crdtOnly = map[string]bool{
	"crdt.explain": true, // SEMANTICS.md B12: explains a key's concurrent writes
	"crdt.digest":  true, // a hash of the replica's state, to compare replicas
}

// weights makes some commands rarer than the default weight of 10.
var weights = map[string]int{
	"flushall": 1, "flushdb": 1, "keys": 4, "scan": 4, "dbsize": 4, "randomkey": 4,
	"set": 30, "sadd": 25, "hset": 25, "incrby": 15, "expire": 15,
	"zadd": 45, "zincrby": 15, "geoadd": 20, "lpush": 20, "rpush": 20, "linsert": 12, "pfadd": 20, "pfmerge": 12,
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
		[]string{"replace", "replace"}, []string{"DB"}, []string{"DB", "abc"}, []string{"foo"},
		[]string{"DB", "1"}, []string{"DB", "-1"}, []string{"DB", "2147483648"})
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
